"""The page's charts, drawn with the report's helpers (same bands, colours and fonts).

Each function returns PNG bytes. Fan charts use :mod:`growthsim.report.charts`' P10–P90
band drawing, so a plan looks the same on the page and in ``report.html``.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd

from growthsim.app.story import STATE_COLOURS, STATE_KEYS, Story
from growthsim.app.strings import t
from growthsim.report.charts import (
    chart_style,
    cumulative,
    fan,
    new_figure,
    plan_colours,
    roi_to_date,
    sorted_timeseries,
)
from growthsim.results import RunSet

SMALL = (6.4, 3.3)  # inches; 110 dpi -> about 700 x 360 px


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _figure(height: float = SMALL[1]):
    fig, axes = new_figure(height=height)
    fig.set_size_inches(SMALL[0], height)
    return fig, axes[0, 0]


def fan_png(runset: RunSet, column: str, title: str, ylabel: str = "") -> bytes:
    """Median and P10–P90 band of a timeseries column, one colour per plan."""
    plans = list(runset.plans)
    ts = sorted_timeseries(runset)
    with matplotlib.rc_context(chart_style()):
        fig, ax = _figure()
        fan(ax, ts, ts[column].astype(float), plan_colours(plans), plans)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        return _png(fig)


def money_png(runset: RunSet, title: str, currency: str) -> bytes:
    """Cumulative cost (dashed) and cumulative gross margin (solid), medians and bands."""
    plans = list(runset.plans)
    colours = plan_colours(plans)
    ts = sorted_timeseries(runset)
    with matplotlib.rc_context(chart_style()):
        fig, ax = _figure()
        fan(ax, ts, cumulative(ts, "gross_margin"), colours, plans)
        cost = cumulative(ts, "cost")
        q = (
            pd.DataFrame({"variant": ts["variant"], "day": ts["day"], "v": cost})
            .groupby(["variant", "day"], sort=False)["v"]
            .median()
        )
        for label in plans:
            if label in q.index.get_level_values(0):
                g = q.loc[label]
                ax.plot(g.index, g.to_numpy(), color=colours[label], linestyle="--", linewidth=1.6)
        ax.set_title(title)
        ax.set_ylabel(f"cumulative {currency}")
        return _png(fig)


def roi_png(runset: RunSet, title: str) -> bytes:
    """ROI to date, (cumulative margin - cumulative cost) / cumulative cost, per plan."""
    plans = list(runset.plans)
    ts = sorted_timeseries(runset)
    roi = roi_to_date(ts)
    keep = roi.notna()
    with matplotlib.rc_context(chart_style()):
        fig, ax = _figure()
        if keep.any():
            fan(ax, ts[keep], roi[keep], plan_colours(plans), plans)
        ax.axhline(0.0, color="black", linewidth=1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_title(title)
        return _png(fig)


_EVENT_STYLE = {
    "campaign_start": ("^", "#2ca02c"),
    "campaign_end": ("v", "#d62728"),
    "campaign_stopped": ("X", "#d62728"),
    "campaign_event": ("*", "#ff7f0e"),
    "budget": ("s", "#000000"),
    "groups": ("o", "#17becf"),
    "kol": ("P", "#e377c2"),
    "vip": ("D", "#bcbd22"),
}


def story_png(story: Story, day: int, lang: str = "en") -> bytes:
    """The member curve of one run with every event marked and today's day highlighted."""
    days = np.arange(story.days)
    with matplotlib.rc_context(chart_style()):
        fig, ax = _figure(height=3.6)
        ax.plot(days, story.members, color="#1f77b4", linewidth=2, label=t("chart.members", lang))
        ax.plot(days, story.active, color="#ff7f0e", linewidth=1, alpha=0.7, label="DAU")
        seen = set()
        for e in story.events:
            marker, colour = _EVENT_STYLE[e.kind]
            y = story.members[e.day]
            label = None
            if e.kind not in seen:
                seen.add(e.kind)
                label = t(f"kind.{e.kind}", lang)
            size = 4 if e.kind in ("vip", "kol") else 7
            ax.plot([e.day], [y], marker=marker, color=colour, linestyle="none", markersize=size, label=label)
        ax.axvline(day, color="#444", linewidth=1, linestyle=":")
        ax.set_xlabel("day")
        ax.set_ylim(bottom=0)
        ax.set_title(t("story.curve", lang))
        ax.legend(loc="upper left", fontsize=7, ncol=2)
        return _png(fig)


def graph_png(story: Story, day: int, lang: str = "en") -> bytes:
    """The sampled people on ``day``, coloured by state, with their acquaintance edges."""
    st = story.states[min(max(day, 0), story.days - 1)]
    with matplotlib.rc_context(chart_style()):
        fig, ax = _figure(height=4.2)
        fig.set_size_inches(5.2, 4.2)
        if len(story.edges):
            from matplotlib.collections import LineCollection

            segs = story.pos[story.edges]
            ax.add_collection(LineCollection(segs, colors="#bbbbbb", linewidths=0.4, zorder=1))
        for code, key in enumerate(STATE_KEYS):
            m = st == code
            ax.scatter(
                story.pos[m, 0],
                story.pos[m, 1],
                s=16,
                c=STATE_COLOURS[code],
                zorder=2,
                label=f"{t(key, lang)} ({int(m.sum())})",
            )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        ax.set_title(t("story.graph", lang, day=day, n=len(story.sample)))
        ax.legend(loc="lower left", fontsize=7, framealpha=0.8)
        return _png(fig)
