"""Which plan to pick: ranking plans by the scenario's ``decision:`` section and saying why.

:func:`decide` turns a :class:`~growthsim.results.RunSet` into a :class:`Verdict`: a
ranking, one plain sentence ("pick plan X: hits all targets in 82% (74–88%) of futures at
4,300 CNY/month"), paired comparisons under common random numbers (replicate ``r`` of
every plan shares its random numbers, so "B beats A on profit in 83% of futures" counts
futures where only the plan differs), money running short (share of futures, first day,
which limit) and the main reason a plan loses money (its largest cost lines against its
gross margin).

Ranking (:class:`growthsim.scenario.targets.Decision`):

- ``hit_all_then_cost``: plans within ``max_monthly_spend`` (all of them when none is set;
  if none is within it, all plans, with a warning) are ranked by the chance of hitting
  all targets; every plan within ``tie_tolerance`` of the best chance counts as equally
  good, and of those the cheapest per month wins. Without targets: ``profit``.
- ``profit``: the highest median profit among plans within the spending limit.

Monthly spend is the median over futures of all money spent (fixed and discretionary,
one-off devices included) divided by the horizon in 30-day months.

Fair comparison: plans that simulate different markets (``market`` sections differ) or
were not run on the same replicate seeds are not ranked (:attr:`Verdict.refused` says
why). Plans with different horizons are compared over the common days (profit and spend
from the KPIs at the shortest horizon), with a warning; targets are each plan's own.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthsim.i18n import _, get_language
from growthsim.i18n.terms import category_label
from growthsim.metrics.kpis import paired_differences
from growthsim.metrics.targets import ALL_TARGETS, shown_target_labels, target_results
from growthsim.scenario.targets import DAYS_PER_MONTH, Decision

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

__all__ = ["PlanFacts", "Verdict", "decide", "format_verdict", "money", "verdict_of"]


def money(x: float | None, currency: str = "") -> str:
    """``4,300 CNY``; ``-`` for an unknown amount."""
    if x is None or not math.isfinite(x):
        return "-"
    from growthsim.report.numbers import currency_unit  # noqa: PLC0415

    text = f"{x:,.0f}"
    return f"{text} {currency_unit(currency)}".strip()


def _shown_category(category: str) -> str:
    """A ledger category as the reader's language names it (English keeps the raw name)."""
    return category_label(category) if get_language() == "zh" else category


def _pct(x: float | None) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:.0%}"


@dataclass
class PlanFacts:
    """What the verdict knows about one plan (medians over futures)."""

    label: str
    has_targets: bool
    chance_all: float | None  # share of futures hitting every target
    chance_low: float | None  # 95% Wilson interval
    chance_high: float | None
    hits: int
    n: int
    monthly_spend: float
    profit: float
    profit_p10: float
    profit_p90: float
    gross_margin: float
    within_limit: bool
    money_short_share: float = 0.0
    money_short_day: float | None = None
    money_short_limit: str | None = None
    cost_lines: list[tuple[str, float]] = field(default_factory=list)  # largest first
    loss_reason: str | None = None
    missed: list[str] = field(default_factory=list)  # targets hit in under half the futures


@dataclass
class Verdict:
    """The recommendation for a set of plans."""

    objective: str
    best: str | None
    sentence: str
    ranking: list[str]
    plans: dict[str, PlanFacts]
    pairs: list[dict[str, Any]]
    notes: list[str]  # why plans lose money
    warnings: list[str]
    refused: str | None = None
    currency: str = ""
    money_notes: list[str] = field(default_factory=list)  # money running short

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for p in d["plans"].values():
            p["cost_lines"] = [{"category": c, "median": v} for c, v in p["cost_lines"]]
        return d

    def lines(self) -> list[str]:
        """The verdict as text lines: the sentence, then paired comparisons, money notes,
        warnings."""
        out = [self.sentence]
        for p in self.pairs:
            out.append(p["text"])
        out.extend(self.money_notes)
        out.extend(self.notes)
        out.extend(_("warning: {w}").format(w=w) for w in self.warnings)
        return out


