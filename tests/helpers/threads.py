"""Run a test script in a fresh interpreter whose numba pool has 4 threads.

The thread-count tests need their own process: numba fixes the pool size
(``NUMBA_NUM_THREADS``) at its first parallel call, and the script sets 1, 2 and 4 threads
in turn with ``numba.set_num_threads``. ``script`` is formatted with ``tests`` (this
folder, for the script's ``sys.path``) and prints one JSON line last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_at_4_threads(script: str) -> Any:
    """The last line ``script`` prints, parsed as JSON (the script must exit 0)."""
    res = subprocess.run(
        [sys.executable, "-c", script.format(tests=str(ROOT / "tests"))],
        capture_output=True,
        text=True,
        env={**os.environ, "NUMBA_NUM_THREADS": "4"},
        cwd=ROOT,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])
