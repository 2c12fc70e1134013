"""The engine's reported figures recomputed from member records, day by day.

Each test steps a run one day at a time, keeps its own record of what every member did
(which days each was active, bought, joined, left) and recomputes a reported counter or
payment from that record with the rule's own definition, not with the engine's formula.
They are exact (no tolerance): the same run, two ways of counting. Each guards a bug that
the rest of the suite once let through (see ``docs/testing.md``, planted bugs):

- WAU/MAU: active at least once in the last 7 / 30 days (a window one day short or long);
- check-in cash-back: the reward paid on the day a run of active days reaches a multiple of
  ``streak_days`` (a streak counted one day short);
- VIP churn multiplier: a VIP member's leave hazard times ``churn_multiplier`` (ignored);
- referral credit: every accepted invitation credited to its referrer, in well-mixed markets
  as on graphs (not credited in well-mixed markets).
"""

from __future__ import annotations

import numpy as np
import pytest

from growthsim.kernels import rng as R
from growthsim.kernels.daily import CHURNED, DORMANT, MEMBER, SRC_INITIAL, SRC_REFERRAL
from growthsim.model.community import CommunityModel
from growthsim.scenario import Scenario

from conftest import LIVELY_MEMBERS, lively_plan


def _step_and_record(m: CommunityModel):
    """Run ``m`` day by day; yield ``(day, active_today, purchases_before, revenue_before)``
    after each day, ``active_today`` the members whose last active day is today."""
    pop = m.pop
    for d in range(m.horizon):
        purchases_before = pop.purchases.copy()
        revenue_before = pop.revenue.copy()
        m.run_until(d + 1)
        yield d, pop.last_active == d, purchases_before, revenue_before


# ----------------------------------------------------------------------- WAU / MAU


@pytest.mark.parametrize("graph", ["watts_strogatz", "well_mixed"])
def test_daily_counters_recomputed_from_member_records(graph):
    """Every day: ``active`` is the members active today; ``wau`` / ``mau`` the members
    still in the community who were active at least once on days ``d-6..d`` /
    ``d-29..d`` (from the record of each day's active members, not from last-active
    days); members, dormant, paying, VIP members; orders, first orders, revenue from the
    members' own purchase counters; joins by source, leavers, accepted invitations."""
    sc = lively_plan(
        horizon_days=75,
        market={"size": 3000, "graph": {"model": graph, "mean_degree": 10}},
        groups={"target_size": 60, "vip": {"enabled": True, "start_day": 20, "every_days": 10, "min_tenure_days": 10}},
    )
    m = CommunityModel(sc, seed=3)
    pop = m.pop
    history = np.zeros((sc.horizon_days, pop.n), dtype=bool)
    differ7 = differ30 = 0  # days on which a window one day off would count differently
    for d, active, p0, r0 in _step_and_record(m):
        history[d] = active
        c = m.counters
        inside = (pop.status == MEMBER) | (pop.status == DORMANT)
        week = history[max(0, d - 6) : d + 1].any(axis=0)
        month = history[max(0, d - 29) : d + 1].any(axis=0)
        assert c["active"] == active.sum(), d
        assert c["wau"] == (inside & week).sum(), d
        assert c["mau"] == (inside & month).sum(), d
        if d >= 7:
            differ7 += (inside & history[d - 7] & ~week).sum() > 0
        if d >= 30:
            differ30 += (inside & history[d - 30] & ~month).sum() > 0
        assert c["members"] == inside.sum() and c["dormant"] == (pop.status == DORMANT).sum(), d
        assert c["paying"] == (inside & (pop.paying == 1)).sum(), d
        assert c["vip_members"] == (inside & (pop.vip == 1)).sum(), d
        bought = pop.purchases - p0
        assert c["purchases"] == bought.sum() and c["first_purchases"] == ((p0 == 0) & (bought > 0)).sum(), d
        assert c["revenue"] == pytest.approx((pop.revenue - r0).sum(), rel=1e-9, abs=1e-9), d
        joined = (pop.join_day == d) & (pop.source != SRC_INITIAL)
        assert c["new_members"] == joined.sum(), d
        assert c["new_referral"] == c["invites_accepted"] == (joined & (pop.source == SRC_REFERRAL)).sum(), d
        assert c["churned"] == (pop.status == CHURNED).sum(), d
    ts = m.timeseries()
    # the plan is lively enough for the checks to bite: windows one day off differ on most
    # days, and money, VIPs, referral joins and dormancy all happen
    assert differ7 > 0.8 * (sc.horizon_days - 7) and differ30 > 0.5 * (sc.horizon_days - 30)
    assert ts["purchases"].sum() > 100 and ts["vip_members"].max() > 5
    assert ts["new_referral"].sum() > 20 and ts["dormant"].max() > 20


