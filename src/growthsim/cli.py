"""``growthsim`` command line.

Each command group lives next to the code it drives and registers itself through a
``register(subparsers)`` function that adds its sub-commands and sets ``func`` on each.
User mistakes (:class:`growthsim.errors.UserError`) are printed without a traceback and
exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from growthsim.errors import UserError

# Modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "growthsim.commands",  # run, check
    "growthsim.compare",  # compare
    "growthsim.report.cli",  # report
    "growthsim.experiments.cli",  # sweep, sensitivity
    "growthsim.calibrate.cli",  # calibrate, forecast
    "growthsim.app.cli",  # app
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="growthsim",
        description="Simulate and forecast community growth plans.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"growthsim {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"growthsim {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
