"""Group life: fatigue, ads and moderation, self-organised groups, offline events, group
health (model.social and its modules).

Effects are checked on paired runs with common random numbers (same seed and replicate,
one setting changed): every mechanism's draws are keyed by person or group, so the pairs
differ only through the mechanism. Where a rule's size can be computed from the run's own
state (the mutes of a constant promotion pressure, the money of moderation, self-organised
groups and offline events, the seats of an event) the check is exact or within 4 binomial
standard errors (a false alarm ~6e-5 per check, normal approximation); direction checks
use means over replicates.
"""

from __future__ import annotations

import numpy as np
import pytest

from growthsim.graph import build_graph
from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel
from growthsim.reference import ReferenceModel
from growthsim.scenario import Scenario
from growthsim.scenario.loader import apply_overrides
from growthsim.vocab import MEMBER, ROLE_MEMBER_ADMIN
from helpers.threads import run_at_4_threads


def plan_of(**over) -> Scenario:
    d = {
        "name": "group-life",
        "seed": 5,
        "horizon_days": 60,
        "replicates": 4,
        "market": {"size": 3000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        "members": {"initial": 400, "referral": {"invite_prob": 0.03, "accept_prob": 0.3}},
        "groups": {"target_size": 40, "max_size": 80},
        "staff": {"admin": {"count": 2, "groups_each": 3, "hours_per_day": 3, "salary_per_month": 3000}},
    }
    d.update(over)
    return Scenario.model_validate(d)


def run(plan: Scenario, replicate: int = 0) -> CommunityModel:
    m = CommunityModel(plan, replicate=replicate)
    m.run()
    return m


def lotteries(per_week: int) -> dict:
    return {"lottery": {"schedule": {"per_week": per_week}, "prize": 0.5, "win_prob": 0.2}} if per_week else {}


# ----------------------------------------------------------------------------- fatigue
def test_fatigue_at_or_below_tolerance_changes_nothing():
    """Two promotions a week (the tolerance): bit for bit the run without fatigue."""
    on = plan_of(campaigns=lotteries(2))
    off = apply_overrides(on, {"fatigue.enabled": False})
    a, b = run(on).timeseries(), run(off).timeseries()
    assert a.equals(b)
    assert a["muted"].sum() == 0


def test_fatigue_mutes_at_the_stated_rate():
    """A lottery every day: pressure min(day + 1, 7) promotions a week, so the mute hazard
    on day t is 0.002 * max(0, min(t + 1, 7) - 2) for each member (status member) placed
    that morning, who are yesterday's members minus yesterday's dormant. The mutes agree
    with the sum of those hazards within 4 binomial SE + 1."""
    plan = plan_of(campaigns=lotteries(7))
    m = run(plan)
    ts = m.timeseries()
    s = plan.fatigue
    t = ts["day"].to_numpy()
    h = s.mute_per_promotion * np.maximum(0.0, np.minimum(t + 1, 7) - s.tolerance_per_week)
    n = np.r_[plan.members.initial, (ts["members"] - ts["dormant"]).to_numpy()[:-1]]
    expect = float((h * n).sum())
    sd = float(np.sqrt((h * (1 - h) * n).sum()))
    got = float(ts["muted"].sum())
    assert expect > 30
    assert abs(got - expect) <= 4 * sd + 1, (got, expect, sd)


def test_fatigue_dose_response_is_increasing():
    """Leavers (mean over 4 paired replicates) rise with promotions a week above the
    tolerance, and each fatigued plan loses more members than the same plan without
    fatigue (the promotions' own lifts are the same in both)."""
    churned = {}
    for k in (2, 4, 7):
        on = plan_of(campaigns=lotteries(k))
        off = apply_overrides(on, {"fatigue.enabled": False})
        c_on = [run(on, r).timeseries()["churned"].iloc[-1] for r in range(4)]
        c_off = [run(off, r).timeseries()["churned"].iloc[-1] for r in range(4)]
        churned[k] = float(np.mean(c_on) - np.mean(c_off))
    assert churned[2] == 0.0
    assert 0 < churned[4] < churned[7], churned


# ----------------------------------------------------------------------------- ads
def test_ads_degrade_activity_and_moderation_restores_it():
    ads = {"ad_poster_share": 0.1, "ads_per_day": 3.0, "ad_decay": 0.5}
    none = plan_of()
    free = plan_of(moderation={**ads, "enabled": False})
    ruled = plan_of(moderation={**ads, "actions": ["mute", "remove"]})
    act = {
        k: np.mean([run(p, r).timeseries()["active"].mean() for r in range(3)])
        for k, p in (("none", none), ("free", free), ("ruled", ruled))
    }
    assert act["free"] < act["none"]
    assert act["free"] < act["ruled"]
    f, g = run(free).timeseries(), run(ruled).timeseries()
    assert f["ads_caught"].sum() == 0 and g["ads_caught"].sum() > 0
    assert g["ads_posted"].sum() < f["ads_posted"].sum()
    assert g["removed_for_ads"].sum() > 0
    # each caught ad costs 5 minutes at 30 an hour, exactly
    np.testing.assert_allclose(g["cost_moderation"].sum(), g["ads_caught"].sum() * 5 / 60 * 30)
    joined = ruled.members.initial + g["new_members"].cumsum()
    assert (g["members"] == joined - g["churned"]).all()


def test_ad_group_takes_the_ads_out_of_the_groups():
    ads = {"ad_poster_share": 0.1, "ads_per_day": 3.0, "actions": ["warn"], "warn_compliance": 0.0}
    plain = run(plan_of(moderation=ads))
    adg = run(plan_of(moderation={**ads, "ad_group": True, "ad_group_accept": 1.0}))
    assert adg.life.moderation.in_ad_group.sum() > 0
    # once moved, a poster's ads no longer reach the ordinary groups: fewer ads there
    assert adg.life.moderation.ads.sum() < plain.life.moderation.ads.sum()


# ----------------------------------------------------------------------------- self-organisation
SELF = {
    "enabled": True,
    "start_day": 10,
    "min_parent_size": 30,
    "spawn_prob": 0.5,
    "min_tenure_days": 5,
    "min_active_days": 2,
    "approval_hours": 1.0,
    "staff_hourly_cost": 40.0,
    "stipend_per_month": 30.0,
}


def test_self_organisation_opens_member_run_groups_and_books_their_cost():
    base = plan_of()
    so = plan_of(self_organisation=SELF)
    a, b = run(base), run(so)
    ta, tb = a.timeseries(), b.timeseries()
    assert tb["groups"].iloc[-1] > ta["groups"].iloc[-1]
    life = b.life.selforg
    G = b.n_groups
    run_by = np.nonzero(life.admin[:G] >= 0)[0]
    assert len(run_by) > 0 and life.spawned > 0
    admins = life.admin[run_by]
    assert (b.pop.group[admins] == run_by).all() and (b.pop.role[admins] == ROLE_MEMBER_ADMIN).all()
    assert (b.pop.status[admins] == MEMBER).all()
    assert (b.g_size[:G] >= 0).all()
    placed = (b.pop.status == 1) | (b.pop.status == 2)
    assert np.array_equal(np.bincount(b.pop.group[placed], minlength=G)[:G], b.g_size[:G])
    # money: 1 hour at 40 per new admin, 30 a month (per day 1/30) per running admin
    stip = tb["member_run_groups"].shift(1, fill_value=0)  # admins counted at yesterday's end
    cost = tb["cost_self_organisation"].sum()
    assert cost >= life.admins_appointed * 40.0
    assert cost <= life.admins_appointed * 40.0 + (stip.sum() + tb["member_run_groups"].sum()) * 1.0 + 1e-6


def test_buyers_subgroups_take_only_paying_members():
    """``follow: paying`` (a parents' VIP group): everyone in a member-run sub-group but
    its admins (present and past) is a buyer."""
    conv = {"first_purchase_prob": 0.05, "repurchase_prob": 0.05}
    members = {
        "initial": 400,
        "organic_join_prob": 0.0,
        "referral": {"invite_prob": 0.0, "accept_prob": 0.3},
        "conversion": conv,
    }
    plan = plan_of(
        members=members, self_organisation={**SELF, "follow": "paying", "follow_share": 1.0}, horizon_days=25
    )
    m = run(plan)
    so = m.life.selforg
    sub = np.nonzero(so.member_run[: m.n_groups])[0]
    assert len(sub) > 0
    placed = (m.pop.status == 1) | (m.pop.status == 2)
    admins = [i for _, i, _ in so.appointed]
    who = np.nonzero(placed & np.isin(m.pop.group, sub))[0]
    followers = who[~np.isin(who, admins)]
    # nobody joins after day 0 (no invitations, no organic joins): all came as followers
    assert len(followers) > 0
    assert (m.pop.paying[followers] == 1).all()


@pytest.mark.slow
def test_self_organised_interest_community_reaches_300_groups():
    """The practice case: 300+ groups in a year with fewer than 10 staff, by
    self-organisation (the plan's base); without it the plan stays far below."""
    from growthsim.scenario import ScenarioFile

    sf = ScenarioFile("scenarios/interest_community.yaml")
    plans = sf.plans()
    staff = sum(s.count for s in plans["base"].staff.values())
    assert staff < 10
    g = build_graph(plans["base"].market.graph, plans["base"].market.size, plans["base"].seed)
    b = CommunityBatch(plans["base"], replicates=range(2), graph=g)
    b.run()
    groups = [m.timeseries()["groups"].iloc[-1] for m in b.models]
    run_by = [m.timeseries()["member_run_groups"].iloc[-1] for m in b.models]
    assert min(groups) >= 300, groups
    assert min(run_by) >= 150, run_by
    n = CommunityModel(plans["no_self_organisation"], graph=g)
    n.run()
    assert n.timeseries()["groups"].iloc[-1] < 0.7 * min(groups)


# ----------------------------------------------------------------------------- offline events
EVENT = {
    "kind": "offline_event",
    "schedule": {"every_days": 5},
    "events_per_day": 2,
    "capacity": 12,
    "new_share": 0.5,
    "new_member_days": 10,
    "cost_per_event": 200.0,
    "cost_per_attendee": 30.0,
    "purchase_prob": 0.3,
}


def test_offline_events_seat_count_cost_and_orders():
    members = {"initial": 400, "organic_join_prob": 0.004, "referral": {"invite_prob": 0.03, "accept_prob": 0.3}}
    plan = plan_of(campaigns={"meetups": EVENT}, horizon_days=40, members=members)
    m = run(plan)
    ts = m.timeseries()
    ag = m.campaigns[0]
    days = plan.campaign_event_days("meetups")
    assert ag.held == 2 * len(days)
    assert ag.attendees_total == ts["offline_attendees"].sum() == 12 * ag.held
    # half the seats for new members while there are both new and older members: from
    # day 10 on (the initial members joined on day 0, new_member_days is 10), 6 + 6
    for day, n_new, n in ag.log:
        assert n == 12
        assert n_new == (12 if day < 10 else 6), (day, n_new)
    np.testing.assert_allclose(ts["cost_campaign:meetups"].sum(), 200.0 * ag.held + 30.0 * ag.attendees_total)
    n = ag.attendees_total
    assert abs(ag.orders_total - 0.3 * n) <= 4 * np.sqrt(0.3 * 0.7 * n) + 1


def test_offline_events_raise_engagement_and_buying():
    """Paired: the same plan with and without the events, mean over 3 replicates."""
    with_ev = plan_of(campaigns={"meetups": {**EVENT, "events_per_day": 5}})
    without = plan_of()
    buy = {
        k: np.mean([run(p, r).timeseries()["purchases"].sum() for r in range(3)])
        for k, p in (("with", with_ev), ("without", without))
    }
    act = {
        k: np.mean([run(p, r).timeseries()["active"].mean() for r in range(3)])
        for k, p in (("with", with_ev), ("without", without))
    }
    assert buy["with"] > buy["without"]
    assert act["with"] > act["without"]


# ----------------------------------------------------------------------------- group health
def test_health_blue_for_unmanaged_and_red_for_spam():
    unmanaged = run(plan_of(staff={}, horizon_days=20)).timeseries()
    # every rated group without staff is flagged: blue, or worse when its activity fell too
    last = unmanaged.iloc[-1]
    assert last["health_blue"] > 0
    assert last["health_blue"] + last["health_yellow"] + last["health_red"] == last["groups_rated"] > 0
    managed = run(plan_of(horizon_days=20, staff={"admin": {"count": 10, "groups_each": 3}})).timeseries()
    assert managed["health_blue"].sum() == 0
    spam = plan_of(moderation={"ad_poster_share": 0.2, "ads_per_day": 5.0, "enabled": False}, horizon_days=20)
    ts = run(spam).timeseries()
    assert ts["health_red"].iloc[-1] > 0
    frame = run(spam).group_health()
    assert set(frame.columns) == {"day", "group", "size", "active", "activity_rate", "member_run", "level"}
    assert (frame["level"] == "red").any()


# ----------------------------------------------------------------------------- engines
def all_of_it(**over) -> Scenario:
    return plan_of(
        campaigns={"lottery": lotteries(5)["lottery"], "meetups": EVENT},
        moderation={"ad_poster_share": 0.05, "ad_group": True},
        self_organisation=SELF,
        **over,
    )


def test_batch_and_single_model_run_group_life_identically():
    plan = all_of_it(horizon_days=40)
    g = build_graph(plan.market.graph, plan.market.size, plan.seed)
    b = CommunityBatch(plan, replicates=range(3), graph=g, parallel=True)
    b.run()
    s = CommunityBatch(plan, replicates=[1], graph=g, parallel=False)
    s.run()
    m = CommunityModel(plan, replicate=1, graph=g)
    m.run()
    assert b.models[1].timeseries().equals(m.timeseries())
    assert s.models[0].timeseries().equals(m.timeseries())
    ts = m.timeseries()
    for col in ("muted", "ads_posted", "offline_attendees", "subgroups_opened"):
        assert ts[col].sum() > 0, col


@pytest.mark.slow
def test_reference_model_docks_on_group_life():
    """The one-agent-per-person reference model runs the same group-life rules (they act
    through the arrays and ``_members_changed``): its means agree with the engine's, day by
    day and column by column, within 4 SE of the difference + (1 + 3%), as in
    tests/test_reference.py."""
    plan = all_of_it(horizon_days=40)
    g = build_graph(plan.market.graph, plan.market.size, plan.seed)
    cols = [c for c in CommunityModel(plan, graph=g).counter_names() if c != "day"]

    def runs(cls, seed):
        out = []
        for r in range(12):
            m = cls(plan, seed=seed, replicate=r, graph=g)
            m.run()
            out.append(m.timeseries()[cols].to_numpy(dtype=float))
        return np.array(out)

    a, b = runs(CommunityModel, 41), runs(ReferenceModel, 42)
    ma, mb = a.mean(0), b.mean(0)
    se = np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))
    floor = 1.0 + 0.03 * np.maximum(np.abs(ma), np.abs(mb))
    bad = np.abs(ma - mb) > 4.0 * se + floor
    msgs = [f"day {d} {cols[k]}: {ma[d, k]:.1f} vs {mb[d, k]:.1f}" for d, k in zip(*np.nonzero(bad))]
    assert msgs == []
    for col in ("muted", "ads_posted", "offline_attendees", "member_run_groups"):
        assert a[:, :, cols.index(col)].sum() > 0, col


