"""Group health for planners: ``group_health.csv`` (every group's size, activity and warning
level at each checkpoint, per plan and replicate) and the report's group-health chart
(groups at red / yellow / blue warnings over time, per plan).

``group_health.csv`` is written into the run folder by :func:`growthsim.io.write_run_dir`
(so ``run-manifest.json`` lists it) from the models' per-group snapshots
(``CommunityModel.group_health()``, :mod:`growthsim.metrics.health`): one row per plan,
replicate, checkpoint (days elapsed, as in ``checkpoints.csv``) and group, with the
group's members, active member-days and activity rate over the last
``group_health.window_days``, whether a member admin runs it and its warning level.
Groups open on the checkpoint's last day are listed; those below ``group_health.min_size``
members are not rated (level "none"). It is a file for people to open in Excel: headers
and levels in the active language, a UTF-8 byte-order mark (like ``monthly.csv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from growthsim.i18n import N_, _
from growthsim.io import atomic_write_bytes
from growthsim.report.calendar import plan_calendar
from growthsim.scenario.targets import checkpoint_days

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

__all__ = ["GROUP_HEALTH_CSV", "LEVEL_COLOURS", "checkpoint_snapshots", "chart_group_health", "write_group_health"]

GROUP_HEALTH_CSV = "group_health.csv"
LEVEL_WORDS = {"ok": N_("none"), "blue": N_("blue"), "yellow": N_("yellow"), "red": N_("red")}
"""Warning levels as shown (message ids; ``ok``: rated without a warning, or not rated)."""
LEVEL_COLOURS = {"red": "#d62728", "yellow": "#e0a800", "blue": "#1f77b4"}


def checkpoint_snapshots(runset: "RunSet") -> pd.DataFrame:
    """The per-group snapshots taken on the last day of each plan's checkpoints, with
    ``checkpoint`` (days elapsed: the snapshot of day ``D - 1`` is checkpoint ``D``);
    sorted by plan (in display order), replicate, checkpoint and group."""
    gh = runset.group_health
    if gh is None or len(gh) == 0:
        return pd.DataFrame()
    parts = []
    for order, (label, plan) in enumerate(runset.plans.items()):
        days = checkpoint_days(plan.horizon_days, plan.checkpoints, plan.targets)
        sub = gh[(gh["variant"] == label) & (gh["day"] + 1).isin(days)].copy()
        sub.insert(2, "checkpoint", sub["day"].to_numpy(dtype=np.int64) + 1)
        sub["_order"] = order
        parts.append(sub)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(out):
        out = out.sort_values(["_order", "replicate", "checkpoint", "group"], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True) if len(out) else out


def write_group_health(out_dir: str | Path, runset: "RunSet") -> Path | None:
    """Write ``group_health.csv`` (see the module docstring); None when the runs kept no
    per-group snapshots (a run set read back from a folder)."""
    from growthsim.report.exports import _csv_bytes  # noqa: PLC0415

    if runset.group_health is None or len(runset.group_health) == 0:
        return None
    snaps = checkpoint_snapshots(runset)
    cal = plan_calendar(runset.plans.values())
    header: list[object] = [_("plan"), _("replicate"), _("checkpoint (days elapsed)")]
    if cal is not None:
        header.append(_("date"))
    header += [
        _("group"),
        _("members"),
        _("active member-days (last window)"),
        _("activity rate"),
        _("run by a member"),
        _("warning level"),
    ]
    words = {k: _(v) for k, v in LEVEL_WORDS.items()}
    yes, no = _("yes"), _("no")
    rows: list[list[object]] = [header]
    for r in snaps.itertuples(index=False):
        row: list[object] = [r.variant, int(r.replicate), int(r.checkpoint)]
        if cal is not None:
            row.append(cal.label(int(r.checkpoint) - 1))
        row += [
            int(r.group),
            int(r.size),
            int(r.active),
            f"{float(r.activity_rate):.4f}",
            yes if bool(r.member_run) else no,
            words.get(str(r.level), str(r.level)),
        ]
        rows.append(row)
    return atomic_write_bytes(Path(out_dir) / GROUP_HEALTH_CSV, _csv_bytes(rows))


def chart_group_health(runset: "RunSet", path: Path) -> Path:
    """One panel per plan: the groups at a red, yellow and blue warning each day (median
    over replicates, P10–P90 band) and the groups rated (grey, dashed), from the daily
    series ``health_red``, ``health_yellow``, ``health_blue`` and ``groups_rated``."""
    import matplotlib  # noqa: PLC0415

    from growthsim.report.charts import (  # noqa: PLC0415
        _day_axis,
        _plan_panels,
        bands,
        chart_style,
        save_chart,
        sorted_timeseries,
    )

    plans = list(runset.plans)
    ts = sorted_timeseries(runset)
    names = {"red": _("red"), "yellow": _("yellow"), "blue": _("blue")}
    with matplotlib.rc_context(chart_style()):
        fig, _axes, panels = _plan_panels(len(plans), 2, "group_health")
        for ax, label in zip(panels, plans):
            sub = ts[ts["variant"] == label]
            ax.set_title(label)
            if sub.empty or "health_red" not in sub.columns:
                ax.text(0.5, 0.5, _("no group-health data"), ha="center", va="center", transform=ax.transAxes)
                continue
            for lvl, colour in LEVEL_COLOURS.items():
                q = bands(sub, sub[f"health_{lvl}"]).loc[label]
                ax.fill_between(q.index, q["p10"], q["p90"], color=colour, alpha=0.15, linewidth=0)
                ax.plot(q.index, q["p50"], color=colour, linewidth=2, label=names[lvl])
            if "groups_rated" in sub.columns:
                q = bands(sub, sub["groups_rated"]).loc[label]
                ax.plot(q.index, q["p50"], color="#777777", linewidth=1.2, linestyle="--", label=_("groups rated"))
            ax.set_ylim(bottom=0)
            _day_axis(ax, runset)
            ax.set_ylabel(_("groups"))
            ax.legend(loc="upper left", fontsize=8)
        return save_chart(fig, path)