# ----------------------------------------------------------------------- check-in


@pytest.mark.parametrize("start, streak_days", [(0, 3), (12, 4)])
def test_checkin_rewards_per_day_from_each_members_run_of_active_days(start, streak_days):
    """Each day of the campaign, one reward for every member active that day whose run of
    consecutive active days, counted from the campaign's first day, is a multiple of
    ``streak_days``. Runs are recomputed from the record of each day's active members
    (not from the engine's streak counters). Propensity 0.9: long runs are common, so a
    streak counted one day short or long changes the payments on most days."""
    members = {**LIVELY_MEMBERS, "propensity": {"distribution": "constant", "value": 0.9}}
    end = 45
    camp = {
        "checkin_cashback": {
            "start_day": start,
            "end_day": end,
            "streak_days": streak_days,
            "reward": 2.0,
            "activity_multiplier": 1.0,
        }
    }
    sc = lively_plan(horizon_days=55, members=members, campaigns=camp)
    m = CommunityModel(sc, seed=5)
    run = np.zeros(m.pop.n, dtype=np.int64)
    expected = np.zeros(sc.horizon_days)
    for d, active, _, _ in _step_and_record(m):
        if start <= d <= end:
            run = np.where(active, run + 1, 0)
            expected[d] = ((run > 0) & (run % streak_days == 0) & active).sum()
    paid = m.timeseries()["cost_campaign:checkin_cashback"].to_numpy() / 2.0
    np.testing.assert_array_equal(paid, expected)
    assert m.campaigns[0].rewards == expected.sum()
    assert (expected[start + streak_days - 1 : end + 1] > 0).mean() > 0.8  # rewards on most days
    assert expected[: start + streak_days - 1].sum() == 0


# ----------------------------------------------------------------------- VIP churn


def _vip_plan(churn_multiplier: float, sensitivity: float = 3.0) -> Scenario:
    """300 members, nobody joins; one VIP selection round on day 20 (then none within the
    horizon); no crowding or unmanaged-group penalty, so a member's group does not change
    its leave hazard; nobody goes dormant (silent for 365 days)."""
    members = {
        **LIVELY_MEMBERS,
        "organic_join_prob": 0.0,
        "referral": {"invite_prob": 0.0},
        "conversion": {"first_purchase_prob": 0.2, "repurchase_prob": 0.1},
        "churn": {
            "base_hazard": 0.03,
            "engagement_sensitivity": sensitivity,
            "silent_days": 365,
            "dormant_hazard": 0.03,
        },
    }
    groups = {
        "target_size": 60,
        "max_size": 200,
        "crowding_penalty": 0.0,
        "unmanaged_churn_multiplier": 1.0,
        "vip": {
            "enabled": True,
            "start_day": 20,
            "every_days": 1000,
            "min_tenure_days": 10,
            "min_purchases": 1,
            "min_engagement": 0.0,
            "churn_multiplier": churn_multiplier,
        },
    }
    return lively_plan(horizon_days=90, members=members, groups=groups)


