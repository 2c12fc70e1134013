"""The recommendation: ranking by the decision section, the plain sentence, paired
comparisons under common random numbers, money running short, why a plan loses money,
refusing unfair comparisons; and where the verdict shows (summary.json, run, compare,
report.html)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from growthsim.cli import main
from growthsim.decide import decide
from growthsim.metrics.kpis import kpi_table, paired_differences
from growthsim.runner import run_plans
from growthsim.scenario.targets import Decision

from conftest import small_plan

ALWAYS = {"name": "grow", "kpi": "members_final", "day": 40, "at_least": 0}
ADS = {"ads": {"kind": "paid_ads", "daily_budget": 100, "max_reach": 200, "join_rate": 0.05}}


def plans(**extra):
    cheap = small_plan(horizon_days=40, targets=[ALWAYS], **extra)
    dear = small_plan(
        horizon_days=40, targets=[ALWAYS], staff={"admin": {"count": 2, "salary_per_month": 3000}}, **extra
    )
    return {"cheap": cheap, "dear": dear}


def test_tied_chances_pick_the_cheapest_plan_in_one_plain_sentence():
    rs = run_plans(plans(), replicates=4, seed=2)
    v = decide(rs)
    assert v.best == "cheap" and v.ranking == ["cheap", "dear"]
    assert re.fullmatch(
        r"pick plan cheap: hits all targets in 100% \(\d\d%–100%\) of futures at [\d,]+ CNY/month", v.sentence
    ), v.sentence
    # dear costs 2 x 3000 per 30-day month more than cheap
    assert v.plans["dear"].monthly_spend - v.plans["cheap"].monthly_spend == pytest.approx(6000, rel=1e-6)


def test_the_plan_that_hits_the_targets_wins_even_when_dearer():
    # a target only the staffed plan reaches: spend at least 5,000 by day 40
    p = plans()
    for k in p:
        p[k] = p[k].model_copy(
            update={"targets": p[k].targets + [type(p[k].targets[0])(kpi="cost", day=40, at_least=5000)]}
        )
    rs = run_plans(p, replicates=3, seed=2)
    v = decide(rs)
    assert v.best == "dear"
    assert v.plans["dear"].chance_all == 1.0 and v.plans["cheap"].chance_all == 0.0
    assert "hits all targets where cheap misses in 100% of futures" in v.pairs[0]["text"]
    # a spending limit below dear's monthly spend turns the choice around
    v2 = decide(rs, Decision(max_monthly_spend=3000))
    assert v2.best == "cheap" and not v2.plans["dear"].within_limit
    assert "within the limit of 3,000 CNY/month" in v2.sentence
    assert "dear spends 6," in v2.pairs[0]["text"] and "over the limit of 3,000 CNY" in v2.pairs[0]["text"]


def test_profit_objective_and_paired_share_match_the_kpi_table():
    rs = run_plans(plans(), replicates=5, seed=4)
    v = decide(rs, Decision(objective="profit"))
    table = kpi_table(rs)
    med = table.groupby("variant")["profit"].median()
    assert v.best == med.idxmax() == "cheap"
    assert v.sentence.startswith("pick plan cheap: the highest median profit, ")
    d = paired_differences(table, "dear", "cheap").set_index("kpi")
    assert v.pairs[0]["profit_b_better"] == pytest.approx(d.at["profit", "prob_b_better"])
    assert "cheap beats dear on profit in 100% of futures" in v.pairs[0]["text"]


def test_loss_reason_names_the_largest_cost_line_against_margin():
    rs = run_plans(plans(), replicates=3, seed=1)
    f = decide(rs).plans["dear"]
    assert f.profit < 0 and f.cost_lines[0][0] == "staff"
    assert f.loss_reason.startswith("dear loses money: a gross margin of ")
    assert "mostly staff 8,000 (100%)" in f.loss_reason  # 2 people x 3000 / 30 days x 40 days


def test_money_running_short_names_share_day_and_limit():
    p = {
        "capped": small_plan(horizon_days=40, channels=ADS, budget={"monthly_cap": 500}),
        "open": small_plan(horizon_days=40, channels=ADS),
    }
    rs = run_plans(p, replicates=3, seed=1)
    v = decide(rs)
    f = v.plans["capped"]
    assert f.money_short_share == 1.0 and f.money_short_day == 5.0  # days 0..4 spend 5 x 100 = 500, day 5 is refused
    assert f.money_short_limit == "monthly cap 500"
    assert any(n.startswith("capped: money ran short in 100% of futures, first on day 5") for n in v.money_notes)
    assert v.plans["open"].money_short_share == 0.0
    # no targets: ranked by profit
    assert v.objective == "profit"
    p2 = {"total": small_plan(horizon_days=40, channels=ADS, budget={"total": 300, "monthly_cap": 5000})}
    f2 = decide(run_plans(p2, replicates=2, seed=1)).plans["total"]
    assert f2.money_short_limit == "total budget 300"


def test_different_markets_are_refused_and_different_horizons_warned():
    a = small_plan(horizon_days=40)
    b = small_plan(horizon_days=40, market={"size": 2500, "graph": {"model": "watts_strogatz", "mean_degree": 10}})
    v = decide(run_plans({"a": a, "b": b}, replicates=2, seed=1))
    assert v.best is None and "different markets" in v.refused and v.sentence.startswith("no recommendation")
    c = small_plan(horizon_days=30)
    rs = run_plans({"a": a, "c": c}, replicates=2, seed=1)
    v2 = decide(rs)
    assert v2.best is not None and any("common first 30 days" in w for w in v2.warnings)
    # compared over the common part: a's profit is its profit over days 0..29
    ts = rs.timeseries[(rs.timeseries["variant"] == "a")]
    first30 = ts[ts["day"] < 30].groupby("replicate").apply(lambda g: (g["gross_margin"] - g["cost"]).sum())
    assert v2.plans["a"].profit == pytest.approx(float(np.median(first30)))


@pytest.mark.slow  # the `run`, `compare` and `report` commands end to end
def test_verdict_in_summary_run_compare_and_report(tmp_path, capsys):
    import yaml

    f = tmp_path / "s.yaml"
    data = small_plan(horizon_days=40, targets=[ALWAYS]).model_dump(mode="json")
    data["variants"] = {"dear": {"staff": {"admin": {"count": 2, "salary_per_month": 3000}}}}
    f.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", str(f), "--all-variants", "--out", str(out), "--replicates", "3"]) == 0
    text = capsys.readouterr().out
    assert "verdict: pick plan base: hits all targets in 100%" in text
    assert "base beats dear on profit in 100% of futures" in text
    summ = json.loads((out / "summary.json").read_text())
    assert summ["decision"]["best"] == "base" and summ["decision"]["ranking"] == ["base", "dear"]
    kp = json.loads((out / "kpis.json").read_text())
    assert kp["targets"]["decision"]["best"] == "base"
    assert kp["targets"]["per_plan"]["base"][0]["target"] == "grow"
    page = (out / "report.html").read_text()
    assert "Recommendation." in page and "Pick plan base" in page and "futures hitting it" in page
    cmp_out = tmp_path / "cmp"
    assert main(["compare", f"{f}:dear", str(f), "--replicates", "2", "--out", str(cmp_out)]) == 0
    text = capsys.readouterr().out
    assert "verdict: pick plan " in text and "on profit in" in text
