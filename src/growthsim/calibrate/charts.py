"""Charts of calibration and forecasts (matplotlib Agg, PNG, about 1100 x 600 px)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from growthsim.i18n import N_, _
from growthsim.report.charts import chart_style, new_figure, save_chart

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
LABELS = {
    "new_members": N_("new members per period"),
    "active_members": N_("active members (DAU / weekly actives)"),
    "members": N_("members"),
    "purchases": N_("orders per period"),
    "revenue": N_("revenue per period"),
    "spend": N_("spend per period"),
}


def _figure() -> tuple[Figure, Axes]:
    fig, axes = new_figure()
    return fig, axes[0, 0]


def period_dates(start: _dt.date | None, period_days: int, n: int, offset: int = 0) -> list:
    """x values: dates when the history's start is known, else day numbers."""
    if start is None:
        return [(offset + i) * period_days for i in range(n)]
    return [start + _dt.timedelta(days=(offset + i) * period_days) for i in range(n)]


def chart_fit(
    path: Path,
    series: str,
    x: list,
    observed: np.ndarray,
    bands: np.ndarray,
    title: str,
    split: int | None = None,
    baselines: dict[str, np.ndarray] | None = None,
    anchored: np.ndarray | None = None,
    conditioned: bool = False,
) -> Path:
    """Observed series against the simulated median and P10–P90 band; with ``split`` the
    periods from ``split`` on are held out (marked, and baseline forecasts drawn there);
    ``conditioned``: the band is of runs drawn for their end-of-training state."""
    with matplotlib.rc_context(chart_style()):
        fig, ax = _figure()
        what = _("simulated, drawn to match the end of training") if conditioned else _("simulated")
        band = _("{what}: P10–P90").format(what=what)
        ax.fill_between(x, bands[0], bands[2], color=PALETTE[0], alpha=0.2, linewidth=0, label=band)
        ax.plot(x, bands[1], color=PALETTE[0], linewidth=2, label=_("{what}: median").format(what=what))
        ax.plot(x, observed, color="black", linewidth=1.2, marker=".", markersize=4, label=_("observed"))
        if split is not None and split < len(x):
            ax.axvline(x[split], color="grey", linestyle="--", linewidth=1)
            ax.annotate(_("held out →"), (x[split], ax.get_ylim()[1]), ha="left", va="top", fontsize=10, color="grey")
            if anchored is not None:
                ax.plot(
                    x[split:],
                    anchored,
                    color=PALETTE[0],
                    linewidth=1.5,
                    linestyle="--",
                    label=_("unconditioned median, anchored at the last training value"),
                )
            for i, (name, fc) in enumerate((baselines or {}).items()):
                ax.plot(
                    x[split:],
                    fc,
                    color=PALETTE[2 + i],
                    linewidth=1.5,
                    linestyle=":",
                    label=_("baseline: {name}").format(name=name),
                )
        ax.set_title(title)
        ax.set_ylabel(_(LABELS[series]) if series in LABELS else series)
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left")
        return save_chart(fig, path)


def chart_forecast(
    path: Path,
    series: str,
    x_hist: list,
    observed: np.ndarray | None,
    x_fc: list,
    bands: dict[str, np.ndarray],
    title: str,
) -> Path:
    """Fan chart: observed history, then per plan the forecast median and P10–P90 band."""
    with matplotlib.rc_context(chart_style()):
        fig, ax = _figure()
        if observed is not None:
            ax.plot(
                x_hist, observed, color="black", linewidth=1.2, marker=".", markersize=3, label=_("observed history")
            )
        for i, (label, q) in enumerate(bands.items()):
            c = PALETTE[i % len(PALETTE)]
            ax.fill_between(x_fc, q[0], q[2], color=c, alpha=0.18, linewidth=0)
            ax.plot(x_fc, q[1], color=c, linewidth=2, label=_("{plan}: median, P10–P90").format(plan=label))
        if x_fc:
            ax.axvline(x_fc[0], color="grey", linestyle="--", linewidth=1)
        ax.set_title(title)
        ax.set_ylabel(_(LABELS[series]) if series in LABELS else series)
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left")
        return save_chart(fig, path)
