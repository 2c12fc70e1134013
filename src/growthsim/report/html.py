"""The self-contained HTML report: plans' inputs side by side, a plain-language verdict,
the KPI table with P10–P90 intervals and the charts, all in one file (images are embedded
as base64 data URIs; no scripts, no external links or resources)."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthsim.metrics.kpis import HEADLINE_KPIS, KPIS, kpi_columns, kpi_info, paired_differences, summarise
from growthsim.report.charts import CHART_TITLES, plan_colours
from growthsim.report.decision import decision_section
from growthsim.report.fonts import cjk_webfont

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

NOT_WITHIN = "not within horizon"

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Acquisition", ("members_final", "members_ever", "new_members", "new_members_per_day", "cac",
                     "cac_all_in")),
    ("Activity", ("dau", "wau", "mau", "dau_mau", "active_share", "top20_share", "top1_share", "groups")),
    ("Retention", ("retention_d1", "retention_d7", "retention_d30", "retention_w1", "retention_w4",
                   "churn_rate_daily", "churn_rate_30d", "churned", "dormant_share", "recalled", "woken")),
    ("Referral", ("invites_sent", "invites_accepted", "invite_accept_rate", "viral_k",
                  "referrals_per_member", "viral_cycle_days")),
    ("Revenue", ("paying", "conversion_rate", "repurchase_rate", "orders", "orders_per_payer", "revenue",
                 "gross_margin", "ltv_realised", "ltv_projected", "vip_members", "vip_members_ever")),
    ("Economics", ("cost", "profit", "roi", "payback_day", "paid_back", "cost_per_paying",
                   "budget_exhausted_day")),
)
_PREFIX_SECTION = {"joins_": "Acquisition", "cac_": "Acquisition", "cost_": "Economics"}


def fmt(name: str, value: float | None, signed: bool = False) -> str:
    """Format a KPI value for people: shares as %, money with thousands separators, days as
    ``day N`` (NaN payback: "not within horizon")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if signed:
            return "–"
        if name in ("payback_day",):
            return NOT_WITHIN
        if name == "budget_exhausted_day":
            return "never"
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else "−∞"
    unit = kpi_info(name).unit
    sign = "+" if signed and value > 0 else ""
    if unit in ("share", "ratio"):
        return f"{sign}{value * 100:.1f}%"
    if unit == "day":
        return f"{sign}{value:,.0f}" if signed else f"day {value:,.0f}"
    if unit == "money":
        return f"{sign}{value:,.0f}" if abs(value) >= 100 else f"{sign}{value:,.2f}"
    if abs(value) >= 100 or (unit == "people" and abs(value) >= 10):
        return f"{sign}{value:,.0f}"
    if abs(value) >= 10:
        return f"{sign}{value:,.1f}"
    return f"{sign}{value:,.2f}"