def format_verdict(v: Verdict) -> str:
    return "\n".join(v.lines())


# --------------------------------------------------------------------------- facts


def _which_limit(plan: Any, ts: pd.DataFrame, day: float) -> str | None:
    """The limit that bound on the first day money ran short (one replicate's rows)."""
    bud = plan.budget
    if bud.monthly_cap is None and bud.total is None:
        return None
    if bud.total is None:
        return _("monthly cap {amount}").format(amount=f"{bud.monthly_cap:,.0f}")
    if bud.monthly_cap is None:
        return _("total budget {amount}").format(amount=f"{bud.total:,.0f}")
    d = int(day)
    cost = ts.set_index("day")["cost"]
    total_room = bud.total - float(cost.loc[:d].sum())
    m0 = (d // DAYS_PER_MONTH) * DAYS_PER_MONTH
    month_room = bud.monthly_cap - float(cost.loc[m0:d].sum())
    if total_room <= month_room:
        return _("total budget {amount}").format(amount=f"{bud.total:,.0f}")
    return _("monthly cap {amount}").format(amount=f"{bud.monthly_cap:,.0f}")


def _facts(runset: "RunSet", kpis: pd.DataFrame, label: str, decision: Decision, currency: str) -> PlanFacts:
    plan = runset.plans[label]
    k = kpis[kpis["variant"] == label]
    months = max(float(k["_days"].iloc[0]) / DAYS_PER_MONTH, 1e-9) if len(k) else 1.0
    spend = float(np.median(k["cost"])) / months if len(k) else float("nan")
    profit = k["profit"].to_numpy(float)
    tt = target_results(runset).table
    mine = tt[tt["variant"] == label]
    allrow = mine[mine["target"] == ALL_TARGETS]
    has_t = bool(len(allrow))
    r: Any = allrow.iloc[0] if has_t else None  # a row whenever has_t
    limit = decision.max_monthly_spend
    shown = shown_target_labels(plan)
    facts = PlanFacts(
        label=label,
        has_targets=has_t,
        chance_all=float(r["share"]) if has_t else None,
        chance_low=float(r["ci_low"]) if has_t else None,
        chance_high=float(r["ci_high"]) if has_t else None,
        hits=int(r["hits"]) if has_t else 0,
        n=int(r["n"]) if has_t else len(k),
        monthly_spend=spend,
        profit=float(np.median(profit)) if len(profit) else float("nan"),
        profit_p10=float(np.quantile(profit, 0.1)) if len(profit) else float("nan"),
        profit_p90=float(np.quantile(profit, 0.9)) if len(profit) else float("nan"),
        gross_margin=float(np.median(k["gross_margin"])) if len(k) else float("nan"),
        within_limit=limit is None or spend <= limit * (1 + 1e-9),
        missed=[shown.get(t, t) for t, s in zip(mine["target"], mine["share"]) if t != ALL_TARGETS and s < 0.5],
    )
    # cost lines: median per ledger category, largest first
    cats = [c for c in k.columns if c.startswith("cost_") and c != "cost_per_paying"]
    lines = sorted(((c[len("cost_") :], float(np.median(k[c]))) for c in cats), key=lambda x: -x[1])
    facts.cost_lines = [(c, v) for c, v in lines if v > 0]
    if facts.profit < 0:
        cost = float(np.median(k["cost"]))
        top = facts.cost_lines[:2]
        parts = [
            _("{category} {amount} ({share})").format(
                category=_shown_category(c), amount=money(v), share=f"{v / cost:.0%}"
            )
            for c, v in top
            if cost > 0
        ]
        margin, costs = money(facts.gross_margin, currency), money(cost, currency)
        if parts:
            facts.loss_reason = _(
                "{plan} loses money: a gross margin of {margin} against costs of {cost}, mostly {lines}"
            ).format(plan=label, margin=margin, cost=costs, lines=_(" and ").join(parts))
        else:
            facts.loss_reason = _("{plan} loses money: a gross margin of {margin} against costs of {cost}").format(
                plan=label, margin=margin, cost=costs
            )
    # money running short
    sc = runset.scalars[runset.scalars["variant"] == label] if len(runset.scalars) else runset.scalars
    if "budget_exhausted_day" in getattr(sc, "columns", []):
        days = sc["budget_exhausted_day"].to_numpy(dtype=float)
        hit = np.isfinite(days)
        if hit.any():
            facts.money_short_share = float(hit.mean())
            facts.money_short_day = float(np.median(days[hit]))
            first_rep = sc[hit].sort_values("budget_exhausted_day").iloc[len(sc[hit]) // 2]
            ts = runset.timeseries
            rows = ts[(ts["variant"] == label) & (ts["replicate"] == first_rep["replicate"])]
            facts.money_short_limit = _which_limit(plan, rows, first_rep["budget_exhausted_day"])
    return facts


def _fairness(runset: "RunSet", kpis: pd.DataFrame) -> tuple[str | None, list[str]]:
    plans = runset.plans
    labels = list(plans)
    warnings: list[str] = []
    if len(labels) < 2:
        return None, warnings
    first = plans[labels[0]]
    for lab in labels[1:]:
        if plans[lab].market.model_dump() != first.market.model_dump():
            return _(
                "plans '{a}' and '{b}' simulate different markets (market sections differ), so their "
                "results are not comparable; compare plans on the same market"
            ).format(a=labels[0], b=lab), warnings
    seeds = kpis.pivot_table(index="replicate", columns="variant", values="seed", aggfunc="first")
    if len(seeds) and (seeds.nunique(axis=1) > 1).any():
        return _(
            "the plans were not run on the same replicate seeds (no common random numbers), so "
            "paired comparisons would compare luck, not plans; run them together (growthsim run "
            "--all-variants or growthsim compare)"
        ), warnings
    horizons = {lab: p.horizon_days for lab, p in plans.items()}
    if len(set(horizons.values())) > 1:
        common = min(horizons.values())
        warnings.append(
            _(
                "plans have different horizons ({horizons}); profit and monthly spend are compared over the "
                "common first {days} days; each plan's targets are its own"
            ).format(
                horizons=_(", ").join(_("{plan}: {n} days").format(plan=k, n=v) for k, v in horizons.items()),
                days=common,
            )
        )
    tsets = {lab: [t.model_dump() for t in p.targets] for lab, p in plans.items()}
    if len({repr(v) for v in tsets.values()}) > 1:
        warnings.append(_("plans have different targets; each plan's chance is against its own targets"))
    decs = {repr(p.decision.model_dump()) for p in plans.values()}
    if len(decs) > 1:
        warnings.append(_("plans have different decision sections; '{plan}''s is used").format(plan=labels[0]))
    return None, warnings


def _kpis_for_comparison(runset: "RunSet") -> pd.DataFrame:
    """Per (plan, replicate): profit, cost, gross margin and cost lines over the common
    days of all plans (the full horizon when the horizons agree)."""
    from growthsim.metrics.kpis import _groups, kpi_table
    from growthsim.metrics.targets import checkpoint_kpis

    horizons = {p.horizon_days for p in runset.plans.values()}
    if len(horizons) == 1:
        table = kpi_table(runset)
        table["_days"] = horizons.pop()
        return table
    common = min(horizons)
    keys = ["variant", "replicate"]
    ts_g, co_g, le_g = (_groups(f, keys) for f in (runset.timeseries, runset.cohorts, runset.ledger))
    sc = {(r["variant"], r["replicate"]): r for r in runset.scalars.to_dict("records")} if len(runset.scalars) else {}
    rows = []
    for (lab, rep), ts in ts_g.items():
        k = checkpoint_kpis(
            ts.sort_values("day"),
            sc.get((lab, rep), {}),
            co_g.get((lab, rep)),
            runset.plans[lab],
            common,
            le_g.get((lab, rep)),
        )
        rows.append({"variant": lab, "replicate": int(rep), "seed": sc.get((lab, rep), {}).get("seed"), **k})
    table = pd.DataFrame(rows)
    zero = [c for c in table.columns if c.startswith(("cost_", "joins_"))]
    table[zero] = table[zero].fillna(0.0)
    table["_days"] = common
    return table


# --------------------------------------------------------------------------- decide


def _rank(facts: dict[str, PlanFacts], decision: Decision, warnings: list[str]) -> tuple[list[str], str]:
    labels = list(facts)
    objective = decision.objective
    if objective == "hit_all_then_cost" and not any(f.has_targets for f in facts.values()):
        objective = "profit"
    eligible = [lab for lab in labels if facts[lab].within_limit]
    over = [lab for lab in labels if lab not in eligible]
    if not eligible:
        warnings.append(
            _(
                "no plan stays within the monthly spending limit of {limit}; all plans are ranked as if it were not set"
            ).format(limit=f"{decision.max_monthly_spend:,.0f}")
        )
        eligible, over = labels, []
    if objective == "profit":
        ranked = sorted(eligible, key=lambda lab: -facts[lab].profit if math.isfinite(facts[lab].profit) else math.inf)
        return ranked + sorted(over, key=lambda lab: -facts[lab].profit), objective

    def chance(lab: str) -> float:
        c = facts[lab].chance_all
        return -1.0 if c is None else c

    best = max(chance(lab) for lab in eligible)
    tied = [lab for lab in eligible if chance(lab) >= best - decision.tie_tolerance - 1e-12]
    tied.sort(key=lambda lab: facts[lab].monthly_spend)
    rest = sorted(
        (lab for lab in eligible if lab not in tied), key=lambda lab: (-chance(lab), facts[lab].monthly_spend)
    )
    return tied + rest + sorted(over, key=lambda lab: (-chance(lab), facts[lab].monthly_spend)), objective


def _sentence(f: PlanFacts, objective: str, currency: str, facts: dict[str, PlanFacts]) -> str:
    spend = money(f.monthly_spend, currency)
    several = len(facts) > 1
    if objective == "profit":
        values = dict(
            plan=f.label,
            profit=money(f.profit, currency),
            low=money(f.profit_p10),
            high=money(f.profit_p90),
            spend=spend,
        )
        if several:
            return _(
                "pick plan {plan}: the highest median profit, {profit} (P10–P90 {low} to {high}), at {spend}/month"
            ).format(**values)
        return _("plan {plan}: median profit, {profit} (P10–P90 {low} to {high}), at {spend}/month").format(**values)
    values = dict(plan=f.label, share=_pct(f.chance_all), low=_pct(f.chance_low), high=_pct(f.chance_high), spend=spend)
    if several:
        s = _("pick plan {plan}: hits all targets in {share} ({low}–{high}) of futures at {spend}/month").format(
            **values
        )
    else:
        s = _("plan {plan}: hits all targets in {share} ({low}–{high}) of futures at {spend}/month").format(**values)
    if f.chance_all is not None and f.chance_all == 0 and all((g.chance_all or 0) == 0 for g in facts.values()):
        s += (
            _(" — no plan hits all targets in any simulated future; this one is the cheapest")
            if several
            else _(" — it hits all targets in no simulated future")
        )
        if f.missed:
            s += _("; it mostly misses {targets}").format(targets=_(", ").join(f.missed))
    return s


def decide(runset: "RunSet", decision: Decision | None = None) -> Verdict:
    """Rank the plans of ``runset`` and explain the choice (see the module docstring).

    ``decision`` defaults to the first plan's ``decision:`` section."""
    labels = list(runset.plans)
    first = runset.plans[labels[0]]
    decision = decision or first.decision
    currency = first.economics.currency
    kpis = _kpis_for_comparison(runset)
    refused, warnings = _fairness(runset, kpis)
    facts = {lab: _facts(runset, kpis, lab, decision, currency) for lab in labels}
    notes: list[str] = []
    money_notes: list[str] = []
    for f in facts.values():
        if f.money_short_share > 0:
            money_notes.append(
                _(
                    "{plan}: money ran short in {share} of futures, first on day {day} (median), at the "
                    "{limit}; discretionary spending (channels, campaigns, KOL fees) was cut on the days that "
                    "limit bound"
                ).format(
                    plan=f.label,
                    share=_pct(f.money_short_share),
                    day=f"{f.money_short_day:.0f}",
                    limit=f.money_short_limit,
                )
            )
        if f.loss_reason:
            notes.append(f.loss_reason)
    if refused:
        return Verdict(
            objective=decision.objective,
            best=None,
            sentence=_("no recommendation: {reason}").format(reason=refused),
            ranking=[],
            plans=facts,
            pairs=[],
            notes=notes,
            warnings=warnings,
            refused=refused,
            currency=currency,
            money_notes=money_notes,
        )
    ranking, objective = _rank(facts, decision, warnings)
    best = ranking[0]
    sentence = _sentence(facts[best], objective, currency, facts)
    if decision.max_monthly_spend is not None and facts[best].within_limit:
        sentence += _(", within the limit of {limit}/month").format(limit=money(decision.max_monthly_spend, currency))
    pairs = []
    for other in ranking[1:]:
        d = paired_differences(kpis, other, best).set_index("kpi")
        p_profit = float(d.at["profit", "prob_b_better"]) if "profit" in d.index else float("nan")
        pair: dict[str, Any] = {
            "a": other,
            "b": best,
            "profit_b_better": p_profit,
            "profit_diff_p50": float(d.at["profit", "p50_diff"]) if "profit" in d.index else None,
            "n": int(d["n"].iloc[0]) if len(d) else 0,
        }
        text = _("{best} beats {other} on profit in {share} of futures").format(
            best=best, other=other, share=_pct(p_profit)
        )
        hits = target_results(runset).hits
        if facts[best].has_targets and facts[other].has_targets:
            h = hits[hits["target"] == ALL_TARGETS].pivot_table(index="replicate", columns="variant", values="hit")
            if best in h and other in h:
                b_only = float(((h[best] > 0) & (h[other] == 0)).mean())
                a_only = float(((h[other] > 0) & (h[best] == 0)).mean())
                pair.update(all_targets_b_only=b_only, all_targets_a_only=a_only)
                text += _(
                    "; it hits all targets where {other} misses in {share} of futures, the reverse in {reverse}"
                ).format(other=other, share=_pct(b_only), reverse=_pct(a_only))
        spend_diff = facts[best].monthly_spend - facts[other].monthly_spend
        if abs(spend_diff) >= 0.5:
            amount = money(abs(spend_diff), currency)
            text += (
                _("; it costs {amount}/month more") if spend_diff > 0 else _("; it costs {amount}/month less")
            ).format(amount=amount)
        else:
            text += _("; it costs the same per month")
        if not facts[other].within_limit and decision.max_monthly_spend is not None:
            text += _("; {other} spends {spend}/month, over the limit of {limit}").format(
                other=other,
                spend=money(facts[other].monthly_spend, currency),
                limit=money(decision.max_monthly_spend, currency),
            )
        pair["text"] = text + _(" (paired: common random numbers)")
        pairs.append(pair)
    return Verdict(
        objective=objective,
        best=best,
        sentence=sentence,
        ranking=ranking,
        plans=facts,
        pairs=pairs,
        notes=notes,
        warnings=warnings,
        currency=currency,
        money_notes=money_notes,
    )


def verdict_of(runset: "RunSet") -> Verdict:
    """:func:`decide` with the plans' own decision section, computed once per RunSet."""
    return runset.computed_once("_verdict", lambda: decide(runset))
