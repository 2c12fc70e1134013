"""Strategy levers move outcomes the way practice expects, and cost what they should.

Every test runs small markets (3,000 people on a Watts–Strogatz graph of mean degree 10,
60–120 days). Comparisons between plans use ``run_plans`` with common random numbers:
replicate r of both plans draws the same dice (counter-based, keyed by person and day), so
the two runs are identical until the lever first acts and paired differences are due to
the lever. Money checks are exact (to floating-point precision): the ledger is the oracle
and each lever's cost is recomputed independently from member-level data. Statistical
checks state their tolerance where they make one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from growthsim.model.community import CommunityModel
from growthsim.model.levers import fatigued
from growthsim.runner import graph_for, run_plans
from growthsim.scenario import Scenario, deep_merge
from growthsim.vocab import MEMBER, SRC_CHANNEL0

R = 4  # replicates per comparison
# Engagement that fades fast (decay 0.15 a day: equilibrium e ~ 0.45 instead of ~0.9), so a
# one-day stimulus visibly raises that day's activity. With common random numbers a higher
# activity probability can only add active members on that day (same uniform draws), so the
# day's paired difference is >= 0 person by person.
RESTLESS = {"members": {"engagement": {"daily_decay": 0.15}}}
FIXED = ("cost_staff", "cost_volunteer_admins", "cost_tools", "cost_devices")


def plan(**over) -> Scenario:
    """A lively small community: 200 initial members, two admins each running two groups."""
    data = {
        "name": "levers",
        "seed": 7,
        "horizon_days": 90,
        "replicates": R,
        "market": {"size": 3000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        "members": {
            "initial": 200,
            "propensity": {"alpha": 1.0, "beta": 4.0},  # mean 0.2
            "referral": {"invite_prob": 0.03},
            "conversion": {"first_purchase_prob": 0.03},
        },
        "groups": {"target_size": 60},
        "staff": {"admin": {"count": 2, "salary_per_month": 3000, "groups_each": 2, "hours_per_day": 2}},
    }
    staff = over.pop("staff", None)
    data = deep_merge(data, over)  # sections merge key by key
    if staff is not None:
        data["staff"] = staff  # replaced whole: {} means no staff at all
    return Scenario.model_validate(data)


def per_rep(rs, label: str, col: str, days=None) -> np.ndarray:
    """Sum of ``col`` per replicate (optionally over ``days`` only), replicate order."""
    ts = rs.timeseries[rs.timeseries["variant"] == label]
    if days is not None:
        ts = ts[ts["day"].isin(list(days))]
    return ts.groupby("replicate")[col].sum().sort_index().to_numpy()


def series(rs, label: str, col: str) -> np.ndarray:
    """``col`` as a (replicate, day) array."""
    ts = rs.timeseries[rs.timeseries["variant"] == label]
    return ts.pivot(index="replicate", columns="day", values=col).sort_index().to_numpy()


def model_for(sc: Scenario, replicate: int = 0) -> CommunityModel:
    return CommunityModel(sc, seed=sc.seed, replicate=replicate, graph=graph_for(sc))


def engagement_lift(off: Scenario, on: Scenario) -> np.ndarray:
    """Per day, the paired difference in members' mean engagement (on - off), summed over
    the R replicates."""

    def path(sc: Scenario, r: int) -> np.ndarray:
        m = model_for(sc, r)
        out = np.zeros(m.horizon)
        for d in range(m.horizon):
            m.run_until(d + 1)
            inside = (m.pop.status == MEMBER) | (m.pop.status == 2)
            out[d] = m.pop.eng[inside].mean()
        return out

    return sum(path(on, r) - path(off, r) for r in range(R))


# --------------------------------------------------------------------------- invite reward


def test_invite_reward_brings_referrals_and_costs_reward_per_reward():
    camp = {"invite_reward": {"reward": 8, "threshold": 2}}
    rs = run_plans({"off": plan(), "on": plan(campaigns=camp)})
    off, on = per_rep(rs, "off", "new_referral"), per_rep(rs, "on", "new_referral")
    # lift 1.8 on the invite probability: ~100 referral joins become ~170; the Poisson
    # noise of ~10 per run makes "more in every paired replicate" a > 5-sigma statement.
    assert (on > off).all(), (on, off)
    assert per_rep(rs, "off", "cost_campaign:invite_reward").sum() == 0
    cost = per_rep(rs, "on", "cost_campaign:invite_reward")
    assert (cost > 0).all()
    # exact: cost == reward * rewards, rewards recomputed from every member's accepted invites
    m = model_for(plan(campaigns=camp), replicate=1)
    m.run()
    agent = m.campaigns[0]
    rewards = int((m.pop.accepted // 2).sum())
    assert agent.rewards == rewards > 0
    assert agent.unpaid == 0
    assert m.timeseries()["cost_campaign:invite_reward"].sum() == pytest.approx(8 * rewards)
    assert cost[1] == pytest.approx(8 * rewards)


def test_bigger_invite_reward_lifts_invitations_more():
    small = plan(campaigns={"invite_reward": {"reward": 4, "threshold": 2}})
    big = plan(campaigns={"invite_reward": {"reward": 16, "threshold": 2}})
    assert (
        big.campaigns["invite_reward"].effective_multiplier() > small.campaigns["invite_reward"].effective_multiplier()
    )
    rs = run_plans({"small": small, "big": big})
    # lifts 1.57 vs 2.13 on a ~100-join base: a >4-sigma gap summed over 4 replicates
    assert per_rep(rs, "big", "new_referral").sum() > per_rep(rs, "small", "new_referral").sum()


# --------------------------------------------------------------------------- staff


def test_zero_staff_loses_members_and_d30_retention():
    rs = run_plans({"staffed": plan(), "none": plan(staff={})})
    sc = rs.scalars.set_index(["variant", "replicate"]).sort_index()
    # unmanaged groups decay 1.5x faster and churn 1.5x more: ~0.89 vs ~0.76 D30 retention,
    # ~210 vs ~75 members on day 89; both gaps are many times the replicate spread.
    assert (sc.loc["staffed", "retention_d30"].to_numpy() > sc.loc["none", "retention_d30"].to_numpy()).all()
    last = rs.timeseries[rs.timeseries["day"] == 89].set_index(["variant", "replicate"]).sort_index()
    assert (last.loc["staffed", "members"].to_numpy() > last.loc["none", "members"].to_numpy()).all()
    assert (last.loc["none", "managed_groups"] == 0).all()
    # salaries: 2 admins * 3000 per 30-day month, paid daily
    np.testing.assert_allclose(series(rs, "staffed", "cost_staff"), 200.0)
    assert per_rep(rs, "none", "cost_staff").sum() == 0


def test_staff_start_day_delays_salaries_and_management():
    sc = plan(staff={"admin": {"count": 2, "salary_per_month": 3000, "groups_each": 2, "start_day": 30}})
    rs = run_plans({"late": sc}, replicates=1)
    cost = series(rs, "late", "cost_staff")[0]
    managed = series(rs, "late", "managed_groups")[0]
    assert (cost[:30] == 0).all() and np.allclose(cost[30:], 200.0)
    assert (managed[:30] == 0).all() and (managed[30:] > 0).all()


# --------------------------------------------------------------------------- budget


def _spender(**budget) -> Scenario:
    return plan(
        economics={"tools_per_month": 300},
        channels={"ads": {"daily_budget": 150, "max_reach": 100, "half_saturation_spend": 100}},
        campaigns={
            "invite_reward": {"reward": 8, "threshold": 2},
            "lecture": {"kind": "lecture", "schedule": {"start_day": 3, "every_days": 10}, "cost_per_event": 300},
        },
        budget=budget,
    )


def test_budget_total_caps_discretionary_spend_but_fixed_costs_are_paid():
    rs = run_plans({"capped": _spender(total=12000.0)})
    for r in range(R):
        ts = rs.timeseries[(rs.timeseries["variant"] == "capped") & (rs.timeseries["replicate"] == r)]
        fixed = ts[list(FIXED)].sum(axis=1).to_numpy()
        disc = ts["cost"].to_numpy() - fixed
        # fixed costs every day, even after the money ran out: 200 staff + 10 tools
        np.testing.assert_allclose(fixed, 210.0)
        # discretionary money is only what the budget leaves after the fixed costs paid so
        # far (fixed costs are paid first each morning): on any day with discretionary
        # spending, everything spent up to that day is within the total
        assert np.cumsum(disc).max() <= 12000.0 + 1e-6
        cum = np.cumsum(disc + fixed)
        assert (cum[disc > 0] <= 12000.0 + 1e-6).all()
        assert cum[disc > 0].max() > 11000.0  # and the budget was really used
        # the exhausted day is reported, in the scalars and as the first blocked day
        ex = rs.scalars[(rs.scalars["variant"] == "capped") & (rs.scalars["replicate"] == r)][
            "budget_exhausted_day"
        ].item()
        blocked = ts.loc[ts["budget_blocked"] == 1, "day"].to_numpy()
        assert math.isfinite(ex) and int(ex) == blocked.min()
        # once exhausted, fixed costs keep eating the total: no discretionary spend after
        assert disc[int(ex) + 1 :].sum() == 0
        assert (ts["day"] >= ex).sum() == len(blocked)  # blocked every day from then on


def test_monthly_cap_holds_per_30_day_month_and_spending_resumes():
    rs = run_plans({"monthly": _spender(monthly_cap=9000.0)})
    for r in range(R):
        ts = rs.timeseries[(rs.timeseries["variant"] == "monthly") & (rs.timeseries["replicate"] == r)]
        month = ts["day"].to_numpy() // 30
        total = ts.groupby(month)["cost"].sum()
        fixed = ts[list(FIXED)].sum(axis=1).groupby(month).sum()
        assert ((total - fixed) <= 9000.0 + 1e-6).all()
        # fixed costs come first: on a day with discretionary spending, the month's spending
        # so far (fixed included) is within the cap
        disc = ts["cost"].to_numpy() - ts[list(FIXED)].sum(axis=1).to_numpy()
        month_cum = ts.groupby(month)["cost"].cumsum().to_numpy()
        assert (month_cum[disc > 0] <= 9000.0 + 1e-6).all()
        # fixed costs (6,300 a month) are not cut; the cap binds in every month (the plan
        # wants ~4,500 ads + ~900 lectures + rewards + fixed) ...
        assert (fixed >= 6300.0 - 1e-6).all()
        blocked_months = set(ts.loc[ts["budget_blocked"] == 1, "day"] // 30)
        assert blocked_months == {0, 1, 2}
        # ... and each new month spending starts again: ads and invite rewards resume
        for d in (30, 60):
            assert ts.loc[ts["day"] == d, "cost_channel:ads"].item() > 0
        rew = ts.groupby(month)["cost_campaign:invite_reward"].sum()
        assert (rew > 0).all(), rew


# --------------------------------------------------------------------------- channels


def _channel_only(spend: float, **ch) -> Scenario:
    return plan(
        horizon_days=30,
        members={"initial": 50, "organic_join_prob": 0.0, "referral": {"invite_prob": 0.0}},
        channels={
            "ads": {"daily_budget": spend, "max_reach": 200, "half_saturation_spend": 300, "join_rate": 0.05, **ch}
        },
    )


def test_channel_reach_saturates_with_spend():
    spends = [50.0, 150.0, 450.0, 1350.0]
    rs = run_plans({str(s): _channel_only(s) for s in spends})
    joins = np.array([per_rep(rs, str(s), "new_ads").sum() for s in spends])
    money = np.array([per_rep(rs, str(s), "cost_channel:ads").sum() for s in spends])
    np.testing.assert_allclose(money, np.array(spends) * 30 * R)
    assert (np.diff(joins) > 0).all(), joins  # more money, more joins ...
    per_money = joins / money
    assert (np.diff(per_money) < 0).all(), per_money  # ... at a falling rate
    # and about as many as the reach curve says: reach * join_rate * outsider share per day;
    # 10% tolerance covers the binomial noise (>= 280 joins: sd <= 6%) and the slow
    # depletion of outsiders (<= 10% of the market joins)
    for s, j in zip(spends, joins):
        expect = 200 * (1 - math.exp(-s / 300)) * 0.05 * 30 * R * (2950 - 0.5 * j / R) / 3000
        assert j == pytest.approx(expect, rel=0.10), (s, j, expect)


def test_channel_joins_are_tagged_with_their_source():
    sc = plan(
        channels={
            "ads": {"daily_budget": 200, "max_reach": 100, "join_rate": 0.05},
            "store": {"kind": "offline_store", "base_reach": 40, "max_reach": 0, "join_rate": 0.1},
        }
    )
    m = model_for(sc)
    m.run()
    ts = m.timeseries()
    for k, name in enumerate(["ads", "store"]):
        tagged = int((m.pop.source == SRC_CHANNEL0 + k).sum())
        assert tagged == ts[f"new_{name}"].sum() > 0
        assert ts["cost_channel:store"].sum() == 0  # a free channel costs nothing
    parts = ["new_organic", "new_referral", "new_replay", "new_ads", "new_store"]
    np.testing.assert_array_equal(ts[parts].sum(axis=1), ts["new_members"])


def test_channel_target_block_and_daily_intake_cap():
    blocks = {"model": "sbm", "mean_degree": 10, "blocks": 3}
    sc = plan(
        market={"size": 3000, "graph": blocks},
        channels={
            "north": {"daily_budget": 600, "max_reach": 300, "join_rate": 0.2, "target_block": 1, "daily_intake_cap": 6}
        },
    )
    m = model_for(sc)
    m.run()
    joined = np.nonzero(m.pop.source == SRC_CHANNEL0)[0]
    assert len(joined) > 0
    assert (m.pop.block[joined] == 1).all()  # nobody from blocks 0 and 2
    per_day = m.timeseries()["new_north"].to_numpy()
    # ~57 joins wanted a day, 6 allowed: the cap binds every day
    assert per_day.max() == 6 and (per_day == 6).mean() > 0.9


# --------------------------------------------------------------------------- check-in


def test_checkin_cashback_pays_for_streaks_and_lifts_activity():
    camp = {"checkin_cashback": {"streak_days": 5, "reward": 3, "activity_multiplier": 1.3}}
    rs = run_plans({"off": plan(), "on": plan(campaigns=camp)})
    # activity x1.3 on every day: ~+30% active member-days, far beyond run-to-run noise
    assert (per_rep(rs, "on", "active") > per_rep(rs, "off", "active")).all()
    # exact: one reward per completed 5-day streak, counted from the members' own streaks
    m = model_for(plan(campaigns=camp))
    streaks = 0
    for d in range(m.horizon):
        m.run_until(d + 1)
        today = (m.pop.last_active == d) & (m.pop.streak > 0) & (m.pop.streak % 5 == 0)
        streaks += int(today.sum())
    assert streaks > 0
    assert m.campaigns[0].rewards == streaks
    assert m.timeseries()["cost_campaign:checkin_cashback"].sum() == pytest.approx(3 * streaks)


def test_checkin_streaks_count_from_the_campaign_start():
    """Days active before the campaign began do not count towards its first streak."""
    camp = {"checkin_cashback": {"start_day": 30, "end_day": 60, "streak_days": 5, "reward": 3}}
    m = model_for(plan(campaigns=camp))
    streaks = 0
    for d in range(m.horizon):
        m.run_until(d + 1)
        if 30 <= d <= 60:
            run = np.minimum(m.pop.streak, d - 30 + 1)
            streaks += int(((m.pop.last_active == d) & (run > 0) & (run % 5 == 0)).sum())
    cost = m.timeseries()["cost_campaign:checkin_cashback"].to_numpy()
    assert cost[:34].sum() == 0 and cost[61:].sum() == 0  # first reward on day 34 at the earliest
    assert streaks > 0 and cost.sum() == pytest.approx(3 * streaks)


# --------------------------------------------------------------------------- lottery


def test_lottery_one_day_peak_and_prize_cost():
    camp = {
        "draw": {
            "kind": "lottery",
            "start_day": 40,
            "engagement_lift": 3.0,
            "win_prob": 0.5,
            "prize": 2.0,
            "conversion_multiplier": 1.0,
        }
    }
    off, on = plan(**RESTLESS), plan(campaigns=camp, **RESTLESS)
    rs = run_plans({"off": off, "on": on})
    diff = series(rs, "on", "active") - series(rs, "off", "active")
    assert (diff[:, :40] == 0).all()  # common random numbers: identical until the draw
    assert diff[:, 40].sum() > 0  # more members active on the lottery day
    # the engagement peak is the lottery day, fading after it (~0.35, 0.25, 0.18, ... summed
    # over 4 replicates: each step down is ~30%, far above the noise of a mean over ~200)
    eng = engagement_lift(off, on)
    assert np.abs(eng[:40]).max() == 0 and eng.argmax() == 40
    assert (np.diff(eng[40:46]) < 0).all(), eng[40:46]
    # prize money ~ win_prob * participants * prize; participants = members active that day.
    # Binomial winners: tolerance 4 sd of the summed draw.
    active = series(rs, "on", "active")[:, 40].sum()
    cost = per_rep(rs, "on", "cost_campaign:draw").sum()
    sd = 2.0 * math.sqrt(active * 0.25)
    assert abs(cost - 0.5 * active * 2.0) <= 4 * sd + 1e-9
    assert per_rep(rs, "on", "cost_campaign:draw", days=[40]).sum() == pytest.approx(cost)
    m = model_for(plan(campaigns=camp, **RESTLESS))
    m.run()
    lot = m.campaigns[0]
    assert lot.participants == m.timeseries()["active"][40]
    assert m.timeseries()["cost_campaign:draw"].sum() == pytest.approx(2.0 * lot.winners)


# --------------------------------------------------------------------------- sales


def _buyers(**camp) -> dict:
    """Members who buy often, so one day's purchases are measurable."""
    return {"members": {"conversion": {"first_purchase_prob": 0.15, "repurchase_prob": 0.15}}, **camp}