def _esc(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        if not data and prefix:
            out[prefix] = "{}"
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(data, list) and data and any(isinstance(x, (dict, list)) for x in data):
        for i, v in enumerate(data):
            out.update(_flatten(v, f"{prefix}.{i}"))
    else:
        out[prefix] = data
    return out


def _plan_dicts(runset: "RunSet") -> dict[str, dict[str, Any]]:
    from growthsim.scenario import scenario_to_dict  # noqa: PLC0415

    return {label: _flatten(scenario_to_dict(p)) if p is not None else {} for label, p in runset.plans.items()}


def _stat(summary: pd.DataFrame, variant: str, kpi: str) -> dict[str, float]:
    row = summary[(summary["variant"] == variant) & (summary["kpi"] == kpi)]
    if row.empty:
        nan = float("nan")
        return {"mean": nan, "p10": nan, "p50": nan, "p90": nan, "n": 0, "n_finite": 0}
    return row.iloc[0].to_dict()


def _share_paid_back(table: pd.DataFrame, variant: str) -> float:
    v = table.loc[table["variant"] == variant, "paid_back"].to_numpy(dtype=float)
    return float(v.mean()) if len(v) else float("nan")


def _payback_day(summary: pd.DataFrame, variant: str) -> float:
    """Median payback day over futures (NaN: the median future does not pay back)."""
    return _stat(summary, variant, "payback_day")["p50"]


def _payback_words(summary: pd.DataFrame, table: pd.DataFrame, variant: str) -> str:
    """``pays back on day N`` (median over futures) or ``does not pay back within the
    horizon`` with the share of futures that do."""
    p50 = _payback_day(summary, variant)
    share = _share_paid_back(table, variant)
    if np.isfinite(p50):
        return f"pays back on day {p50:.0f}"
    if np.isfinite(share) and share > 0:
        return f"does not pay back within the horizon in most futures (only {share * 100:.0f}% do)"
    return "does not pay back within the horizon"


def _payback_compared(summary: pd.DataFrame, table: pd.DataFrame, base: str, other: str) -> str:
    a, b = _payback_day(summary, base), _payback_day(summary, other)
    words = _payback_words(summary, table, other)
    if np.isfinite(a) and np.isfinite(b):
        return f"{words} vs day {a:.0f} for {base}"
    if np.isfinite(b):
        return f"{words}, while {base} does not within the horizon"
    if np.isfinite(a):
        return f"{words}, while {base} pays back on day {a:.0f}"
    return f"like {base}, {words}"


def verdict(runset: "RunSet", table: pd.DataFrame, summary: pd.DataFrame | None = None) -> list[str]:
    """Plain-language sentences: for one plan, where it lands; for several, each plan after
    the first against the first (members added, payback, share of futures with more profit)."""
    summary = summarise(table) if summary is None else summary
    plans = [p for p in runset.plans if p in set(table["variant"])]
    if not plans:
        return ["No results to report."]
    out: list[str] = []
    base = plans[0]
    horizon = runset.plans[base].horizon_days if runset.plans.get(base) is not None else None
    by = f" by day {horizon - 1}" if horizon else ""
    m = _stat(summary, base, "members_final")
    roi = _stat(summary, base, "roi")
    pay = _stat(summary, base, "paying")
    out.append(
        f"Plan {base} reaches ~{fmt('members_final', m['p50'])} members{by} "
        f"(P10–P90 {fmt('members_final', m['p10'])}–{fmt('members_final', m['p90'])}), "
        f"{fmt('paying', pay['p50'])} of them paying; median ROI {fmt('roi', roi['p50'])} "
        f"(P10–P90 {fmt('roi', roi['p10'])} to {fmt('roi', roi['p90'])}); it "
        f"{_payback_words(summary, table, base)}."
    )
    for other in plans[1:]:
        d = paired_differences(table, base, other).set_index("kpi")
        dm = d.loc["members_final"]
        word = "adds" if dm["mean_diff"] >= 0 else "loses"
        profit = d.loc["profit"] if "profit" in d.index else None
        better = profit["prob_b_better"] if profit is not None else float("nan")
        dp = profit["mean_diff"] if profit is not None else float("nan")
        out.append(
            f"Plan {other} {word} ~{fmt('members_final', abs(dm['mean_diff']))} members vs {base} "
            f"(P10–P90 {fmt('members_final', dm['p10_diff'], signed=True)} to "
            f"{fmt('members_final', dm['p90_diff'], signed=True)}) and "
            f"{_payback_compared(summary, table, base, other)}; "
            f"its profit differs by {fmt('profit', dp, signed=True)} on average and it is better "
            f"(more profit) in {better * 100:.0f}% of simulated futures."
        )
    return out


def _kpi_rows(table: pd.DataFrame) -> list[tuple[str, list[str]]]:
    cols = kpi_columns(table)
    placed: set[str] = set()
    sections: list[tuple[str, list[str]]] = []
    for title, names in SECTIONS:
        items = [n for n in names if n in cols]
        for c in cols:
            for prefix, sec in _PREFIX_SECTION.items():
                if sec == title and c.startswith(prefix) and c not in KPIS and c not in items:
                    items.append(c)
        placed.update(items)
        sections.append((title, items))
    rest = [c for c in cols if c not in placed]
    if rest:
        sections.append(("Other", rest))
    return [(t, i) for t, i in sections if i]


_CSS = """
body{font-family:"growthsim CJK","DejaVu Sans","Helvetica Neue",Arial,"Noto Sans CJK SC",
 "PingFang SC","Microsoft YaHei",sans-serif;margin:24px auto;max-width:1180px;color:#222;line-height:1.45;
 padding:0 16px;background:#fff}
h1{font-size:1.6em;margin-bottom:4px} h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}
.meta{color:#666} .verdict{background:#f3f7fb;border-left:5px solid #1f77b4;padding:10px 16px;margin:16px 0}
.verdict p{margin:6px 0}
table{border-collapse:collapse;font-size:0.9em;margin:8px 0} th,td{border:1px solid #ddd;padding:4px 8px;
 vertical-align:top} th{background:#f6f6f6;text-align:left} td.num{text-align:right;white-space:nowrap}
tr.section th{background:#e9eef4;font-size:1.05em} tr.diff td{background:#fff7e0}
small{color:#666} .better{color:#2a7d2a} .worse{color:#b03030}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:middle}
figure{margin:18px 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:0.9em} .wide{overflow-x:auto;max-width:100%} details{margin:8px 0} code{font-size:0.95em}
"""


def render_html(
    runset: "RunSet",
    table: pd.DataFrame,
    charts: dict[str, Path],
    title: str | None = None,
    summary: pd.DataFrame | None = None,
) -> str:
    """The report as one HTML document (string)."""
    summary = summarise(table) if summary is None else summary
    plans = list(runset.plans)
    colours = plan_colours(plans)
    title = title or ("Comparison: " + " vs ".join(plans) if len(plans) > 1 else f"Forecast: {plans[0]}")
    n_rep = int(table.groupby("variant").size().max()) if len(table) else 0
    first = runset.plans.get(plans[0]) if plans else None
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style>@@FONT@@</head><body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">{len(plans)} plan(s) · {n_rep} simulated '
        f"futures (replicates) each"
        + (f" · horizon {first.horizon_days} days · money in {_esc(first.economics.currency)}" if first else "")
        + " · intervals are P10–P90 over replicates; replicate r of every plan shares its random numbers.</p>",
        decision_section(runset),
        '<div class="verdict"><strong>Verdict</strong>',
        *[f"<p>{_esc(s)}</p>" for s in verdict(runset, table, summary)],
        "</div>",
    ]

    # --- inputs side by side
    flat = _plan_dicts(runset)
    keys = list(dict.fromkeys(k for d in flat.values() for k in d))
    differ = [k for k in keys if len({repr(d.get(k)) for d in flat.values()}) > 1]
    head = "".join(f'<th><span class="swatch" style="background:{colours[p]}"></span>{_esc(p)}</th>'
                   for p in plans)

    def input_rows(ks: list[str], mark: bool) -> str:
        rows = []
        for k in ks:
            cls = ' class="diff"' if mark and k in differ else ""
            cells = "".join(f"<td>{_esc(_show(flat[p].get(k)))}</td>" for p in plans)
            rows.append(f"<tr{cls}><td><code>{_esc(k)}</code></td>{cells}</tr>")
        return "".join(rows)

    parts.append("<h2>Plans</h2>")
    if len(plans) > 1:
        if differ:
            parts.append("<p>Inputs that differ between the plans:</p>")
            parts.append(f'<div class="wide"><table><tr><th>input</th>{head}</tr>{input_rows(differ, False)}</table></div>')
        else:
            parts.append("<p>The plans' inputs are identical.</p>")
    parts.append(f"<details{'' if len(plans) > 1 else ' open'}><summary>All inputs "
                 f"({len(keys)} settings; differing ones highlighted)</summary>")
    parts.append(f'<div class="wide"><table><tr><th>input</th>{head}</tr>{input_rows(keys, True)}</table></div></details>')

    # --- KPI table
    parts.append("<h2>Key figures</h2>")
    parts.append("<p>Each cell: median <small>(P10–P90)</small>"
                 + (f"; for plans after {_esc(plans[0])}: mean paired difference and the share of futures "
                    "in which the plan is better on that figure." if len(plans) > 1 else ".")
                 + " Hover a figure's name for its definition.</p>")
    diffs = {p: paired_differences(table, plans[0], p).set_index("kpi") for p in plans[1:]}
    rows = [f'<div class="wide"><table><tr><th>figure</th>{head}</tr>']
    headline = [k for k in HEADLINE_KPIS if k in table.columns]
    for sec_title, items in [("Headline", headline)] + _kpi_rows(table):
        rows.append(f'<tr class="section"><th colspan="{len(plans) + 1}">{_esc(sec_title)}</th></tr>')
        for k in items:
            info = kpi_info(k)
            cells = []
            for p in plans:
                s = _stat(summary, p, k)
                txt = (f"{_esc(fmt(k, s['p50']))} <small>({_esc(fmt(k, s['p10']))}–"
                       f"{_esc(fmt(k, s['p90']))})</small>")
                if p in diffs and k in diffs[p].index:
                    d = diffs[p].loc[k]
                    prob = d["prob_b_better"]
                    if np.isfinite(prob):
                        cls = "better" if prob > 0.5 else ("worse" if prob < 0.5 else "")
                        txt += (f'<br><small class="{cls}">Δ {_esc(fmt(k, d["mean_diff"], signed=True))}'
                                f" · better in {prob * 100:.0f}%</small>")
                cells.append(f'<td class="num">{txt}</td>')
            rows.append(f'<tr><td title="{_esc(info.description)}">{_esc(info.label)}</td>{"".join(cells)}</tr>')
    rows.append("</table></div>")
    parts.extend(rows)

    # --- charts
    parts.append("<h2>Charts</h2>")
    for key, path in charts.items():
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        cap = CHART_TITLES.get(key, key)
        parts.append(f'<figure><img alt="{_esc(cap)}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{_esc(cap)}</figcaption></figure>")

    # --- definitions
    parts.append("<h2>Definitions</h2><details><summary>How each figure is computed</summary><table>"
                 "<tr><th>figure</th><th>definition</th></tr>")
    for k in kpi_columns(table):
        info = kpi_info(k)
        parts.append(f"<tr><td>{_esc(info.label)} <small><code>{_esc(k)}</code></small></td>"
                     f"<td>{_esc(info.description)}</td></tr>")
    parts.append("</table></details>")
    parts.append('<p class="meta">Made by growthsim.</p></body></html>')
    page = "\n".join(parts)
    return page.replace("@@FONT@@", _font_face(page), 1)


def _font_face(page: str) -> str:
    """An embedded ``@font-face`` with just the CJK glyphs the page uses, so Chinese names
    show in any browser, whatever fonts the reader's machine has."""
    woff = cjk_webfont(page)
    if not woff:
        return ""
    data = base64.b64encode(woff).decode("ascii")
    # first in the font list but limited to East Asian code points: Latin text keeps the
    # Latin fonts, and the browser waits for this font before drawing any CJK text
    return ('<style>@font-face{font-family:"growthsim CJK";unicode-range:U+2E80-FFFF,U+20000-3FFFF;'
            f'src:url(data:font/woff;base64,{data}) format("woff");}}</style>')


def _show(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, list):
        return ", ".join(map(str, v)) if v else "[]"
    return str(v)
