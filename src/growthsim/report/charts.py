"""Charts of a run set: forecasts with P10–P90 bands, money, ROI, costs, retention, sources.

Every chart is drawn on its own :class:`matplotlib.figure.Figure` with the Agg canvas (no
pyplot state, no display needed) inside an ``rc_context`` that renders Chinese names, and
saved as PNG (about 1100 x 600 px). Each plan keeps the same colour in every chart.
Titles, axes and legends are in the active language (:mod:`growthsim.i18n`); with a
scenario ``start_date`` the day axes show dates and the cohort chart's join weeks their
first date.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.lines
import matplotlib.ticker
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from growthsim.i18n import N_, _
from growthsim.i18n.terms import category_label, source_label
from growthsim.io import atomic_write_png
from growthsim.metrics.kpis import cohort_retention, kpi_table, source_columns
from growthsim.report.calendar import plan_calendar
from growthsim.report.fonts import font_rc
from growthsim.report.numbers import currency_unit

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

FIGSIZE = (10.0, 5.5)  # inches
DPI = 110  # -> 1100 x 605 px
PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)

CHART_TITLES: dict[str, str] = {
    "members": N_("Members: median and P10–P90 band"),
    "dau": N_("Daily active members: median and P10–P90 band"),
    "cost_margin": N_("Cumulative cost vs cumulative gross margin (median), payback marked"),
    "roi_over_time": N_("ROI to date: (cumulative margin − cumulative cost) / cumulative cost"),
    "roi_distribution": N_("Final ROI across simulated futures"),
    "cost_breakdown": N_("Cost by category (mean over replicates)"),
    "cohort_retention": N_("Cohort retention by join week (share still in)"),
    "activity_retention": N_("Activity retention: share of joiners active in week k after joining (mean)"),
    "acquisition_sources": N_("New members per day by source (mean over replicates)"),
    "group_health": N_("Group health: groups at a red, yellow or blue warning (median, P10–P90 band)"),
}
"""Chart titles (English message ids; :func:`chart_title` gives them in the active language)."""


def chart_title(key: str) -> str:
    """The title of chart ``key`` in the active language."""
    return _(CHART_TITLES[key]) if key in CHART_TITLES else key


def _day_axis(ax, runset: "RunSet") -> None:
    """Label the x axis in days, or in dates when the plan has a ``start_date``."""
    cal = plan_calendar(runset.plans.values())
    if cal is None:
        ax.set_xlabel(_("day"))
        return
    horizon = max((p.horizon_days for p in runset.plans.values() if p is not None), default=0)
    starts = cal.month_starts(horizon) if horizon >= 60 else []
    if len(starts) >= 3:  # ticks on the first of each month (every k-th month, at most ~12)
        step = max(1, int(np.ceil(len(starts) / 12)))
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(starts[::step]))
    else:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=8, integer=True))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _pos: cal.short(int(round(x)))))
    ax.set_xlabel(_("date (day 0 = {start})").format(start=cal.label(0)))


def plan_colours(labels: list[str]) -> dict[str, str]:
    """A fixed colour per plan, by display order."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def chart_style() -> dict[Any, Any]:  # matplotlib types the keys as Literal names
    rc: dict[str, Any] = {
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 11,
        "axes.titlesize": 13,
        "legend.fontsize": 10,
    }
    rc.update(font_rc())
    return rc


def new_figure(nrows: int = 1, ncols: int = 1, height: float | None = None) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(FIGSIZE[0], height or FIGSIZE[1]), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def save_chart(fig: Figure, path: Path) -> Path:
    return atomic_write_png(path, fig, dpi=DPI)


def bands(ts: pd.DataFrame, value: pd.Series) -> pd.DataFrame:
    """P10 / P50 / P90 of ``value`` over replicates, per (variant, day)."""
    frame = pd.DataFrame(
        {"variant": ts["variant"].to_numpy(), "day": ts["day"].to_numpy(), "v": value.to_numpy(dtype=float)}
    )
    q = frame.groupby(["variant", "day"], sort=False)["v"].quantile([0.1, 0.5, 0.9]).unstack()
    q.columns = ["p10", "p50", "p90"]
    return q