@pytest.mark.parametrize("kind", ["flash_sale", "group_buy"])
def test_sales_lift_purchases_and_cost_the_discount(kind):
    sale = {
        "kind": kind,
        "schedule": {"days": [20, 50]},
        "duration_days": 2,
        "conversion_multiplier": 3.0,
        "discount": 0.2,
        "fatigue": 1.0,
    }
    if kind == "group_buy":
        sale["invite_multiplier"] = 3.0
    rs = run_plans({"off": plan(**_buyers()), "on": plan(**_buyers(campaigns={"sale": sale}))})
    days = [20, 21, 50, 51]
    on, off = per_rep(rs, "on", "purchases", days), per_rep(rs, "off", "purchases", days)
    # x3 buying on 4 days of ~10 orders each: ~+80 orders per replicate (sd ~ 10)
    assert (on > off).all(), (on, off)
    if kind == "group_buy":  # group buying also brings friends in
        assert (per_rep(rs, "on", "invites_sent", days) > per_rep(rs, "off", "invites_sent", days)).all()
    # exact: the cost is the discount on the sale days' revenue, and nothing on other days
    ts = rs.timeseries[rs.timeseries["variant"] == "on"]
    on_sale = ts["day"].isin(days)
    np.testing.assert_allclose(ts.loc[on_sale, "cost_campaign:sale"], 0.2 * ts.loc[on_sale, "revenue"])
    assert ts.loc[~on_sale, "cost_campaign:sale"].sum() == 0


