"""``growthsim report``.

``growthsim report RUN_DIR`` rebuilds ``kpis.json``, ``charts/`` and ``report.html`` from a
run folder's saved outputs without re-running anything. (``growthsim compare``, which runs
plans, is in :mod:`growthsim.compare`.)
"""

from __future__ import annotations

import argparse

from growthsim.i18n import _, apply_plan_locale


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    r = subparsers.add_parser(
        "report",
        help=_("rebuild kpis.json, charts and report.html of a run folder"),
        description=_(
            "Rebuild kpis.json, charts/*.png and report.html from a run folder's "
            "saved outputs, without re-running the simulation."
        ),
    )
    r.add_argument("run_dir", metavar="RUN_DIR", help=_("a folder written by 'growthsim run' or 'compare'"))
    r.add_argument("--title", help=_("report title"))
    r.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Handler of ``growthsim report`` (in the scenario's ``locale:`` unless ``--lang``)."""
    from growthsim.report.build import build_report, read_run  # noqa: PLC0415

    runset = read_run(args.run_dir)
    first = next((p for p in runset.plans.values() if p is not None), None)
    apply_plan_locale(getattr(args, "lang", None), first)
    written = build_report(args.run_dir, runset=runset, title=args.title)
    for p in written:
        print(p)
    return 0
