"""Command-line argument types shared by every command, with the same limits as the files.

A count on the command line is capped like the file field it stands for (``--replicates``
like a scenario's ``replicates``, ``--bootstrap`` like a fit spec's ``bootstrap``), so
nothing the command line accepts is refused later, or accepted only to exhaust the
machine. :func:`check_run_size` refuses, before anything runs, a run whose time series
alone would not fit in memory.
"""

from __future__ import annotations

import argparse
import math

from growthsim.errors import UserError
from growthsim.i18n import _

SEED_MAX = 2**63 - 1
MAX_DAYS = 3650  # a scenario's horizon_days cap
MAX_WORKERS = 1024
# plans x replicates x days one command may simulate and keep: each day of a run is a
# time-series row of ~45 numbers (plus cohorts and ledger), so 5 million rows are ~2 GB
MAX_RUN_DAYS = 5_000_000


def count(lo: int, hi: int):  # noqa: ANN201 - an argparse type
    """An argparse type: a whole number from ``lo`` to ``hi``."""

    def parse(text: str) -> int:
        try:
            v = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                _("expected a whole number from {lo} to {hi}, found {found}").format(
                    lo=f"{lo:,}", hi=f"{hi:,}", found=repr(text)
                )
            ) from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(
                _("expected a whole number from {lo} to {hi}, found {found}").format(
                    lo=f"{lo:,}", hi=f"{hi:,}", found=f"{v:,}"
                )
            )
        return v

    parse.__name__ = f"count[{lo}..{hi}]"
    return parse


seed_arg = count(0, SEED_MAX)
seed_arg.__name__ = "seed"
workers_arg = count(0, MAX_WORKERS)
days_arg = count(1, MAX_DAYS)


def positive_number(text: str) -> float:
    """An argparse type: a finite number above 0 (``nan``, ``inf`` and ``0`` refused)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a number above 0, found {found}").format(found=repr(text))
        ) from None
    if not math.isfinite(v) or v <= 0:
        raise argparse.ArgumentTypeError(_("expected a finite number above 0, found {found}").format(found=repr(text)))
    return v


def check_run_size(plans: int, replicates: int, days: int, what: str = "--replicates") -> None:
    """Refuse, before anything runs, more than :data:`MAX_RUN_DAYS` plan-replicate-days."""
    total = int(plans) * int(replicates) * int(days)
    if total > MAX_RUN_DAYS:
        raise UserError(
            _(
                "{what}: {plans} plan(s) x {replicates} replicates x {days} days = {total} simulated days, "
                "more than the {most} one command keeps in memory (~{gib} GiB); "
                "use fewer replicates or days, or a sweep (growthsim sweep) that keeps only KPIs"
            ).format(
                what=what,
                plans=plans,
                replicates=f"{replicates:,}",
                days=f"{days:,}",
                total=f"{total:,}",
                most=f"{MAX_RUN_DAYS:,}",
                gib=f"{total * 400 / 2**30:,.0f}",
            )
        )