def _vip_run(sc: Scenario, seed: int = 2):
    """The model after the run and each member's VIP entry day (-1: never VIP)."""
    m = CommunityModel(sc, seed=seed)
    entry = np.full(m.pop.n, -1, dtype=np.int64)
    for d in range(sc.horizon_days):
        m.run_until(d + 1)
        entry[(m.pop.vip == 1) & (entry < 0)] = d
    return m, entry


def test_vip_leave_days_follow_the_hazard_times_the_multiplier_draw_by_draw():
    """With ``engagement_sensitivity = 0`` a member's leave hazard is ``base_hazard``
    (times ``churn_multiplier`` from the day it becomes VIP). Each member's leave day is
    recomputed from the run's own churn draws (``uniform(seed, day, P_CHURN, i)``): the
    first day whose draw is below the hazard. Exact, member by member."""
    sc = _vip_plan(0.3, sensitivity=0.0)
    m, entry = _vip_run(sc)
    pop, H, h = m.pop, sc.horizon_days, 0.03
    u = np.array([R.uniform_array(m.kernel_seed, d, R.P_CHURN, pop.n) for d in range(H)])
    ever = np.nonzero(pop.join_day >= 0)[0]
    days = np.arange(H)[:, None]
    hazard = np.where((entry[ever] >= 0) & (days >= entry[ever]), 0.3 * h, h)
    leaves = u[:, ever] < hazard
    predicted = np.where(leaves.any(axis=0), leaves.argmax(axis=0), -1)
    np.testing.assert_array_equal(pop.leave_day[ever], predicted)
    vip = entry[ever] >= 0
    assert vip.sum() > 30 and (pop.leave_day[ever][vip] >= 0).sum() > 5  # VIPs did leave
    # and the multiplier mattered: with it ignored, some VIPs would have left earlier
    ignored = np.where((u[:, ever] < h).any(axis=0), (u[:, ever] < h).argmax(axis=0), -1)
    assert (ignored[vip] != predicted[vip]).sum() > 5


def test_vip_churn_multiplier_paired_runs_with_the_same_vips():
    """Common random numbers: two runs that differ only in the VIP churn multiplier (0.4
    vs 1). Up to the selection day they are identical, so the same members become VIP on
    the same day (checked); nobody joins and VIP groups hold only VIPs, so ordinary members
    are untouched (checked: identical leave days). A VIP who leaves under 0.4 (draw below
    0.4 h) would also have left under 1 (draw below h) on the same day, as long as both
    stayed (the same engagement path), so each VIP leaves no earlier with the lower
    multiplier, and later for some. A default engagement-dependent hazard (theta = 3)."""
    low, e_low = _vip_run(_vip_plan(0.4))
    one, e_one = _vip_run(_vip_plan(1.0))
    np.testing.assert_array_equal(e_low, e_one)
    vip = e_low >= 0
    assert vip.sum() > 30
    ordinary = (low.pop.join_day >= 0) & ~vip
    np.testing.assert_array_equal(low.pop.leave_day[ordinary], one.pop.leave_day[ordinary])
    never = 10**6
    ld_low = np.where(low.pop.leave_day[vip] >= 0, low.pop.leave_day[vip].astype(np.int64), never)
    ld_one = np.where(one.pop.leave_day[vip] >= 0, one.pop.leave_day[vip].astype(np.int64), never)
    assert (ld_low >= ld_one).all()
    assert (ld_low > ld_one).sum() >= 5, ((ld_low > ld_one).sum(), (ld_one < never).sum())


# ----------------------------------------------------------------------- referral credit