def test_sale_does_not_run_past_the_campaign_end():
    sale = {
        "kind": "flash_sale",
        "schedule": {"days": [20]},
        "duration_days": 5,
        "end_day": 22,
        "conversion_multiplier": 2.0,
    }
    sc = plan(**_buyers(campaigns={"sale": sale}))
    lifted = [d for d, x in enumerate(_morning_lifts(sc)) if x["m_conv"] != 1.0]
    assert lifted == [20, 21, 22]
    rs = run_plans({"on": sc}, replicates=1)
    cost = series(rs, "on", "cost_campaign:sale")[0]
    assert cost[[20, 21, 22]].min() > 0 and cost.sum() == cost[[20, 21, 22]].sum()


# --------------------------------------------------------------------------- lecture


def test_lecture_peak_then_purchase_lift_and_cost_per_event():
    lec = {
        "kind": "lecture",
        "schedule": {"start_day": 30, "every_days": 40},
        "cost_per_event": 300,
        "engagement_lift": 3.0,
        "followup_days": 3,
        "conversion_multiplier": 3.0,
        "fatigue": 1.0,
    }
    off = plan(**deep_merge(RESTLESS, _buyers()))
    on = plan(**deep_merge(RESTLESS, _buyers(campaigns={"lec": lec})))
    rs = run_plans({"off": off, "on": on})
    act = (series(rs, "on", "active") - series(rs, "off", "active")).sum(axis=0)
    assert (act[:30] == 0).all() and act[30] > 0  # more members active on the lecture day
    eng = engagement_lift(off, on)
    assert eng[:70].argmax() == 30 and eng[30] > eng[31] > eng[32]  # engagement peak
    # the discounted package after it: buying x3 on days 31-33 (~+60 orders per replicate)
    follow = [31, 32, 33]
    assert (per_rep(rs, "on", "purchases", follow) > per_rep(rs, "off", "purchases", follow)).all()
    # cost_per_event per lecture: days 30 and 70 -> 600, on those days only
    ts = rs.timeseries[rs.timeseries["variant"] == "on"]
    by_day = ts.groupby("day")["cost_campaign:lec"].sum() / R
    assert by_day[30] == 300 and by_day[70] == 300 and by_day.sum() == 600


