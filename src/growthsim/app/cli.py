"""The ``app`` command: serve the interactive planning page."""

from __future__ import annotations

import argparse
from pathlib import Path

from growthsim.errors import UserError
from growthsim.i18n import _


def _port(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, found {text!r}") from None
    if not 0 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port in 0..65535 (0: any free port), found {v}")
    return v


def cmd_app(args: argparse.Namespace) -> int:
    scenario = args.scenario
    if scenario is None:
        default = Path("scenarios/baseline.yaml")
        if not default.is_file():
            raise UserError(_("give a scenario file: growthsim app SCENARIO (scenarios/baseline.yaml is not here)"))
        scenario = default
    from growthsim.app.server import serve

    return serve(scenario, host=args.host, port=args.port)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("app", help=_("serve an interactive what-if page for a scenario (needs the 'app' extra)"))
    p.add_argument("scenario", nargs="?", help=_("scenario YAML file (default: scenarios/baseline.yaml)"))
    p.add_argument("--port", type=_port, default=8765, help=_("port (default 8765; 0: any free port)"))
    p.add_argument(
        "--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1: this computer only)")
    )
    p.set_defaults(func=cmd_app)