def cumulative(ts: pd.DataFrame, col: str) -> pd.Series:
    if col not in ts.columns:
        return pd.Series(np.zeros(len(ts)), index=ts.index)
    return ts.groupby(["variant", "replicate"], sort=False)[col].cumsum()


def roi_to_date(ts: pd.DataFrame) -> pd.Series:
    """ROI to date per row, (cumulative margin - cumulative cost) / cumulative cost; NaN
    before any cost."""
    cc = cumulative(ts, "cost")
    cm = cumulative(ts, "gross_margin")
    return ((cm - cc) / cc.where(cc > 0)).astype(float)


def fan(ax, ts: pd.DataFrame, value: pd.Series, colours: dict[str, str], plans: list[str]) -> None:
    q = bands(ts, value)
    for label in plans:
        if label not in q.index.get_level_values(0):
            continue
        g = q.loc[label]
        ax.fill_between(g.index, g["p10"], g["p90"], color=colours[label], alpha=0.18, linewidth=0)
        ax.plot(g.index, g["p50"], color=colours[label], linewidth=2, label=_("{plan} (median)").format(plan=label))
    ax.legend(loc="upper left")


def sorted_timeseries(runset: "RunSet") -> pd.DataFrame:
    return runset.timeseries.sort_values(["variant", "replicate", "day"], kind="stable").reset_index(drop=True)


def chart_fan(runset: "RunSet", column: str, path: Path, ylabel: str, title: str) -> Path:
    """Median and P10–P90 band of a timeseries column per plan."""
    plans = list(runset.plans)
    colours = plan_colours(plans)
    ts = sorted_timeseries(runset)
    with matplotlib.rc_context(chart_style()):
        fig, axes = new_figure()
        ax = axes[0, 0]
        fan(ax, ts, ts[column] if column in ts.columns else pd.Series(np.zeros(len(ts))), colours, plans)
        _day_axis(ax, runset)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        return save_chart(fig, path)


def chart_cost_margin(runset: "RunSet", table: pd.DataFrame, path: Path) -> Path:
    """Cumulative cost (dashed) and cumulative gross margin (solid) per plan, medians with
    P10–P90 bands, and the median payback day marked."""
    plans = list(runset.plans)
    colours = plan_colours(plans)
    ts = sorted_timeseries(runset)
    cur = _currency(runset)
    qc = bands(ts, cumulative(ts, "cost"))
    qm = bands(ts, cumulative(ts, "gross_margin"))
    with matplotlib.rc_context(chart_style()):
        fig, axes = new_figure()
        ax = axes[0, 0]
        never: list[str] = []
        handles = []
        for label in plans:
            if label not in qc.index.get_level_values(0):
                continue
            c, m = qc.loc[label], qm.loc[label]
            col = colours[label]
            ax.fill_between(m.index, m["p10"], m["p90"], color=col, alpha=0.15, linewidth=0)
            ax.fill_between(c.index, c["p10"], c["p90"], color=col, alpha=0.08, linewidth=0)
            (line,) = ax.plot(m.index, m["p50"], color=col, linewidth=2, label=label)
            ax.plot(c.index, c["p50"], color=col, linewidth=2, linestyle="--")
            handles.append(line)
            pb = table.loc[table["variant"] == label, "payback_day"].to_numpy(dtype=float)
            med = _median_never_last(pb)
            if np.isfinite(med):
                day = int(round(med))
                y = float(np.interp(day, m.index.to_numpy(dtype=float), m["p50"].to_numpy()))
                ax.axvline(day, color=col, linestyle=":", linewidth=1.2)
                ax.plot([day], [y], marker="o", color=col, markersize=8)
                ax.annotate(
                    _payback_label(runset, day),
                    (day, y),
                    textcoords="offset points",
                    xytext=(6, -14),
                    color=col,
                    fontsize=10,
                )
            else:
                never.append(label)
        style = [
            matplotlib.lines.Line2D([], [], color="#444", linewidth=2, label=_("gross margin")),
            matplotlib.lines.Line2D([], [], color="#444", linewidth=2, linestyle="--", label=_("cost")),
        ]
        first = ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title=_("plan (median,\nP10–P90 band)")
        )
        ax.add_artist(first)
        if never:
            style.append(
                matplotlib.lines.Line2D(
                    [],
                    [],
                    linestyle="none",
                    label=_("no payback within the horizon\n(median future):") + "\n" + "\n".join(never),
                )
            )
        ax.legend(handles=style, loc="lower left", bbox_to_anchor=(1.01, 0.0))
        _day_axis(ax, runset)
        ax.set_ylabel(_("cumulative, {currency}").format(currency=cur))
        ax.set_title(chart_title("cost_margin"))
        return save_chart(fig, path)