# --------------------------------------------------------------------------- fatigue


def _morning_lifts(sc: Scenario) -> list[dict]:
    """Today's multipliers as the morning's levers set them, for every day of one run."""
    m = model_for(sc)
    out = []
    for d in range(m.horizon):
        m.run_until(d + 0.9)  # mornings fire at d + 0.5; the day's step runs at d + 1
        t = m.today
        out.append(
            {
                "stimulus": t.stimulus,
                "m_conv": t.m_conv * m._conv_boosts.get(d, 1.0),
                "m_invite": t.m_invite,
                "m_act": t.m_act,
            }
        )
        m.run_until(d + 1)
    return out


def test_fatigue_makes_repeated_events_weaker():
    sale = {
        "kind": "flash_sale",
        "schedule": {"start_day": 10, "every_days": 10},
        "conversion_multiplier": 5.0,
        "discount": 0.1,
        "fatigue": 0.4,
    }
    sc = plan(**_buyers(campaigns={"sale": sale}))
    lifts = [x["m_conv"] for x in _morning_lifts(sc)]
    days = list(range(10, 90, 10))
    for k, d in enumerate(days):
        assert lifts[d] == pytest.approx(fatigued(5.0, k, 0.4))
    assert all(lifts[d] == 1.0 for d in range(90) if d not in days)
    # and in outcomes: extra orders on the first sale day beat those on the fourth
    # (lift x5 vs x1.26 on ~10 orders a day; summed over 4 paired replicates)
    rs = run_plans({"off": plan(**_buyers()), "on": sc})
    extra = [per_rep(rs, "on", "purchases", [d]).sum() - per_rep(rs, "off", "purchases", [d]).sum() for d in days]
    assert extra[0] > extra[3] and extra[0] > 0, extra


