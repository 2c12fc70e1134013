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
from growthsim.i18n import N_, _

# Modules that add sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "growthsim.commands",  # run, check
    "growthsim.compare",  # compare
    "growthsim.report.cli",  # report
    "growthsim.experiments.cli",  # sweep, sensitivity
    "growthsim.calibrate.cli",  # calibrate, forecast
    "growthsim.scenario.cli",  # schema, init
    "growthsim.app.cli",  # app
)


# Commands whose module is imported only when that command runs (the others get a
# placeholder with their one-line help), so that ``growthsim --help`` and ``growthsim
# check`` do not load the engine; tests/test_cli_speed.py checks this table against the
# modules' own help. A module missing here is always imported.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("growthsim.commands", N_("run a scenario file's plan(s) and write a run folder")),
    "check": ("growthsim.commands", N_("validate a scenario file and print the resolved plan")),
    "compare": ("growthsim.compare", N_("run several plans on the same random numbers and compare them")),
    "report": ("growthsim.report.cli", N_("rebuild kpis.json, charts and report.html of a run folder")),
    "sweep": (
        "growthsim.experiments.cli",
        N_("run every point x replicate of an experiment (Dask), one tidy results table"),
    ),
    "sensitivity": ("growthsim.experiments.cli", N_("Sobol' / Morris sensitivity indices and tornado charts per KPI")),
    "optimize": (
        "growthsim.experiments.cli",
        N_("search the experiment's factors for the best plan under constraints (Optuna on Dask)"),
    ),
    "calibrate": ("growthsim.calibrate.cli", N_("fit a scenario's parameters to a community's own history")),
    "forecast": ("growthsim.calibrate.cli", N_("forecast from a calibrated scenario, after its history")),
    "schema": ("growthsim.scenario.cli", N_("print the JSON Schema of scenario files (or the field reference)")),
    "init": ("growthsim.scenario.cli", N_("write a commented starter scenario file")),
    "app": ("growthsim.app.cli", N_("serve an interactive what-if page for a scenario (needs the 'app' extra)")),
}


def _chosen_command(argv: list[str] | None) -> str | None:
    """The sub-command named on the command line (None: none, or build every command)."""
    if argv is None:
        return None
    skip = False
    for tok in argv:
        if skip:
            skip = False
        elif tok == "--lang":
            skip = True
        elif not tok.startswith("-"):
            return tok
    return ""


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; given ``argv``, only the module of the command it names is
    imported (the other commands are placeholders that show their help)."""
    parser = argparse.ArgumentParser(
        prog="growthsim",
        description=_("Simulate and forecast community growth plans."),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = _chosen_command(argv)
    for name in COMMAND_MODULES:
        lazy = [(c, h) for c, (m, h) in LAZY_COMMANDS.items() if m == name]
        if chosen is not None and lazy and all(h is not None for _c, h in lazy) and chosen not in [c for c, _h in lazy]:
            for c, h in lazy:
                sub.add_parser(c, help=_(h))
            continue
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():
        _add_lang(command)
    return parser


def _add_lang(parser: argparse.ArgumentParser) -> None:
    """``--lang zh|en`` on every command (default: the scenario's ``locale:``, else the
    environment's locale; see growthsim.i18n)."""
    if any("--lang" in a.option_strings for a in parser._actions):
        return
    parser.add_argument(
        "--lang",
        choices=("zh", "en"),
        default=None,
        help=_(
            "language of output and reports: zh or en (default: the scenario's "
            "'locale:', else the environment's locale)"
        ),
    )


def _lang_option(argv: list[str]) -> str | None:
    """``--lang X`` / ``--lang=X`` anywhere on the command line (read before the parser
    is built, so that the help is in that language)."""
    for i, tok in enumerate(argv):
        if tok == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if tok.startswith("--lang="):
            return tok.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    from growthsim.i18n import set_language  # noqa: PLC0415
    from growthsim.i18n.argparse_text import install  # noqa: PLC0415

    argv = sys.argv[1:] if argv is None else list(argv)
    set_language(_lang_option(argv))
    install()
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    set_language(getattr(args, "lang", None))
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        from growthsim.i18n.errors import translate_error  # noqa: PLC0415

        print(
            _("growthsim {command}: error: {message}").format(command=args.command, message=translate_error(str(exc))),
            file=sys.stderr,
        )
        return exc.exit_code
    except KeyboardInterrupt:
        print(_("growthsim {command}: interrupted").format(command=args.command), file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
