"""``growthsim report``.

``growthsim report RUN_DIR`` rebuilds ``kpis.json``, ``charts/`` and ``report.html`` from a
run folder's saved outputs without re-running anything. (``growthsim compare``, which runs
plans, is in :mod:`growthsim.compare`.)
"""

from __future__ import annotations

import argparse

from growthsim.report.build import build_report


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    r = subparsers.add_parser(
        "report",
        help="rebuild kpis.json, charts and report.html of a run folder",
        description="Rebuild kpis.json, charts/*.png and report.html from a run folder's "
        "saved outputs, without re-running the simulation.",
    )
    r.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by 'growthsim run' or 'compare'")
    r.add_argument("--title", help="report title")
    r.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Handler of ``growthsim report``."""
    written = build_report(args.run_dir, title=args.title)
    for p in written:
        print(p)
    return 0
