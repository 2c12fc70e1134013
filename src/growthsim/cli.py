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
    "growthsim.report.cli",  # compare, report
    "growthsim.experiments.cli",  # sweep, sensitivity
    "growthsim.calibrate.cli",  # calibrate, forecast
    "growthsim.scenario.cli",  # schema, init
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="growthsim",
        description="Simulate and forecast community growth plans.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a command group not built yet
            if exc.name == name:
                continue
            raise
        module.register(sub)
    for command in sub.choices.values():
        _add_lang(command)
    return parser


def _add_lang(parser: argparse.ArgumentParser) -> None:
    """``--lang zh|en`` on every command (default: the scenario's ``locale:``, else the
    environment's locale; see growthsim.i18n)."""
    if any("--lang" in a.option_strings for a in parser._actions):
        return
    parser.add_argument("--lang", choices=("zh", "en"), default=None,
                        help="language of output and reports: zh or en (default: the scenario's "
                        "'locale:', else the environment's locale)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from growthsim.i18n import set_language  # noqa: PLC0415

    set_language(getattr(args, "lang", None))
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        from growthsim.i18n import _  # noqa: PLC0415
        from growthsim.i18n.errors import translate_error  # noqa: PLC0415

        print(_("growthsim {command}: error: {message}").format(
            command=args.command, message=translate_error(str(exc))), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        from growthsim.i18n import _  # noqa: PLC0415

        print(_("growthsim {command}: interrupted").format(command=args.command), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