def test_lottery_fatigue_weakens_the_stimulus():
    lot = {"kind": "lottery", "schedule": {"days": [10, 20, 30]}, "engagement_lift": 2.0, "fatigue": 0.5}
    stim = [x["stimulus"] for x in _morning_lifts(plan(campaigns={"lot": lot}))]
    assert [stim[10], stim[20], stim[30]] == pytest.approx([2.0, 1.0, 0.5])


def test_event_lifts_land_on_their_days():
    """Exact schedule of each event's multipliers (no fatigue): lottery buying lift on the
    day and the next, lecture follow-up days, group-buying days with invitations."""
    camps = {
        "draw": {
            "kind": "lottery",
            "start_day": 40,
            "engagement_lift": 2.0,
            "conversion_multiplier": 1.5,
            "fatigue": 1.0,
        },
        "lec": {
            "kind": "lecture",
            "start_day": 20,
            "engagement_lift": 1.5,
            "followup_days": 3,
            "conversion_multiplier": 2.0,
            "invite_multiplier": 1.3,
            "fatigue": 1.0,
        },
        "team": {
            "kind": "group_buy",
            "start_day": 60,
            "duration_days": 2,
            "conversion_multiplier": 2.0,
            "invite_multiplier": 1.5,
            "fatigue": 1.0,
        },
    }
    lifts = _morning_lifts(plan(campaigns=camps))
    conv = {d: x["m_conv"] for d, x in enumerate(lifts) if x["m_conv"] != 1.0}
    inv = {d: x["m_invite"] for d, x in enumerate(lifts) if x["m_invite"] != 1.0}
    stim = {d: x["stimulus"] for d, x in enumerate(lifts) if x["stimulus"] != 0.0}
    assert conv == pytest.approx({21: 2.0, 22: 2.0, 23: 2.0, 40: 1.5, 41: 1.5, 60: 2.0, 61: 2.0})
    assert inv == pytest.approx({20: 1.3, 60: 1.5, 61: 1.5})
    assert stim == pytest.approx({20: 1.5, 40: 2.0})


