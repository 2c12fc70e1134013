"""The self-contained HTML report: plans' inputs side by side, a plain-language verdict,
the KPI table with P10–P90 intervals, a month-by-month table and the charts, all in one
file (images are embedded as base64 data URIs; no scripts, no external links or resources).

The page is rendered from the Jinja2 template ``report/templates/report.html`` (autoescaped)
in the active language (:mod:`growthsim.i18n`); this module only computes what it shows.
Jinja2 is the standard Python template engine (and already a dependency of the tools the
project uses); the catalogue tool extracts the template's ``_()`` messages.
"""

from __future__ import annotations

import base64
import math
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthsim.i18n import N_, _, get_language, ngettext
from growthsim.i18n.terms import kpi_description, kpi_label
from growthsim.metrics.kpis import HEADLINE_KPIS, KPIS, kpi_columns, kpi_info, paired_differences, summarise
from growthsim.report import numbers as nb
from growthsim.report.calendar import Calendar, plan_calendar
from growthsim.report.charts import chart_title, plan_colours
from growthsim.report.decision import decision_section
from growthsim.report.fonts import cjk_webfont

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

TEMPLATES = Path(__file__).resolve().parent / "templates"
NOT_WITHIN = N_("not within horizon")

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("Acquisition"), ("members_final", "members_ever", "new_members", "new_members_per_day", "cac", "cac_all_in")),
    (
        N_("Activity"),
        ("dau", "wau", "mau", "dau_mau", "active_share", "top20_share", "top1_share", "core_share", "groups"),
    ),
    (
        N_("Retention"),
        (
            "retention_d1",
            "retention_d7",
            "retention_d30",
            "activity_retention_d1",
            "activity_retention_d7",
            "activity_retention_d30",
            "activity_retention_w4",
            "retention_w1",
            "retention_w4",
            "churn_rate_daily",
            "churn_rate_30d",
            "churned",
            "dormant_share",
            "recalled",
            "woken",
        ),
    ),
    (
        N_("Referral"),
        (
            "invites_sent",
            "invites_accepted",
            "invite_accept_rate",
            "viral_k",
            "referrals_per_member",
            "viral_cycle_days",
        ),
    ),
    (
        N_("Revenue"),
        (
            "paying",
            "conversion_rate",
            "repurchase_rate",
            "orders",
            "orders_per_payer",
            "revenue",
            "gross_margin",
            "ltv_realised",
            "ltv_projected",
            "vip_members",
            "vip_members_ever",
        ),
    ),
    (N_("Economics"), ("cost", "profit", "roi", "payback_day", "paid_back", "cost_per_paying", "budget_exhausted_day")),
    (
        N_("Group health"),
        (
            "health_red",
            "health_yellow",
            "health_blue",
            "health_red_share",
            "health_yellow_share",
            "health_blue_share",
            "member_run_groups",
            "muted",
            "ads_posted",
            "ads_caught",
            "removed_for_ads",
            "offline_attendees",
        ),
    ),
)
_PREFIX_SECTION = {"joins_": "Acquisition", "cac_": "Acquisition", "cost_": "Economics"}
HEADLINE = N_("Headline")
OTHER = N_("Other")


