"""KPIs on hand-built tiny runs whose answers are known by hand; summaries; paired
differences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from growthsim.metrics.kpis import (
    KPI_DESCRIPTIONS,
    KPI_DIRECTIONS,
    cohort_retention,
    kpi_direction,
    kpi_table,
    paired_differences,
    payback_day,
    replicate_kpis,
    summarise,
)
from growthsim.results import RunResult, RunSet
from helpers.synthetic import synthetic_plan, synthetic_runset


def tiny_ts(days: int = 10, **cols) -> pd.DataFrame:
    """A timeseries of ``days`` rows: zeros except the given columns."""
    base = {
        c: np.zeros(days)
        for c in (
            "members",
            "active",
            "dormant",
            "churned",
            "new_members",
            "invites_sent",
            "invites_accepted",
            "paying",
            "first_purchases",
            "purchases",
            "revenue",
            "gross_margin",
            "cost",
            "groups",
            "managed_groups",
            "vip_members",
            "recalled",
            "budget_blocked",
        )
    }
    base["day"] = np.arange(days)
    for k, v in cols.items():
        base[k] = np.asarray(v, dtype=float) if np.ndim(v) else np.full(days, float(v))
    return pd.DataFrame(base)


def test_cohort_of_ten_with_three_left_after_a_week_gives_d7_30_percent():
    cohorts = pd.DataFrame({"join_week": [0, 0, 0], "week": [0, 1, 2], "size": [10, 10, 10], "retained": [10, 3, 2]})
    plan = synthetic_plan("p", horizon_days=21)
    ts = tiny_ts(21, members=10)
    k = replicate_kpis(ts, {}, cohorts, plan)
    assert k["retention_w1"] == pytest.approx(0.3)
    # no engine scalar: D7 falls back to the cohort's week-1 retention
    assert k["retention_d7"] == pytest.approx(0.3)
    mat = cohort_retention(cohorts, 21)
    assert mat.loc[0, 1] == pytest.approx(0.3) and mat.loc[0, 2] == pytest.approx(0.2)
    # the engine's scalar wins when present
    k2 = replicate_kpis(ts, {"retention_d7": 0.5}, cohorts, plan)
    assert k2["retention_d7"] == 0.5 and k2["retention_w1"] == pytest.approx(0.3)


def test_cohort_weeks_past_the_horizon_are_not_counted():
    # horizon of 10 days: week 2 of join week 0 starts on day 14, unobserved
    cohorts = pd.DataFrame(
        {"join_week": [0, 0, 1, 1], "week": [0, 1, 0, 1], "size": [10, 10, 4, 4], "retained": [10, 5, 4, 0]}
    )
    plan = synthetic_plan("p", horizon_days=10)
    k = replicate_kpis(tiny_ts(10, members=10), {}, cohorts, plan)
    # join week 1 + 1 week = day 14 > day 9: only join week 0 counts
    assert k["retention_w1"] == pytest.approx(0.5)
    assert math.isnan(k["retention_w4"])


def test_ledger_gives_known_roi_payback_and_cost_breakdown():
    # cost 100 on day 0 (tools) and 10/day staff; margin 30/day from day 1
    days = 10
    ledger = pd.DataFrame(
        [(0, "tools", 100.0)] + [(d, "staff", 10.0) for d in range(days)], columns=["day", "category", "amount"]
    )
    margin = np.array([0.0] + [30.0] * (days - 1))
    ts = tiny_ts(days, members=20, gross_margin=margin, revenue=margin / 0.4)
    k = replicate_kpis(ts, {}, None, synthetic_plan("p", horizon_days=days), ledger=ledger)
    # cumulative cost on day d = 100 + 10(d+1); cumulative margin = 30 d
    # 30 d >= 110 + 10 d  <=>  d >= 5.5  ->  day 6
    assert k["payback_day"] == 6 and k["paid_back"] == 1
    assert k["cost"] == pytest.approx(200.0)
    assert k["cost_tools"] == pytest.approx(100.0) and k["cost_staff"] == pytest.approx(100.0)
    assert k["gross_margin"] == pytest.approx(270.0)
    assert k["profit"] == pytest.approx(70.0)
    assert k["roi"] == pytest.approx(70.0 / 200.0)


def test_payback_never_is_nan_and_no_cost_pays_back_at_once():
    assert math.isnan(payback_day(range(3), [0, 1, 1], [5, 5, 5]))
    assert payback_day(range(3), [0, 0, 0], [0, 0, 0]) == 0
    # before any cost is paid there is nothing to pay back
    assert payback_day(range(4), [0, 0, 0, 10], [0, 0, 5, 0]) == 3


def test_acquisition_referral_revenue_by_hand():
    days = 10
    ts = tiny_ts(
        days,
        members=np.r_[np.full(9, 50.0), 60.0],
        churned=np.r_[np.zeros(9), 5.0],
        new_members=2.0,
        new_referral=1.0,
        new_ads=1.0,
        invites_sent=4.0,
        invites_accepted=1.0,
        active=np.r_[np.zeros(3), np.full(7, 6.0)],
        wau=np.full(days, 15.0),
        mau=np.full(days, 30.0),
        paying=np.r_[np.zeros(9), 13.0],
        first_purchases=1.0,
        purchases=2.0,
        cost=np.full(days, 10.0),
        **{"cost_channel:ads": np.full(days, 5.0), "cost_staff": np.full(days, 5.0)},
    )
    scalars = {"inviting_members": 5.0, "viral_cycle_days": 5.0}
    plan = synthetic_plan("p", horizon_days=days)
    k = replicate_kpis(ts, scalars, None, plan)
    assert k["members_final"] == 60 and k["members_ever"] == 65
    assert k["new_members"] == 20 and k["joins_referral"] == 10 and k["joins_ads"] == 10
    assert k["joins_per_day_ads"] == pytest.approx(1.0)
    assert k["cac_ads"] == pytest.approx(50.0 / 10)  # ads spend / ads joins
    assert k["cac"] == pytest.approx(50.0 / 20)  # discretionary spend / all joins
    assert k["cac_all_in"] == pytest.approx(100.0 / 20)
    assert k["dau"] == pytest.approx(6.0) and k["dau_mau"] == pytest.approx(0.2)
    assert k["active_share"] == pytest.approx(0.1)
    assert k["invite_accept_rate"] == pytest.approx(0.25)
    # 10 accepted invites by 5 inviters over 10 days = 2 per inviter; cycle 5 days -> 1 per cycle
    assert k["viral_k"] == pytest.approx(1.0)
    assert k["conversion_rate"] == pytest.approx(13 / 65)
    assert k["repurchase_rate"] == pytest.approx(0.5)  # 10 repeat of 20 orders
    assert k["churn_rate_daily"] == pytest.approx(5 / 510)


def test_kpi_directions_cover_the_issue_list():
    assert KPI_DIRECTIONS["members_final"] == 1 and KPI_DIRECTIONS["cac"] == -1
    assert KPI_DIRECTIONS["payback_day"] == -1 and KPI_DIRECTIONS["roi"] == 1
    assert kpi_direction("cac_ads") == -1 and kpi_direction("joins_referral") == 1
    assert kpi_direction("cost_campaign:invite") == -1
    assert all(KPI_DESCRIPTIONS[k] for k in KPI_DIRECTIONS)


def test_kpi_table_summary_and_paired_differences_on_a_synthetic_run_set():
    rs = synthetic_runset(replicates=6, seed=3)
    table = kpi_table(rs)
    assert list(table["variant"].unique()) == ["A", "B"]
    assert len(table) == 12 and {"variant", "replicate", "seed", "roi"} <= set(table.columns)
    # a category plan A lacks is zero for it, not unknown
    assert (table.loc[table.variant == "A", "cost_campaign:invite"] == 0).all()
    s = summarise(table)
    row = s[(s.variant == "A") & (s.kpi == "members_final")].iloc[0]
    vals = table.loc[table.variant == "A", "members_final"]
    assert row["mean"] == pytest.approx(vals.mean())
    assert row["p10"] <= row["p50"] <= row["p90"]
    assert row["p50"] == pytest.approx(vals.median())
    d = paired_differences(table, "A", "B").set_index("kpi")
    # B draws 25% more joins (synthetic lift) and an invite reward: more members in every pair
    assert d.loc["members_final", "mean_diff"] > 0
    assert d.loc["members_final", "prob_b_better"] == 1.0
    # B spends more (the invite reward): lower cost is better, so B is never better on cost
    assert d.loc["cost", "prob_b_better"] == 0.0
    # swapping the plans flips the sign and the probability
    r = paired_differences(table, "B", "A").set_index("kpi")
    assert r.loc["members_final", "mean_diff"] == pytest.approx(-d.loc["members_final", "mean_diff"])
    assert r.loc["cost", "prob_b_better"] == 1.0
    with pytest.raises(KeyError):
        paired_differences(table, "A", "nope")


def _constant_run(plan, label, rep, payback_at):
    days = plan.horizon_days
    margin = np.zeros(days)
    if payback_at is not None:
        margin[payback_at] = 1000.0
    ts = tiny_ts(days, members=10, cost=np.r_[100.0, np.zeros(days - 1)], gross_margin=margin)
    return RunResult(plan, 1, rep, ts, {}, pd.DataFrame(), pd.DataFrame())


def test_payback_never_counts_as_worst_in_summaries_and_comparisons():
    plan = synthetic_plan("p", horizon_days=20)
    a_days = [5, None, None]  # A pays back in one future of three
    b_days = [8, 9, 10]  # B always pays back
    rs = RunSet.from_results(
        {"A": plan, "B": plan},
        {
            "A": [_constant_run(plan, "A", r, d) for r, d in enumerate(a_days)],
            "B": [_constant_run(plan, "B", r, d) for r, d in enumerate(b_days)],
        },
    )
    table = kpi_table(rs)
    s = summarise(table).set_index(["variant", "kpi"])
    assert math.isnan(s.loc[("A", "payback_day"), "p50"])  # median future: never
    assert math.isnan(s.loc[("A", "payback_day"), "mean"])
    assert s.loc[("A", "paid_back"), "mean"] == pytest.approx(1 / 3)
    assert s.loc[("B", "payback_day"), "p50"] == 9
    d = paired_differences(table, "A", "B").set_index("kpi")
    # B is later in pair 0 (8 vs 5) but pays back where A never does in pairs 1 and 2
    assert d.loc["payback_day", "prob_b_better"] == pytest.approx(2 / 3)