# --------------------------------------------------------------------------- budget cap of a campaign


def test_campaign_stops_at_its_budget_cap():
    lec = {"kind": "lecture", "schedule": {"start_day": 5, "every_days": 10}, "cost_per_event": 300, "budget_cap": 1000}
    inv = {"kind": "invite_reward", "reward": 8, "threshold": 1, "budget_cap": 40}
    sc = plan(campaigns={"lec": lec, "inv": inv})
    lifts = _morning_lifts(sc)
    m = model_for(sc)
    m.run()
    ts = m.timeseries()
    # lectures cost 300 each: three fit under 1000, the fourth is not held (no partial payment)
    lec_days = ts.loc[ts["cost_campaign:lec"] > 0, "day"].tolist()
    assert lec_days == [5, 15, 25] and ts["cost_campaign:lec"].sum() == 900
    assert m.campaigns[0].stopped_day == 35 and m.campaigns[0].events == 3
    assert lifts[25]["stimulus"] > 0 and all(x["stimulus"] == 0 for x in lifts[35:])
    # invite reward: whole rewards of 8 up to 40, then no more lift
    agent = m.campaigns[1]
    assert ts["cost_campaign:inv"].sum() == pytest.approx(40.0) and agent.rewards == 5
    stop = agent.stopped_day
    assert stop is not None
    assert all(x["m_invite"] == 1.0 for x in lifts[stop + 1 :])
    assert ts.loc[ts["day"] > stop, "cost_campaign:inv"].sum() == 0


# --------------------------------------------------------------------------- KOLs


def test_external_kol_lifts_engagement_and_referrals_and_costs_per_post():
    kol = {
        "kind": "external",
        "count": 2,
        "schedule": {"per_week": 3},
        "cost_per_post": 100,
        "engagement_lift": 1.0,
        "referral_multiplier": 2.0,
    }
    rs = run_plans({"off": plan(), "on": plan(kols={"star": kol})})
    assert (per_rep(rs, "on", "active") > per_rep(rs, "off", "active")).all()
    assert (per_rep(rs, "on", "new_referral") > per_rep(rs, "off", "new_referral")).all()
    post_days = plan(kols={"star": kol}).kols["star"].schedule.action_days(90)
    assert len(post_days) == 39  # 3 a week over 12 weeks and 6 days
    cost = series(rs, "on", "cost_kol:star")
    assert (cost.sum(axis=1) == 100 * 2 * len(post_days)).all()
    assert (cost[:, post_days] == 200).all()


def test_internal_kols_are_chosen_among_members_with_tenure():
    kol = {
        "kind": "internal",
        "count": 3,
        "schedule": {"start_day": 20, "every_days": 5},
        "min_tenure_days": 10,
        "referral_multiplier": 2.0,
    }
    sc = plan(kols={"inner": kol})
    m = model_for(sc)
    agent = m.kols[0]
    posts = 0
    for d in range(m.horizon):
        m.run_until(d + 0.9)
        if d in kol_days(sc):
            ids = agent.members
            assert 0 < len(ids) <= 3
            assert (m.pop.status[ids] == MEMBER).all()
            assert (d - m.pop.join_day[ids] >= 10).all() and (m.pop.join_day[ids] >= 0).all()
            assert (m.pop.role[ids] == 1).all() and np.allclose(m.pop.boost[ids], 2.0)
            posts += len(ids)
        m.run_until(d + 1)
    assert agent.posts == posts > 0  # each internal KOL posts on each schedule day
    assert len(agent.members) <= 3 and set(agent.members.tolist()) <= set(np.nonzero(m.pop.role == 1)[0].tolist())
    assert m.timeseries().filter(like="cost_kol").sum().sum() == 0  # no fee set