@pytest.mark.parametrize("graph", ["well_mixed", "watts_strogatz"])
def test_every_accepted_invitation_is_credited_to_its_referrer(graph):
    """Each member's ``accepted`` count equals the people who joined naming them as
    referrer; the daily ``invites_accepted`` equals that day's referral joins; an invite
    reward (threshold 2) pays one reward per two accepted invitations of a member, and
    the scalars count the inviting members."""
    camp = {"invite_reward": {"threshold": 2, "reward": 5.0}}
    sc = lively_plan(market={"size": 3000, "graph": {"model": graph, "mean_degree": 10}}, campaigns=camp)
    m = CommunityModel(sc, seed=4)
    m.run()
    pop = m.pop
    referred = np.nonzero((pop.join_day >= 0) & (pop.referrer >= 0))[0]
    assert (pop.source[referred] == SRC_REFERRAL).all()
    credited = np.bincount(pop.referrer[referred], minlength=pop.n)
    np.testing.assert_array_equal(pop.accepted, credited)
    ts = m.timeseries()
    per_day = np.bincount(pop.join_day[referred], minlength=sc.horizon_days)
    np.testing.assert_array_equal(ts["invites_accepted"].to_numpy(), per_day)
    rewards = int((credited // 2).sum())
    assert m.campaigns[0].rewards == rewards > 5
    assert ts["cost_campaign:invite_reward"].sum() == pytest.approx(5.0 * rewards)
    sc_ = m.scalars()
    assert sc_["inviting_members"] == (credited > 0).sum() and sc_["invites_accepted_total"] == len(referred)


# ----------------------------------------------------------------------- lever bookkeeping


def test_volunteer_admins_and_internal_kols_hold_their_roles_and_tenure():
    """Day by day: every member promoted to volunteer admin that day was a member with at
    least ``min_tenure_days`` of tenure; the internal KOLs still in the community hold the
    KOL role (when a KOL who left is replaced, the others keep theirs); the VIP program's
    count of invitations equals the VIP members ever."""
    sc = lively_plan(
        horizon_days=80,
        members={**LIVELY_MEMBERS, "churn": {"base_hazard": 0.05}},
        volunteer_admins={
            "enabled": True,
            "start_day": 10,
            "every_days": 5,
            "per_round": 3,
            "max_total": 12,
            "min_tenure_days": 25,
        },
        kols={"inner": {"kind": "internal", "count": 4, "min_tenure_days": 5, "schedule": {"every_days": 2}}},
        groups={"target_size": 60, "vip": {"enabled": True, "start_day": 20, "every_days": 10, "min_tenure_days": 10}},
        channels={"ads": {"daily_budget": 100, "max_reach": 100, "join_rate": 0.1}},
    )
    m = CommunityModel(sc, seed=6)
    pop, kol = m.pop, m.kols[0]
    promoted = 0
    kol_changes = 0
    for d in range(sc.horizon_days):
        role_before, kols_before = pop.role.copy(), set(kol.members.tolist())
        m.run_until(d + 1)
        new = np.nonzero((pop.role == 2) & (role_before != 2))[0]
        assert (d - pop.join_day[new] >= 25).all(), (d, pop.join_day[new])
        promoted += len(new)
        alive = kol.members[pop.status[kol.members] == MEMBER]
        assert (pop.role[alive] == 1).all(), d  # replacing a KOL who left keeps the others
        assert (pop.role == 1).sum() <= 4 + len(kols_before), d
        kol_changes += set(kol.members.tolist()) != kols_before
    assert promoted > 5 and kol_changes > 2
    assert m.vip_program.invited == int(pop.vip.sum()) > 0
    # members who joined on day >= 55 can never have had 25 days of tenure by day 79
    assert not ((pop.role == 2) & (pop.join_day >= 55)).any()


def test_a_free_checkin_campaign_still_lifts_activity():
    """A campaign whose reward costs nothing is always affordable: it runs and lifts
    activity (paired with the same plan without it: more active member-days, no cost)."""
    camp = {"checkin_cashback": {"reward": 0.0, "activity_multiplier": 1.5}}
    off = CommunityModel(lively_plan(), seed=2)
    on = CommunityModel(lively_plan(campaigns=camp), seed=2)
    off.run()
    on.run()
    assert on.timeseries()["active"].sum() > 1.2 * off.timeseries()["active"].sum()
    assert on.timeseries()["cost"].sum() == off.timeseries()["cost"].sum()
