"""The report's decision section: the verdict of :func:`growthsim.decide.decide` and the
stage-target table, as one self-contained HTML fragment (its own inline styles), so any
page template can place it with one call."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from growthsim.decide import verdict_of
from growthsim.i18n import _
from growthsim.metrics.targets import ALL_TARGETS, shown_target_labels, target_results

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

__all__ = ["decision_section"]


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _num(x: float) -> str:
    if x is None or not isinstance(x, (int, float)) or not math.isfinite(x):
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def decision_section(runset: "RunSet") -> str:
    """HTML: the recommendation sentence, paired comparisons, money notes, warnings, and a
    table of the share of futures hitting each stage target (95% Wilson interval)."""
    v = verdict_of(runset)
    box = (
        "background:#eef7ee;border-left:5px solid #2a7d2a;padding:10px 16px;margin:16px 0"
        if v.best
        else "background:#fbf1f1;border-left:5px solid #b03030;padding:10px 16px;margin:16px 0"
    )
    stop = _(".")
    out = [
        f'<section class="decision" style="{box}">',
        f'<p style="margin:6px 0;font-size:1.1em"><strong>{_e(_("Recommendation."))}</strong> '
        f"{_e(v.sentence[0].upper() + v.sentence[1:])}{_e(stop)}</p>",
    ]
    for p in v.pairs:
        out.append(f'<p style="margin:6px 0">{_e(p["text"])}{_e(stop)}</p>')
    for n in v.money_notes + v.notes:
        out.append(f'<p style="margin:6px 0">{_e(n)}{_e(stop)}</p>')
    for w in v.warnings:
        out.append(f'<p style="margin:6px 0;color:#b03030">{_e(_("Warning: {w}").format(w=w))}{_e(stop)}</p>')
    tt = target_results(runset).table
    if len(tt):
        cell = 'style="border:1px solid #ddd;padding:4px 8px"'
        num = 'style="border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap"'
        out.append(
            '<table style="border-collapse:collapse;font-size:0.9em;margin:8px 0">'
            f"<tr><th {cell}>{_e(_('plan'))}</th><th {cell}>{_e(_('stage target'))}</th>"
            f"<th {cell}>{_e(_('futures hitting it'))}</th><th {cell}>{_e(_('95% interval'))}</th>"
            f"<th {cell}>{_e(_('median (P10–P90) at the checkpoint'))}</th></tr>"
        )
        shown = {lab: shown_target_labels(p) for lab, p in runset.plans.items()}
        for r in tt.to_dict("records"):
            bold = ' style="font-weight:bold"' if r["target"] == ALL_TARGETS else ""
            value = "" if r["target"] == ALL_TARGETS else f"{_num(r['p50'])} ({_num(r['p10'])}–{_num(r['p90'])})"
            out.append(
                f"<tr{bold}><td {cell}>{_e(r['variant'])}</td><td {cell}>{_e(shown.get(r['variant'], {}).get(r['target'], r['target']))}</td>"
                f"<td {num}>{r['share']:.0%} ({r['hits']}/{r['n']})</td>"
                f"<td {num}>{r['ci_low']:.0%}–{r['ci_high']:.0%}</td><td {num}>{_e(value)}</td></tr>"
            )
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)
