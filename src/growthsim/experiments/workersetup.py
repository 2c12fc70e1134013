"""Set-up of every Dask worker process a sweep uses (imported only where Dask is)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


class WorkerSetup(WorkerPlugin):
    """Runs on every worker, including one started in place of a worker a crashing run
    killed (a ``client.run`` reaches only the workers of the moment): one numba thread,
    and Ctrl-C left to the sweep's own process, which stops the cluster (a worker would
    otherwise print a KeyboardInterrupt traceback)."""

    name = "growthsim-worker-setup"

    def setup(self, worker: Any) -> None:  # noqa: D102
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            import numba

            numba.set_num_threads(1)
        except Exception:  # noqa: BLE001 - optional
            pass