def _median_never_last(values: np.ndarray) -> float:
    """Median where NaN means "never" (later than any day); NaN if the median is never."""
    if len(values) == 0:
        return float("nan")
    w = np.sort(np.where(np.isnan(values), np.inf, values))
    med = float(np.quantile(w, 0.5, method="higher"))
    return float(np.quantile(w, 0.5)) if np.isfinite(med) else float("nan")


def chart_roi_over_time(runset: "RunSet", path: Path) -> Path:
    """ROI to date per plan (median, P10–P90 band); days before any cost are left out."""
    plans = list(runset.plans)
    colours = plan_colours(plans)
    ts = sorted_timeseries(runset)
    roi = roi_to_date(ts)
    keep = roi.notna()
    with matplotlib.rc_context(chart_style()):
        fig, axes = new_figure()
        ax = axes[0, 0]
        if keep.any():
            fan(ax, ts[keep], roi[keep], colours, plans)
        ax.axhline(0.0, color="black", linewidth=1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        _day_axis(ax, runset)
        ax.set_ylabel(_("ROI to date"))
        ax.set_title(chart_title("roi_over_time"))
        return save_chart(fig, path)


def chart_roi_distribution(runset: "RunSet", table: pd.DataFrame, path: Path) -> Path:
    """Final ROI per replicate: a violin (when there are enough replicates), a box and the
    points, per plan."""
    plans = list(runset.plans)
    colours = plan_colours(plans)
    data = [table.loc[table["variant"] == p, "roi"].dropna().to_numpy(dtype=float) for p in plans]
    with matplotlib.rc_context(chart_style()):
        fig, axes = new_figure()
        ax = axes[0, 0]
        pos = np.arange(1, len(plans) + 1)
        for i, (d, label) in enumerate(zip(data, plans)):
            if len(d) >= 5 and np.ptp(d) > 0:
                parts = ax.violinplot([d], positions=[pos[i]], showextrema=False, widths=0.7)
                for body in parts["bodies"]:
                    body.set_facecolor(colours[label])
                    body.set_alpha(0.25)
            if len(d):
                ax.boxplot(
                    [d],
                    positions=[pos[i]],
                    widths=0.25,
                    showfliers=False,
                    medianprops={"color": colours[label], "linewidth": 2},
                )
                jitter = np.linspace(-0.08, 0.08, len(d)) if len(d) > 1 else np.zeros(1)
                ax.scatter(pos[i] + jitter, d, s=14, color=colours[label], alpha=0.7, zorder=3)
        ax.set_xticks(pos, plans)
        ax.axhline(0.0, color="black", linewidth=1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylabel(_("ROI at the horizon"))
        ax.set_title(chart_title("roi_distribution"))
        return save_chart(fig, path)


def chart_cost_breakdown(runset: "RunSet", table: pd.DataFrame, path: Path) -> Path:
    """Stacked bars: mean cost per ledger category, one bar per plan."""
    plans = list(runset.plans)
    cats = [c for c in table.columns if c.startswith("cost_") and c != "cost_per_paying"]
    means = table.groupby("variant", sort=False)[cats].mean().reindex(plans).fillna(0.0)
    cats = [c for c in cats if means[c].abs().sum() > 0]
    cmap = matplotlib.colormaps["tab20"]
    with matplotlib.rc_context(chart_style()):
        fig, axes = new_figure()
        ax = axes[0, 0]
        bottom = np.zeros(len(plans))
        for j, c in enumerate(cats):
            vals = means[c].to_numpy(dtype=float)
            ax.bar(plans, vals, bottom=bottom, color=cmap(j % 20), label=category_label(c[len("cost_") :]), width=0.6)
            bottom += vals
        for i, total in enumerate(bottom):
            ax.annotate(
                f"{total:,.0f}", (i, total), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=10
            )
        ax.set_ylabel(_currency(runset))
        ax.set_title(chart_title("cost_breakdown"))
        if cats:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=_("category"))
        return save_chart(fig, path)


def _plan_panels(n: int, max_cols: int, key: str) -> tuple[Figure, np.ndarray, list]:
    """A figure titled ``chart_title(key)`` with one panel per plan, at most ``max_cols`` a
    row, the unused panels hidden: the figure, the axes grid and the plans' panels."""
    ncols = min(n, max_cols)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, height=max(FIGSIZE[1], 4.0 * nrows))
    fig.suptitle(chart_title(key))
    for j in range(n, nrows * ncols):
        axes[j // ncols, j % ncols].set_visible(False)
    return fig, axes, [axes[i // ncols, i % ncols] for i in range(n)]


def chart_activity_retention(runset: "RunSet", table: pd.DataFrame, path: Path) -> Path:
    """Per plan, the mean over replicates of ``activity_retention_w1 .. w9`` (share of the
    members who joined active at least once in week k after joining), beside the
    membership retention of weeks 1 and 4 (share still in, active or not), dashed."""
    plans = list(runset.plans)
    colours = plan_colours(plans)
    weeks = [k for k in range(1, 10) if f"activity_retention_w{k}" in table.columns]
    with matplotlib.rc_context(chart_style()):
        fig, axes = new_figure()
        ax = axes[0, 0]
        for label in plans:
            rows = table[table["variant"] == label]
            y = [float(rows[f"activity_retention_w{k}"].mean()) for k in weeks]
            if weeks and np.isfinite(y).any():
                ax.plot(weeks, y, marker="o", color=colours[label], label=f"{label}: {_('active')}")
            kept = [(k, float(rows[f"retention_w{k}"].mean())) for k in (1, 4) if f"retention_w{k}" in rows.columns]
            kept = [(k, v) for k, v in kept if np.isfinite(v)]
            if kept:
                ax.plot(
                    *zip(*kept), ls="--", marker="s", color=colours[label], alpha=0.6, label=f"{label}: {_('still in')}"
                )
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_xlabel(_("weeks after joining"))
        ax.set_ylabel(_("share of joiners"))
        ax.set_title(chart_title("activity_retention"))
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper right", fontsize=8)
        return save_chart(fig, path)


def chart_cohort_retention(runset: "RunSet", path: Path) -> Path:
    """Heat map per plan: rows join week, columns weeks since, mean share still in."""
    plans = list(runset.plans)
    with matplotlib.rc_context(chart_style()):
        fig, axes, panels = _plan_panels(len(plans), 3, "cohort_retention")
        cal = plan_calendar(runset.plans.values())
        image = None
        for ax, label in zip(panels, plans):
            ax.grid(False)
            co = runset.cohorts
            sub = co[co["variant"] == label] if len(co) and "variant" in co.columns else pd.DataFrame()
            horizon = runset.plans[label].horizon_days if runset.plans.get(label) is not None else None
            mat = cohort_retention(sub, horizon)
            ax.set_title(label)
            if mat.empty:
                ax.text(0.5, 0.5, _("no cohort data"), ha="center", va="center", transform=ax.transAxes)
                continue
            image = ax.imshow(
                mat.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest"
            )
            ax.set_xlabel(_("weeks since join week"))
            ax.set_ylabel(_("join week (first day)") if cal is not None else _("join week"))
            # at most ~13 labelled ticks per axis (every week up to 13 weeks, then every k-th)
            for set_ticks, labels in ((ax.set_xticks, mat.columns), (ax.set_yticks, mat.index)):
                step = max(1, int(np.ceil(len(labels) / 13)))
                pos = range(0, len(labels), step)
                names = (
                    [cal.week_label(int(labels[k])) for k in pos]
                    if cal is not None and set_ticks == ax.set_yticks
                    else [str(labels[k]) for k in pos]
                )
                set_ticks(list(pos), names)
            ax.tick_params(labelsize=8)
        if image is not None:
            fig.colorbar(image, ax=axes, label=_("share still in"), shrink=0.8)
        return save_chart(fig, path)


def chart_acquisition_sources(runset: "RunSet", path: Path) -> Path:
    """Stacked area per plan: mean new members per day by source."""
    plans = list(runset.plans)
    ts = sorted_timeseries(runset)
    sources = source_columns(ts)
    cmap = matplotlib.colormaps["Set2"]
    with matplotlib.rc_context(chart_style()):
        fig, _axes, panels = _plan_panels(len(plans), 2, "acquisition_sources")
        ymax = 0.0
        used = []
        for ax, label in zip(panels, plans):
            sub = ts[ts["variant"] == label]
            ax.set_title(label)
            if not sources or sub.empty:
                ax.text(0.5, 0.5, _("no joins recorded"), ha="center", va="center", transform=ax.transAxes)
                continue
            mean = sub.groupby("day")[[f"new_{s}" for s in sources]].mean()
            ax.stackplot(
                mean.index,
                mean.T.to_numpy(),
                labels=[source_label(x) for x in sources],
                colors=[cmap(j % 8) for j in range(len(sources))],
                alpha=0.9,
            )
            ymax = max(ymax, float(mean.sum(axis=1).max()))
            _day_axis(ax, runset)
            ax.set_ylabel(_("new members / day"))
            used.append(ax)
        for ax in used:
            ax.set_ylim(0, ymax * 1.05 if ymax > 0 else 1)
        if used:
            used[0].legend(loc="upper left", title=_("source"))
        return save_chart(fig, path)


def _currency(runset: "RunSet") -> str:
    for plan in runset.plans.values():
        if plan is not None:
            return currency_unit(plan.economics.currency)
    return _("money")


def _payback_label(runset: "RunSet", day: int) -> str:
    cal = plan_calendar(runset.plans.values())
    if cal is not None:
        return _("payback {date}").format(date=cal.short(day))
    return _("payback day {n}").format(n=day)


def make_charts(runset: "RunSet", out_dir: str | Path, table: pd.DataFrame | None = None) -> dict[str, Path]:
    """Draw every chart of a run set into ``out_dir`` (created if needed).

    Returns ``{chart key: png path}`` in display order; keys are those of
    :data:`CHART_TITLES`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = kpi_table(runset) if table is None else table
    jobs: list[tuple[str, Callable[[], Path]]] = [
        ("members", lambda: chart_fan(runset, "members", out / "members.png", _("members"), chart_title("members"))),
        ("dau", lambda: chart_fan(runset, "active", out / "dau.png", _("active members that day"), chart_title("dau"))),
        ("cost_margin", lambda: chart_cost_margin(runset, table, out / "cost_margin.png")),
        ("roi_over_time", lambda: chart_roi_over_time(runset, out / "roi_over_time.png")),
        ("roi_distribution", lambda: chart_roi_distribution(runset, table, out / "roi_distribution.png")),
        ("cost_breakdown", lambda: chart_cost_breakdown(runset, table, out / "cost_breakdown.png")),
        ("cohort_retention", lambda: chart_cohort_retention(runset, out / "cohort_retention.png")),
        ("activity_retention", lambda: chart_activity_retention(runset, table, out / "activity_retention.png")),
        ("acquisition_sources", lambda: chart_acquisition_sources(runset, out / "acquisition_sources.png")),
        ("group_health", lambda: chart_group_health(runset, out / "group_health.png")),
    ]
    from growthsim.progress import step  # noqa: PLC0415
    from growthsim.report.health import chart_group_health  # noqa: PLC0415

    done: dict[str, Path] = {}
    for i, (key, job) in enumerate(jobs, 1):
        step(_("chart {i}/{n}: {title}").format(i=i, n=len(jobs), title=chart_title(key)))
        done[key] = job()
    return done