def kol_days(sc: Scenario) -> set[int]:
    return set(sc.kols["inner"].schedule.action_days(sc.horizon_days))


# --------------------------------------------------------------------------- groups


def _placement_run(sc: Scenario):
    """Step a run day by day; after each day check the group rules and yield the model."""
    m = model_for(sc)
    g = sc.groups
    for d in range(m.horizon):
        before = m.n_groups
        m.run_until(d + 1)
        G = m.n_groups
        size, cat = m.g_size[:G], m.g_cat[:G]
        assert (size >= 0).all() and (size <= g.max_size).all(), (d, size.max())
        placed = m.pop.group[(m.pop.status == MEMBER) | (m.pop.status == 2)]
        assert (placed >= 0).all() or d == -1
        # size bookkeeping equals the members placed in each group
        counts = np.bincount(placed[placed >= 0], minlength=G)[:G]
        np.testing.assert_array_equal(counts, size)
        if G > before:  # new groups opened today: the others of their category were full
            for h in range(before, G):
                old = [x for x in range(before) if cat[x] == cat[h] and cat[x] != m.vip_cat]
                assert all(size[x] >= g.target_size for x in old), (d, h, size[old])
    return m


def test_groups_open_when_full_and_never_exceed_max_size():
    sc = plan(
        groups={"target_size": 40, "max_size": 80},
        channels={"ads": {"daily_budget": 300, "max_reach": 200, "join_rate": 0.1}},
    )
    m = _placement_run(sc)
    assert m.n_groups >= 8  # ~1,000 joins opened many groups of 40


def test_max_groups_fills_groups_up_to_max_size_then_stops_joins():
    sc = plan(
        groups={"target_size": 40, "max_size": 80, "max_groups": 5},
        channels={"ads": {"daily_budget": 300, "max_reach": 200, "join_rate": 0.1}},
    )
    m = _placement_run(sc)
    assert m.n_groups == 5
    assert m.timeseries()["members"].max() <= 5 * 80


def test_groups_by_block_keep_regions_apart():
    sc = plan(
        market={"size": 3000, "graph": {"model": "sbm", "mean_degree": 10, "blocks": 3}},
        groups={"target_size": 40, "by_block": True},
        channels={"ads": {"daily_budget": 300, "max_reach": 200, "join_rate": 0.1}},
    )
    m = _placement_run(sc)
    ids = np.nonzero(((m.pop.status == MEMBER) | (m.pop.status == 2)) & (m.pop.vip == 0))[0]
    assert (m.g_cat[m.pop.group[ids]] == m.pop.block[ids]).all()
    assert set(m.g_cat[: m.n_groups].tolist()) == {0, 1, 2}


def test_vip_groups_with_max_groups_keep_caps():
    """VIP groups must not use up ``max_groups`` nor receive ordinary members: VIP
    selection starts (day 20) while only 3 of the 5 allowed ordinary groups exist."""
    sc = plan(
        members={"initial": 100, "conversion": {"first_purchase_prob": 0.2}},
        groups={
            "target_size": 40,
            "max_size": 80,
            "max_groups": 5,
            "vip": {"enabled": True, "start_day": 20, "min_tenure_days": 10, "min_engagement": 0.2},
        },
        channels={"ads": {"start_day": 25, "daily_budget": 300, "max_reach": 200, "join_rate": 0.1}},
    )
    m = _placement_run(sc)
    G = m.n_groups
    ordinary = m.g_cat[:G] != m.vip_cat
    assert (~ordinary).sum() >= 1  # VIP groups exist
    assert ordinary.sum() == 5  # and all 5 ordinary groups could still open
    ids = np.nonzero((m.pop.status == MEMBER) | (m.pop.status == 2))[0]
    in_vip_group = m.g_cat[m.pop.group[ids]] == m.vip_cat
    assert (in_vip_group == (m.pop.vip[ids] == 1)).all()


# --------------------------------------------------------------------------- VIP