def fmt(
    name: str, value: float | None, signed: bool = False, currency: str | None = None, dates: Calendar | None = None
) -> str:
    """Format a KPI value for people: shares as %, counts as whole numbers, money with
    thousands separators (and its unit when ``currency`` is given), days as ``day N`` or
    the date (NaN payback: "not within horizon")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if signed:
            return "–"
        if name == "payback_day":
            return _(NOT_WITHIN)
        if name == "budget_exhausted_day":
            return _("never")
        return "–"
    value = float(value)
    unit = kpi_info(name).unit
    if unit in ("share", "ratio"):
        return nb.share(value, signed)
    if unit == "day":
        return nb.number(value, 0, True) if signed else nb.day_word(value, dates)
    if unit == "money":
        return nb.money(value, currency, signed)
    if unit in nb.WHOLE_UNITS:
        return nb.count(value, signed)
    if unit == "days":
        return nb.number(value, 1, signed)
    if abs(value) >= 100:
        return nb.number(value, 0, signed)
    if abs(value) >= 10:
        return nb.number(value, 1, signed)
    return nb.number(value, 2, signed)


def unit_words(name: str, currency: str | None) -> str:
    """The unit a KPI row is in, for its name column ("CNY", "people", "%")."""
    unit = kpi_info(name).unit
    return {
        "money": nb.currency_unit(currency),
        "people": _("people"),
        "people/day": _("people / day"),
        "orders": _("orders"),
        "invites": _("invites"),
        "groups": _("groups"),
        "days": _("days"),
    }.get(unit, "")


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


def _when(day: float, dates: Calendar | None) -> str:
    return nb.day_word(day, dates)


def _payback_words(summary: pd.DataFrame, table: pd.DataFrame, variant: str, dates: Calendar | None = None) -> str:
    """``pays back on day N`` (median over futures) or ``does not pay back within the
    horizon`` with the share of futures that do."""
    p50 = _payback_day(summary, variant)
    share = _share_paid_back(table, variant)
    if np.isfinite(p50):
        return _("pays back on {when}").format(when=_when(p50, dates))
    if np.isfinite(share) and share > 0:
        return _("does not pay back within the horizon in most futures (only {share} do)").format(
            share=nb.share(share).replace(".0%", "%")
        )
    return _("does not pay back within the horizon")


def _payback_compared(
    summary: pd.DataFrame, table: pd.DataFrame, base: str, other: str, dates: Calendar | None = None
) -> str:
    a, b = _payback_day(summary, base), _payback_day(summary, other)
    words = _payback_words(summary, table, other, dates)
    if np.isfinite(a) and np.isfinite(b):
        return _("{words} vs {when} for {base}").format(words=words, when=_when(a, dates), base=base)
    if np.isfinite(b):
        return _("{words}, while {base} does not within the horizon").format(words=words, base=base)
    if np.isfinite(a):
        return _("{words}, while {base} pays back on {when}").format(words=words, base=base, when=_when(a, dates))
    return _("like {base}, {words}").format(base=base, words=words)


def _pct(p: float) -> str:
    return f"{p * 100:.0f}%" if np.isfinite(p) else "–"


def verdict(runset: "RunSet", table: pd.DataFrame, summary: pd.DataFrame | None = None) -> list[str]:
    """Plain-language sentences: for one plan, where it lands; for several, each plan after
    the first against the first (members added, payback, share of futures with more profit)."""
    summary = summarise(table) if summary is None else summary
    plans = [p for p in runset.plans if p in set(table["variant"])]
    if not plans:
        return [_("No results to report.")]
    out: list[str] = []
    base = plans[0]
    first = runset.plans.get(base)
    cur = first.economics.currency if first is not None else None
    dates = plan_calendar(runset.plans.values())
    horizon = first.horizon_days if first is not None else None
    m = _stat(summary, base, "members_final")
    roi = _stat(summary, base, "roi")
    pay = _stat(summary, base, "paying")
    by = _(" by {when}").format(when=_when(horizon - 1, dates)) if horizon else ""
    out.append(
        _(
            "Plan {plan} reaches ~{members} members{by} (P10–P90 {range}), {paying} of them paying; "
            "median ROI {roi} (P10–P90 {roi_range}); it {payback}."
        ).format(
            plan=base,
            members=nb.count(m["p50"]),
            by=by,
            range=nb.span(nb.count(m["p10"]), nb.count(m["p90"])),
            paying=nb.count(pay["p50"]),
            roi=nb.share(roi["p50"]),
            roi_range=nb.span(nb.share(roi["p10"]), nb.share(roi["p90"])),
            payback=_payback_words(summary, table, base, dates),
        )
    )
    for other in plans[1:]:
        d = paired_differences(table, base, other).set_index("kpi")
        dm = d.loc["members_final"]
        profit = d.loc["profit"] if "profit" in d.index else None
        better = profit["prob_b_better"] if profit is not None else float("nan")
        dp = profit["mean_diff"] if profit is not None else float("nan")
        template = (
            _("Plan {plan} adds ~{n} members vs {base}")
            if dm["mean_diff"] >= 0
            else _("Plan {plan} loses ~{n} members vs {base}")
        )
        out.append(
            template.format(plan=other, n=nb.count(abs(dm["mean_diff"])), base=base)
            + _(
                " (P10–P90 {range}) and {payback}; its profit differs by {profit} on average and it "
                "is better (more profit) in {share} of simulated futures."
            ).format(
                range=nb.span(nb.count(dm["p10_diff"], signed=True), nb.count(dm["p90_diff"], signed=True)),
                payback=_payback_compared(summary, table, base, other, dates),
                profit=nb.money(dp, cur, signed=True),
                share=_pct(better),
            )
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
        sections.append((OTHER, rest))
    return [(t, i) for t, i in sections if i]


@lru_cache(maxsize=1)
def _environment():
    import jinja2  # noqa: PLC0415

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


def render_template(name: str, **context: Any) -> str:
    """Render a template of ``report/templates`` in the active language."""
    env = _environment()
    return env.get_template(name).render(_=_, ngettext=ngettext, lang=get_language(), **context)


def _show(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, list):
        return ", ".join(map(str, v)) if v else "[]"
    return str(v)


def key_figure_rows(runset: "RunSet", table: pd.DataFrame, summary: pd.DataFrame) -> list[dict[str, Any]]:
    """The key-figures table as data: sections of rows, each with its cells per plan
    (used by the HTML report and the spreadsheet export)."""
    plans = list(runset.plans)
    first = runset.plans.get(plans[0]) if plans else None
    cur = first.economics.currency if first is not None else None
    dates = plan_calendar(runset.plans.values())
    diffs = {p: paired_differences(table, plans[0], p).set_index("kpi") for p in plans[1:]}
    sections = []
    headline = [k for k in HEADLINE_KPIS if k in table.columns]
    for sec_title, items in [(HEADLINE, headline)] + _kpi_rows(table):
        rows = []
        for k in items:
            cells = []
            for p in plans:
                s = _stat(summary, p, k)
                cell = {
                    "median": fmt(k, s["p50"], dates=dates),
                    "range": nb.span(fmt(k, s["p10"], dates=dates), fmt(k, s["p90"], dates=dates)),
                    "p10": s["p10"],
                    "p50": s["p50"],
                    "p90": s["p90"],
                    "mean": s["mean"],
                    "diff": None,
                }
                if p in diffs and k in diffs[p].index:
                    d = diffs[p].loc[k]
                    prob = d["prob_b_better"]
                    if np.isfinite(prob):
                        cell["diff"] = fmt(k, d["mean_diff"], signed=True)
                        cell["diff_value"] = float(d["mean_diff"])
                        cell["better"] = float(prob)
                        cell["better_text"] = _pct(prob)
                        cell["cls"] = "better" if prob > 0.5 else ("worse" if prob < 0.5 else "")
                cells.append(cell)
            rows.append(
                {
                    "key": k,
                    "label": kpi_label(k),
                    "unit": unit_words(k, cur),
                    "definition": kpi_description(k),
                    "cells": cells,
                }
            )
        sections.append({"title": _(sec_title), "rows": rows})
    return sections


def render_html(
    runset: "RunSet",
    table: pd.DataFrame,
    charts: dict[str, Path],
    title: str | None = None,
    summary: pd.DataFrame | None = None,
    periods: list[dict[str, Any]] | None = None,
    weeks: list[dict[str, Any]] | None = None,
) -> str:
    """The report as one HTML document (string), in the active language."""
    summary = summarise(table) if summary is None else summary
    plans = list(runset.plans)
    colours = plan_colours(plans)
    if not title:
        title = (
            _("Comparison: {plans}").format(plans=_(" vs ").join(plans))
            if len(plans) > 1
            else _("Forecast: {plan}").format(plan=plans[0])
        )
    n_rep = int(table.groupby("variant").size().max()) if len(table) else 0
    first = runset.plans.get(plans[0]) if plans else None
    dates = plan_calendar(runset.plans.values())
    flat = _plan_dicts(runset)
    keys = list(dict.fromkeys(k for d in flat.values() for k in d))
    differ = [k for k in keys if len({repr(d.get(k)) for d in flat.values()}) > 1]
    inputs = [{"key": k, "differs": k in differ, "values": [_show(flat[p].get(k)) for p in plans]} for k in keys]
    chart_list = [
        {"key": key, "caption": chart_title(key), "data": base64.b64encode(Path(path).read_bytes()).decode("ascii")}
        for key, path in charts.items()
    ]
    definitions = [{"key": k, "label": kpi_label(k), "text": kpi_description(k)} for k in kpi_columns(table)]
    meta = {
        "plans": len(plans),
        "replicates": n_rep,
        "horizon": first.horizon_days if first is not None else None,
        "currency": nb.currency_unit(first.economics.currency) if first is not None else None,
        "start": dates.label(0) if dates else None,
        "end": dates.label(first.horizon_days - 1) if dates and first is not None else None,
    }
    page = render_template(
        "report.html",
        title=title,
        plans=[{"label": p, "colour": colours[p]} for p in plans],
        meta=meta,
        verdict=verdict(runset, table, summary),
        inputs=inputs,
        differ=[i for i in inputs if i["differs"]],
        sections=key_figure_rows(runset, table, summary),
        charts=chart_list,
        definitions=definitions,
        periods=periods or [],
        weeks=weeks or [],
        font_face="@@FONT@@",
        decision=decision_section(runset),
    )
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
    return (
        '<style>@font-face{font-family:"growthsim CJK";unicode-range:U+2E80-FFFF,U+20000-3FFFF;'
        f'src:url(data:font/woff;base64,{data}) format("woff");}}</style>'
    )
