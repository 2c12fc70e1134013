"""Month-by-month and week-by-week figures of a run set: calendar months when the plan has a
``start_date``, else 30-day months (month 1 = days 0–29); weeks of 7 days from day 0 (named
by their first date when the plan has a ``start_date``). Medians over replicates of: members
and active members on the period's last day, joins, revenue and cost within the period."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthsim.i18n import _
from growthsim.report import numbers as nb
from growthsim.report.calendar import Calendar, plan_calendar

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

COLUMNS = ("members", "active", "new_members", "revenue", "cost")


def month_bounds(horizon: int, cal: Calendar | None) -> list[tuple[int, int, str]]:
    """``(first day, last day, label)`` of each month within ``0..horizon-1``."""
    if cal is not None:
        starts = cal.month_starts(horizon)
        out = []
        for i, s in enumerate(starts):
            e = (starts[i + 1] - 1) if i + 1 < len(starts) else horizon - 1
            out.append((s, e, cal.month_label(cal.date(s))))
        return out
    return [
        (
            s,
            min(s + 29, horizon - 1),
            _("month {n} (days {first}–{last})").format(n=s // 30 + 1, first=s, last=min(s + 29, horizon - 1)),
        )
        for s in range(0, horizon, 30)
    ]


def week_bounds(horizon: int, cal: Calendar | None) -> list[tuple[int, int, str]]:
    """``(first day, last day, label)`` of each 7-day week within ``0..horizon-1``."""
    out = []
    for s in range(0, horizon, 7):
        e = min(s + 6, horizon - 1)
        if cal is not None:
            name = _("week of {date}").format(date=cal.label(s))
        else:
            name = _("week {n} (days {first}–{last})").format(n=s // 7 + 1, first=s, last=e)
        out.append((s, e, name))
    return out


def monthly_frame(runset: "RunSet", label: str) -> pd.DataFrame:
    """One row per month of plan ``label``: the medians named in the module docstring."""
    return _period_frame(runset, label, "month", month_bounds)


def weekly_frame(runset: "RunSet", label: str) -> pd.DataFrame:
    """One row per week of plan ``label`` (column ``week`` instead of ``month``)."""
    return _period_frame(runset, label, "week", week_bounds)


def _period_frame(runset: "RunSet", label: str, key: str, bounds: Any) -> pd.DataFrame:
    plan = runset.plans.get(label)
    ts = runset.timeseries
    ts = ts[ts["variant"] == label] if "variant" in ts.columns else ts
    horizon = plan.horizon_days if plan is not None else int(ts["day"].max()) + 1
    cal = plan_calendar([plan])
    rows = []
    for first, last, name in bounds(horizon, cal):
        win = ts[(ts["day"] >= first) & (ts["day"] <= last)]
        end = win[win["day"] == last]
        sums = win.groupby("replicate")[[c for c in ("new_members", "revenue", "cost") if c in win]].sum()
        row: dict[str, Any] = {key: name, "first_day": first, "last_day": last}
        for c in ("members", "active"):
            row[c] = float(np.median(end[c])) if c in end and len(end) else float("nan")
        for c in ("new_members", "revenue", "cost"):
            row[c] = float(np.median(sums[c])) if c in sums and len(sums) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def monthly_blocks(runset: "RunSet", colours: dict[str, str]) -> list[dict[str, Any]]:
    """The month-by-month tables for the HTML report, one block per plan."""
    return _blocks(runset, colours, "month")


def weekly_blocks(runset: "RunSet", colours: dict[str, str]) -> list[dict[str, Any]]:
    """The week-by-week tables for the HTML report, one block per plan."""
    return _blocks(runset, colours, "week")


def _blocks(runset: "RunSet", colours: dict[str, str], key: str) -> list[dict[str, Any]]:
    blocks = []
    for label, plan in runset.plans.items():
        cur = plan.economics.currency if plan is not None else None
        f = monthly_frame(runset, label) if key == "month" else weekly_frame(runset, label)
        head = [
            _("month") if key == "month" else _("week"),
            _("members at month end") if key == "month" else _("members at week end"),
            _("active on the last day"),
            _("joins"),
            _("revenue, {currency}").format(currency=nb.currency_unit(cur)),
            _("cost, {currency}").format(currency=nb.currency_unit(cur)),
        ]
        rows = [
            [
                r[key],
                nb.count(r["members"]),
                nb.count(r["active"]),
                nb.count(r["new_members"]),
                nb.money(r["revenue"], cur, unit=False),
                nb.money(r["cost"], cur, unit=False),
            ]
            for r in f.to_dict("records")
        ]
        blocks.append({"plan": label, "colour": colours.get(label, "#888"), "head": head, "rows": rows})
    return blocks