def test_vip_members_meet_entry_conditions_and_churn_less():
    vip = {
        "enabled": True,
        "start_day": 30,
        "every_days": 7,
        "min_tenure_days": 20,
        "min_purchases": 1,
        "min_engagement": 0.3,
        "churn_multiplier": 0.5,
    }
    sc = plan(
        horizon_days=120, groups={"target_size": 60, "vip": vip}, members={"conversion": {"first_purchase_prob": 0.1}}
    )
    entered: dict[int, int] = {}
    checked = 0
    for r in range(2):
        m = model_for(sc, replicate=r)
        orig = m.move_to_vip

        def spy(ids, m=m, orig=orig, r=r):
            nonlocal checked
            d = m.day
            assert d >= 30 and (d - 30) % 7 == 0
            assert (m.pop.purchases[ids] >= 1).all()
            assert (m.pop.eng[ids] >= 0.3).all()
            assert (d - m.pop.join_day[ids] >= 20).all()
            assert (m.pop.status[ids] == MEMBER).all() and (m.pop.vip[ids] == 0).all()
            checked += len(ids)
            for i in ids.tolist():
                entered[(r, i)] = d
            orig(ids)

        m.move_to_vip = spy
        m.run()
        pop = m.pop
        # leave rate per member-day from day 30 on: VIP members (after entering) vs the rest
        end = m.horizon - 1
        left_day = np.where(pop.leave_day >= 0, pop.leave_day, end)
        vip_ids = np.array([i for (rr, i) in entered if rr == r], dtype=np.int64)
        is_vip = np.zeros(pop.n, dtype=bool)
        is_vip[vip_ids] = True
        start_v = np.array([entered[(r, i)] for i in vip_ids])
        vip_days = (left_day[vip_ids] - start_v).clip(0).sum()
        vip_left = (pop.leave_day[vip_ids] >= 0).sum()
        other = np.nonzero((pop.join_day >= 0) & ~is_vip & ((pop.leave_day < 0) | (pop.leave_day >= 30)))[0]
        o_start = np.maximum(pop.join_day[other], 30)
        o_days = (left_day[other] - o_start).clip(0).sum()
        o_left = (pop.leave_day[other] >= 30).sum()
        assert vip_days > 0 and o_days > 0
        assert vip_left / vip_days < o_left / o_days, (vip_left, vip_days, o_left, o_days)
    assert checked > 20


# --------------------------------------------------------------------------- volunteer admins


def test_volunteer_admins_add_managed_groups_and_cost_their_stipend():
    vol = {
        "enabled": True,
        "start_day": 20,
        "every_days": 10,
        "per_round": 2,
        "max_total": 6,
        "min_tenure_days": 10,
        "groups_each": 2,
        "stipend_per_month": 150,
    }
    base = dict(
        staff={"admin": {"count": 1, "salary_per_month": 3000, "groups_each": 1}},
        groups={"target_size": 30},
        channels={"ads": {"daily_budget": 200, "max_reach": 100, "join_rate": 0.05}},
    )
    rs = run_plans({"off": plan(**base), "on": plan(volunteer_admins=vol, **base)})
    managed_on, managed_off = series(rs, "on", "managed_groups"), series(rs, "off", "managed_groups")
    groups_on = series(rs, "on", "groups")
    stipend = series(rs, "on", "cost_volunteer_admins")
    assert (stipend[:, :20] == 0).all() and (managed_off <= 1).all()
    n_vol = stipend / 5.0  # 150 per 30-day month each
    np.testing.assert_allclose(n_vol, np.round(n_vol), atol=1e-9)
    assert n_vol.max() <= 6 and (n_vol[:, -1] > 0).all()
    # every volunteer runs 2 groups on top of the admin's 1, as far as there are groups in
    # the morning, when attention is shared out (the groups of the day before)
    morning_groups = np.concatenate([groups_on[:, :1], groups_on[:, :-1]], axis=1)
    np.testing.assert_array_equal(managed_on, np.minimum(morning_groups, 1 + 2 * np.round(n_vol)))
    assert managed_on[:, 40:].mean() > managed_off[:, 40:].mean()
    assert per_rep(rs, "off", "cost_volunteer_admins").sum() == 0
    promoted = rs.scalars[rs.scalars["variant"] == "on"]["promoted_admins"]
    assert (promoted > 0).all()


# ------------------------------------------------------------------- cost per join


def test_cost_per_join_is_paid_in_full_before_each_join():
    """A welcome gift of 10 per join with 205 of discretionary money: at most 20 people
    join through the channel, each paid in full (cost = 10 x joins exactly), and the day
    the money runs short is marked blocked. Without the budget more join."""
    ch = {"gift": {"daily_budget": 0, "base_reach": 200, "max_reach": 0, "join_rate": 0.5, "cost_per_join": 10}}
    tight = plan(staff={}, horizon_days=10, channels=ch, budget={"total": 205})
    free = plan(staff={}, horizon_days=10, channels=ch)
    for r in range(2):
        m = CommunityModel(scenario=tight, replicate=r)
        m.run()
        ts = m.timeseries()
        joins = int(ts["new_gift"].sum())
        assert joins == 20
        assert ts["cost_channel:gift"].sum() == pytest.approx(10.0 * joins)
        assert int((m.pop.source == SRC_CHANNEL0).sum()) == joins
        first_short = int(np.nonzero(ts["new_gift"].cumsum().to_numpy() >= 20)[0][0])
        assert ts["budget_blocked"].iloc[first_short] == 1
        assert m.ledger.exhausted_day is not None and m.ledger.exhausted_day <= first_short + 1
        f = CommunityModel(scenario=free, replicate=r)
        f.run()
        assert f.timeseries()["new_gift"].sum() > 100
