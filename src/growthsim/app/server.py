"""Serving the page from the ``growthsim`` console script, in this process.

Solara's own ``solara run`` is a separate command line; here the same server (Solara's
Starlette app under uvicorn) is configured and started programmatically: the page module
is named in ``SOLARA_APP``, the scenario in ``GROWTHSIM_APP_SCENARIO``, Solara's telemetry
and version check stay off, and the page's scripts and styles come from the
``solara-assets`` package (nothing is fetched from a CDN, so the page works offline).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

from growthsim.errors import UserError
from growthsim.i18n import _

PAGE_MODULE = "growthsim.app.page"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _configure(scenario: Path, host: str, port: int) -> None:
    os.environ["GROWTHSIM_APP_SCENARIO"] = str(scenario)
    os.environ["SOLARA_APP"] = PAGE_MODULE
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    # no network: no usage statistics, no CDN proxy (assets are local, see solara-assets)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_ASSETS_PROXY", "False")


def serve(scenario: str | Path, host: str = "127.0.0.1", port: int = 8765, warm: bool = True) -> int:
    """Validate ``scenario``, then serve the page on ``host:port`` until interrupted."""
    from growthsim.scenario.loader import ScenarioFile

    path = Path(scenario).resolve()
    sf = ScenarioFile(path)  # a bad file stops here with the validator's message
    try:
        import solara.server.settings as solara_settings
        import uvicorn
    except ImportError as exc:
        raise UserError(
            _("the app needs the 'app' extra ({name} is missing): pip install 'growthsim[app]'").format(name=exc.name)
        ) from None
    if port == 0:
        port = free_port(host)
    _configure(path, host, port)
    solara_settings.main.mode = "production"
    solara_settings.telemetry.mixpanel_enable = False
    if warm:
        from growthsim.app.engine import warm_up

        threading.Thread(target=warm_up, args=(sf.base,), daemon=True, name="growthsim-warm-up").start()
    config = uvicorn.Config(
        "solara.server.starlette:app", host=host, port=port, log_level="warning", ws_ping_interval=None
    )
    server = uvicorn.Server(config)
    print(
        _("growthsim app: {name} ({path}) at http://{host}:{port}/ — Ctrl+C to stop").format(
            name=sf.base.name, path=path, host=host, port=port
        ),
        flush=True,
    )
    try:
        server.run()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        pass
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve(sys.argv[1]))
