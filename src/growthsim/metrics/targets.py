"""KPIs at checkpoints and the chance of hitting stage targets.

A checkpoint ``D`` (days elapsed, see :mod:`growthsim.scenario.targets`) is an earlier cut
of a replicate's daily table: the rows of days ``0 .. D-1`` (and the ledger rows of those
days) go through :func:`growthsim.metrics.kpis.replicate_kpis` with the horizon set to
``D``, so window KPIs (DAU = mean of the last 7 days, active share, conversion, cohort
retention, ...) are as of the checkpoint. End-of-run scalars that need member-level data
(``top20_share``, ``viral_k``, ``retention_d1``) are known only at the horizon; at earlier
checkpoints they are NaN, ``retention_d7/d30`` fall back to the cohorts observed by then,
``conversion_rate`` uses members who have bought and are still in, and
``budget_exhausted_day`` counts only if it happened before the checkpoint. At the horizon
checkpoint every KPI equals the end-of-run KPI table (:func:`~growthsim.metrics.kpis.kpi_table`).

The share of replicates that hit a target comes with a 95% Wilson score interval
(``scipy.stats.binomtest(...).proportion_ci(method="wilson")``): it stays inside 0..1 and
keeps close to its nominal coverage with the 10–50 replicates growthsim runs, where the
normal (Wald) interval collapses to a point at 0% or 100%.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from growthsim.i18n import _
from growthsim.metrics.kpis import _groups, replicate_kpis
from growthsim.scenario.targets import checkpoint_days

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet
    from growthsim.scenario.schema import Scenario
    from growthsim.scenario.targets import Target

__all__ = [
    "ALL_TARGETS",
    "checkpoint_kpis",
    "checkpoint_table",
    "target_hits",
    "shown_target_labels",
    "target_labels",
    "target_table",
    "wilson",
]

ALL_TARGETS = "all targets"
CONFIDENCE = 0.95


def wilson(hits: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a binomial share (NaN, NaN when ``n == 0``)."""
    if n <= 0:
        return float("nan"), float("nan")
    ci = binomtest(int(hits), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def checkpoint_kpis(
    ts: pd.DataFrame,
    scalars: dict[str, Any] | None,
    cohorts: pd.DataFrame | None,
    plan: "Scenario",
    day: int,
    ledger: pd.DataFrame | None = None,
) -> dict[str, float]:
    """KPIs of one replicate after ``day`` simulated days (see the module docstring)."""
    horizon = int(plan.horizon_days)
    if day >= horizon:
        return replicate_kpis(ts, scalars, cohorts, plan, ledger=ledger)
    cut = ts[ts["day"] < day]
    led = ledger[ledger["day"] < day] if ledger is not None and len(ledger) else ledger
    sc: dict[str, Any] = {}
    bed = (scalars or {}).get("budget_exhausted_day")
    if bed is not None and np.isfinite(float(bed)) and float(bed) < day:
        sc["budget_exhausted_day"] = float(bed)
    short = plan.model_copy(update={"horizon_days": int(day)})
    return replicate_kpis(cut, sc, cohorts, short, ledger=led)


def checkpoint_table(runset: "RunSet", days: dict[str, list[int]] | None = None) -> pd.DataFrame:
    """KPIs at every checkpoint: one row per (plan, replicate, checkpoint day):
    ``variant, replicate, seed, day`` + KPI columns.

    ``days`` maps a plan label to its checkpoint days; default: each plan's own
    (:func:`growthsim.scenario.targets.checkpoint_days`)."""
    keys = ["variant", "replicate"]
    ts_g = _groups(runset.timeseries, keys)
    co_g = _groups(runset.cohorts, keys)
    le_g = _groups(runset.ledger, keys)
    sc_map: dict[tuple, dict[str, Any]] = {}
    if runset.scalars is not None and len(runset.scalars):
        for rec in runset.scalars.to_dict("records"):
            sc_map[(rec["variant"], rec["replicate"])] = rec
    rows = []
    for label, plan in runset.plans.items():
        want = (days or {}).get(label) or checkpoint_days(plan.horizon_days, plan.checkpoints, plan.targets)
        reps = sorted(r for (v, r) in ts_g if v == label)
        for rep in reps:
            ts = ts_g[(label, rep)].sort_values("day")
            scal = sc_map.get((label, rep), {})
            seed = scal.get("seed", ts["seed"].iloc[0] if "seed" in ts.columns else np.nan)
            for d in want:
                k = checkpoint_kpis(ts, scal, co_g.get((label, rep)), plan, int(d), le_g.get((label, rep)))
                rows.append({"variant": label, "replicate": int(rep), "seed": seed, "day": int(d), **k})
    table = pd.DataFrame(rows)
    if len(table):
        zero = [c for c in table.columns if c.startswith(("cost_", "joins_"))]
        table[zero] = table[zero].fillna(0.0)
    return table


def target_labels(targets: list["Target"]) -> list[str]:
    """Unique labels of a plan's targets (a repeated label gets `` (2)``, ...)."""
    out: list[str] = []
    for t in targets:
        lab, k = t.label, 2
        while lab in out or lab == ALL_TARGETS:
            lab = f"{t.label} ({k})"
            k += 1
        out.append(lab)
    return out


def shown_target_labels(plan: "Scenario") -> dict[str, str]:
    """A plan's target labels (the keys of ``targets.csv``) -> their text in the active
    language; ``all targets`` included."""
    out = {ALL_TARGETS: _("all targets")}
    for t, lab in zip(plan.targets, target_labels(plan.targets)):
        shown = t.shown_label()
        out[lab] = shown + lab[len(t.label) :] if lab.startswith(t.label) else lab
    return out


def target_hits(checkpoints: pd.DataFrame, plans: dict[str, "Scenario"]) -> pd.DataFrame:
    """Per replicate: the KPI value at each target's checkpoint and whether it hit.

    One row per (plan, replicate, target) plus one ``all targets`` row per (plan,
    replicate): ``variant, replicate, target, kpi, day, value, hit`` (``hit`` is bool;
    ``value`` is NaN in the ``all targets`` rows). Plans without targets have no rows."""
    rows = []
    for label, plan in plans.items():
        if not plan.targets:
            continue
        mine = checkpoints[checkpoints["variant"] == label]
        labels = target_labels(plan.targets)
        for rep, g in mine.groupby("replicate", sort=True):
            by_day = g.set_index("day")
            all_hit = True
            for t, lab in zip(plan.targets, labels):
                d = t.checkpoint
                value = float(by_day.at[d, t.kpi]) if d in by_day.index and t.kpi in by_day.columns else float("nan")
                hit = t.hit(value)
                all_hit &= hit
                rows.append(
                    {
                        "variant": label,
                        "replicate": int(rep),
                        "target": lab,
                        "kpi": t.kpi,
                        "day": d,
                        "value": value,
                        "hit": hit,
                    }
                )
            rows.append(
                {
                    "variant": label,
                    "replicate": int(rep),
                    "target": ALL_TARGETS,
                    "kpi": "",
                    "day": max(t.checkpoint for t in plan.targets),
                    "value": float("nan"),
                    "hit": all_hit,
                }
            )
    cols = ["variant", "replicate", "target", "kpi", "day", "value", "hit"]
    return pd.DataFrame(rows, columns=cols)


TARGET_COLUMNS = [
    "variant",
    "target",
    "kpi",
    "day",
    "at_least",
    "at_most",
    "hits",
    "n",
    "share",
    "ci_low",
    "ci_high",
    "p10",
    "p50",
    "p90",
]


def target_table(hits: pd.DataFrame, plans: dict[str, "Scenario"]) -> pd.DataFrame:
    """Per plan and target: replicates that hit it (``hits`` of ``n``), the ``share`` with
    its 95% Wilson interval (``ci_low``, ``ci_high``), and P10 / P50 / P90 of the KPI at
    the checkpoint; then an ``all targets`` row per plan (the chance of hitting every
    target in the same future). This is ``targets.csv``."""
    rows = []
    for label, plan in plans.items():
        if not plan.targets:
            continue
        mine = hits[hits["variant"] == label]
        labels = target_labels(plan.targets)
        for t, lab in [*zip(plan.targets, labels), (None, ALL_TARGETS)]:
            g = mine[mine["target"] == lab]
            n, k = int(len(g)), int(g["hit"].sum())
            lo, hi = wilson(k, n)
            v = g["value"].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            q = np.quantile(v, [0.1, 0.5, 0.9]) if len(v) else [np.nan] * 3
            rows.append(
                {
                    "variant": label,
                    "target": lab,
                    "kpi": t.kpi if t else "",
                    "day": t.checkpoint if t else (int(g["day"].max()) if n else np.nan),
                    "at_least": t.at_least if t else np.nan,
                    "at_most": t.at_most if t else np.nan,
                    "hits": k,
                    "n": n,
                    "share": k / n if n else np.nan,
                    "ci_low": lo,
                    "ci_high": hi,
                    "p10": float(q[0]),
                    "p50": float(q[1]),
                    "p90": float(q[2]),
                }
            )
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def targets_summary(table: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """``targets.csv`` rows grouped per plan, for ``summary.json``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in table.to_dict("records"):
        out.setdefault(rec["variant"], []).append({k: v for k, v in rec.items() if k != "variant"})
    return out


def format_targets(table: pd.DataFrame, plans: dict[str, "Scenario"] | None = None) -> str:
    """The CLI table: per plan and target, the share of futures hitting it with its
    interval, and the KPI's median (P10–P90) at the checkpoint. With ``plans``, generated
    target labels are shown in the active language."""
    if table is None or not len(table):
        return ""

    def num(x: float) -> str:
        if x is None or not np.isfinite(x):
            return "-"
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.3g}"

    head = [_("plan"), _("target"), _("hit in"), _("95% interval"), _("median (P10–P90) at checkpoint")]
    shown = {lab: shown_target_labels(p) for lab, p in (plans or {}).items()}
    rows = []
    for r in table.to_dict("records"):
        value = "" if r["target"] == ALL_TARGETS else f"{num(r['p50'])} ({num(r['p10'])}–{num(r['p90'])})"
        name = shown.get(r["variant"], {}).get(
            r["target"], _("all targets") if r["target"] == ALL_TARGETS else r["target"]
        )
        rows.append(
            [
                r["variant"],
                name,
                f"{r['share']:.0%} ({r['hits']}/{r['n']})",
                f"{r['ci_low']:.0%}–{r['ci_high']:.0%}",
                value,
            ]
        )
    from growthsim.compare import _width  # noqa: PLC0415

    widths = [max(_width(str(x[i])) for x in [head] + rows) for i in range(len(head))]
    return "\n".join(
        "  ".join(str(v) + " " * (w - _width(str(v))) for v, w in zip(x, widths)).rstrip() for x in [head] + rows
    )


class TargetResults:
    """Checkpoint KPIs, per-replicate target hits and ``targets.csv`` of one RunSet."""

    def __init__(self, runset: "RunSet"):
        self.checkpoints = checkpoint_table(runset)
        self.hits = target_hits(self.checkpoints, runset.plans)
        self.table = target_table(self.hits, runset.plans)

    def checkpoint_summary(self) -> pd.DataFrame:
        """``checkpoints.csv``: mean and P10 / P50 / P90 per plan, checkpoint day and KPI."""
        from growthsim.metrics.kpis import summarise

        parts = []
        cp = self.checkpoints
        if not len(cp):
            return pd.DataFrame(columns=["variant", "day", "kpi", "mean", "p10", "p50", "p90", "n", "n_finite"])
        for d, g in cp.groupby("day", sort=True):
            s = summarise(g.drop(columns="day"))
            s.insert(1, "day", int(d))
            parts.append(s)
        out = pd.concat(parts, ignore_index=True)
        order = {v: i for i, v in enumerate(dict.fromkeys(cp["variant"]))}
        out["_o"] = out["variant"].map(order)
        return out.sort_values(["_o", "day"], kind="stable").drop(columns="_o").reset_index(drop=True)


def target_results(runset: "RunSet") -> TargetResults:
    """:class:`TargetResults` of a RunSet, computed once and kept on the RunSet."""
    return runset.computed_once("_target_results", lambda: TargetResults(runset))
