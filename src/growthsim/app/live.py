"""Live charts: ECharts options built from a (growing) run set.

The results tab redraws after every replicate, so its charts are drawn in the browser
(ECharts, which Solara bundles) from the numbers the report's own band helpers compute
(:func:`growthsim.report.charts.bands`: P10 / P50 / P90 over replicates per plan and
day, in the report's plan colours). Building an option takes milliseconds where a
matplotlib PNG takes about half a second, which is what keeps the first replicate on
screen within the time budget. The static report and the story tab keep matplotlib.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthsim.report.charts import bands, cumulative, plan_colours
from growthsim.results import RunSet


def _round(values: np.ndarray) -> list[float | None]:
    out = []
    for v in np.asarray(values, dtype=float):
        out.append(None if not np.isfinite(v) else float(f"{v:.4g}"))
    return out


def _sorted(runset: RunSet) -> pd.DataFrame:
    return runset.timeseries.sort_values(["variant", "replicate", "day"], kind="stable").reset_index(drop=True)


def _base(title: str, days: list[int], ylabel: str = "", percent: bool = False) -> dict:
    y: dict = {"type": "value", "name": ylabel, "nameTextStyle": {"fontSize": 11}, "scale": False}
    if percent:
        y["axisLabel"] = {"formatter": "{value}"}
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 24, "type": "scroll", "textStyle": {"fontSize": 10}, "data": []},
        "grid": {"left": 56, "right": 16, "top": 56, "bottom": 36},
        "xAxis": {
            "type": "category",
            "data": days,
            "name": "day",
            "nameLocation": "middle",
            "nameGap": 24,
            "boundaryGap": False,
        },
        "yAxis": y,
        "series": [],
    }


def _fan_series(q: pd.DataFrame, label: str, colour: str, scale: float = 1.0) -> list[dict]:
    g = q.loc[label]
    lo, mid, hi = (g[c].to_numpy(dtype=float) * scale for c in ("p10", "p50", "p90"))
    stack = f"band-{label}"
    common = {
        "type": "line",
        "symbol": "none",
        "stack": stack,
        "stackStrategy": "all",
        "silent": True,
        "lineStyle": {"opacity": 0},
        "tooltip": {"show": False},
    }
    return [
        {
            **common,
            "name": f"{label} P10–P90",
            "data": _round(lo),
            "legendHoverLink": False,
            "itemStyle": {"color": colour},
        },
        {
            **common,
            "name": f"{label} P10–P90",
            "data": _round(hi - lo),
            "areaStyle": {"color": colour, "opacity": 0.18},
            "itemStyle": {"color": colour},
        },
        {
            "type": "line",
            "symbol": "none",
            "name": f"{label} median",
            "data": _round(mid),
            "lineStyle": {"color": colour, "width": 2},
            "itemStyle": {"color": colour},
        },
    ]


def _legend(opt: dict) -> dict:
    """Name only the lines in the legend (a band's two stacked series stay out of it)."""
    opt["legend"]["data"] = [s["name"] for s in opt["series"] if "stack" not in s]
    return opt


def _days(q: pd.DataFrame) -> list[int]:
    return [int(d) for d in q.index.get_level_values(1).unique()]


def fan_option(runset: RunSet, column: str, title: str, ylabel: str = "") -> dict:
    """Median and P10–P90 band of a timeseries column per plan."""
    ts = _sorted(runset)
    value = ts[column].astype(float) if column in ts.columns else pd.Series(np.zeros(len(ts)))
    q = bands(ts, value)
    colours = plan_colours(list(runset.plans))
    opt = _base(title, _days(q), ylabel)
    for label in runset.plans:
        if label in q.index.get_level_values(0):
            opt["series"].extend(_fan_series(q, label, colours[label]))
    return _legend(opt)


def money_option(runset: RunSet, title: str, currency: str) -> dict:
    """Cumulative gross margin (band and median) and cumulative cost (dashed median)."""
    ts = _sorted(runset)
    qm = bands(ts, cumulative(ts, "gross_margin"))
    qc = bands(ts, cumulative(ts, "cost"))
    colours = plan_colours(list(runset.plans))
    opt = _base(title, _days(qm), f"cumulative {currency}")
    for label in runset.plans:
        if label not in qm.index.get_level_values(0):
            continue
        opt["series"].extend(_fan_series(qm, label, colours[label]))
        opt["series"][-1]["name"] = f"{label} margin (median)"
        opt["series"].append(
            {
                "type": "line",
                "symbol": "none",
                "name": f"{label} cost (median)",
                "data": _round(qc.loc[label]["p50"].to_numpy()),
                "lineStyle": {"color": colours[label], "width": 1.6, "type": "dashed"},
                "itemStyle": {"color": colours[label]},
            }
        )
    return _legend(opt)


def roi_option(runset: RunSet, title: str) -> dict:
    """ROI to date in percent, (cumulative margin - cumulative cost) / cumulative cost."""
    ts = _sorted(runset)
    cc = cumulative(ts, "cost")
    cm = cumulative(ts, "gross_margin")
    roi = ((cm - cc) / cc.where(cc > 0)).astype(float)
    q = bands(ts, roi)
    colours = plan_colours(list(runset.plans))
    opt = _base(title, _days(q), "ROI to date, %", percent=True)
    for label in runset.plans:
        if label in q.index.get_level_values(0):
            opt["series"].extend(_fan_series(q, label, colours[label], scale=100.0))
    return _legend(opt)