THREADS_SCRIPT = """
import json, sys, numba
sys.path.insert(0, {tests!r})
from test_group_life import all_of_it
from growthsim.model.batch import CommunityBatch
out = {{}}
for t in (1, 2, 4):
    numba.set_num_threads(t)
    b = CommunityBatch(all_of_it(horizon_days=30), replicates=range(4))
    b.run()
    out[t] = [m.timeseries().to_csv() for m in b.models]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_group_life_identical_at_1_2_and_4_threads():
    got = run_at_4_threads(THREADS_SCRIPT)
    assert got["1"] == got["2"] == got["4"]


def test_leave_and_decay_multipliers_are_the_stated_ones():
    """Every group managed and below its target (no crowding): the group levels without
    group life are exactly a churn multiplier of 1 and the plan's daily decay. With a
    lottery every day and ad posters, day t's levels must be exactly
    ``1 + leave_per_promotion * excess`` and ``daily_decay * (1 + ad_decay * a_g)``,
    ``excess = max(0, x_g - 2)``, ``x_g = min(t + 1, 7) + 0.5 * ads_g`` (ads a week over the
    last 7 days), ``a_g`` the ads a day."""
    plan = plan_of(
        campaigns=lotteries(7),
        groups={"target_size": 500, "max_size": 500},
        staff={"admin": {"count": 4, "groups_each": 3, "hours_per_day": 3}},
        moderation={"ad_poster_share": 0.05, "enabled": False, "ad_decay": 0.2},
        horizon_days=15,
    )
    m = CommunityModel(plan)
    s, mo = plan.fatigue, plan.moderation
    for t in range(15):
        G = max(1, m.n_groups)  # the groups of the morning (placement may open more later)
        m.run_until(t + 1)
        assert (m.g_managed[:G] == 1).all() and (m.g_size[:G] < 500).all()
        ads = m.life.moderation.ads_window[:G]
        x = min(t + 1, 7) + s.ad_weight * ads
        excess = np.maximum(0.0, x - s.tolerance_per_week)
        np.testing.assert_allclose(m._lv.churn[:G], 1.0 + s.leave_per_promotion * excess, rtol=1e-12)
        np.testing.assert_allclose(
            m._lv.decay[:G], plan.members.engagement.daily_decay * (1.0 + mo.ad_decay * ads / 7), rtol=1e-12
        )
    assert m.life.moderation.ads_window.sum() > 0


def test_sweeps_know_the_group_life_series():
    from growthsim.experiments.schema import SERIES_NAMES
    from growthsim.model.social import COUNTERS

    assert set(COUNTERS) <= set(SERIES_NAMES)
