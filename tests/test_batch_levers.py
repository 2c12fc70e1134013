"""The levers of a batch on one Mesa schedule (``model.batch_levers``): replicate ``r`` of
a batch still runs its levers' actions in the order, and with the results, of the model
run alone, including events a lever schedules while the batch runs (a flash sale's later
days, which depend on each replicate's money) and mornings where several rounds fall on
one day (volunteer promotion and their stipends, VIP selection, star awards, points)."""

from __future__ import annotations

import mesa
import pytest

from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel
from growthsim.scenario import Scenario
from test_batch import alone, fingerprint


def plan(**extra) -> Scenario:
    """Every kind of lever, a budget tight enough that replicates differ in what they can
    pay (so a sale starts in some replicates and not in others)."""
    data = {
        "name": "levers",
        "seed": 11,
        "horizon_days": 80,
        "replicates": 4,
        "market": {"size": 2000, "graph": {"model": "watts_strogatz", "mean_degree": 8}},
        "members": {
            "initial": 90,
            "organic_join_prob": 0.0004,
            "referral": {"invite_prob": 0.04},
            "conversion": {"first_purchase_prob": 0.02, "repurchase_prob": 0.08},
            "points": {"enabled": True, "exchange_points": 20, "exchange_value": 2},
            "star_awards": {"enabled": True, "start_day": 9, "every_days": 10, "winners": 3, "prize": 20},
        },
        "groups": {"target_size": 40, "vip": {"enabled": True, "start_day": 15, "every_days": 5}},
        "staff": {"admin": {"count": 2, "groups_each": 2}},
        "volunteer_admins": {"enabled": True, "start_day": 10, "every_days": 5, "max_total": 6},
        "channels": {
            "ads": {"daily_budget": 40, "max_reach": 30.5, "join_rate": 0.1, "cost_per_join": 1.5},
            # no budget: the same reach in every replicate, rounded by each one's own draw
            "posts": {"kind": "content", "base_reach": 12.4, "max_reach": 0, "join_rate": 0.05},
            # a budget on some days only
            "promo": {
                "max_reach": 20.5,
                "join_rate": 0.05,
                "budget_schedule": [{"start_day": 10, "end_day": 19, "daily_budget": 30}],
            },
        },
        "campaigns": {
            "invite": {"kind": "invite_reward", "start_day": 3, "end_day": 60, "reward": 3},
            "checkin": {"kind": "checkin_cashback", "start_day": 8, "end_day": 70},
            "draw": {"kind": "lottery", "schedule": {"start_day": 12, "every_days": 20}},
            "sale": {"kind": "flash_sale", "duration_days": 4, "schedule": {"start_day": 6, "every_days": 9}},
            "team": {
                "kind": "group_buy",
                "duration_days": 3,
                "invite_multiplier": 1.5,
                "schedule": {"days": [20, 21, 50]},
            },
            "talk": {"kind": "lecture", "schedule": {"start_day": 5, "every_days": 15}, "cost_per_event": 150},
        },
        "kols": {
            "star": {"kind": "external", "schedule": {"per_week": 2}, "groups_reached": 2, "cost_per_post": 30},
            "inside": {"kind": "internal", "count": 2, "schedule": {"per_week": 1}},
        },
        "budget": {"total": 7000, "monthly_cap": 2600},
    }
    data.update(extra)
    return Scenario.model_validate(data)


@pytest.fixture(scope="module")
def lever_plan() -> Scenario:
    return plan()


def test_batch_levers_equal_the_models_alone(lever_plan):
    b = CommunityBatch(lever_plan, replicates=range(4), parallel=False)
    b.run()
    assert [fingerprint(m) for m in b.models] == alone(lever_plan, range(4))
    # not vacuous: the sales' later days ran, and the replicates' money differed enough
    # that their sales (events scheduled while the batch ran) differ
    sales = [[c.events for c in m.campaigns if c.name in ("sale", "team")] for m in b.models]
    assert all(sum(s) > 0 for s in sales) and len({tuple(s) for s in sales}) > 1
    ts = [m.timeseries() for m in b.models]
    assert all(t["new_posts"].sum() > 0 for t in ts) and ts[0]["cost_channel:promo"].sum() > 0
    for col in ("cost_volunteer_admins", "cost_star_awards", "cost_points", "cost_kol:star", "vip_members"):
        assert ts[0][col].sum() > 0, col


def test_batch_runs_one_schedule(lever_plan):
    """The models' own queues are empty; the batch's clock holds each event once."""
    b = CommunityBatch(lever_plan, replicates=range(3), parallel=False)
    one = CommunityModel(scenario=lever_plan, replicate=0)
    assert all(len(m._event_list) == 0 and not m._event_generators for m in b.models)
    # one event per event of a model alone (whose own step event the clock does not have)
    assert len(b.mornings.clock._event_list) == len(one._event_list) - 1
    for d in range(30):
        b.step()
        one.run_until(d + 1)
        assert all(m.time == one.time == d + 1 and m.day == d for m in b.models)
    assert len(b.mornings.clock._event_list) == len(one._event_list) - 1 + len(b.mornings._pending) - len(
        [e for e in one._event_list._events if not e.CANCELED and e.fn and e.fn().__name__ == "sale_day"]
    )


def test_partial_batch_of_one(lever_plan):
    b = CommunityBatch(lever_plan, replicates=[2], parallel=False)
    b.run()
    assert [fingerprint(m) for m in b.models] == alone(lever_plan, [2])


def test_a_standing_order_given_after_the_build_runs(lever_plan):
    b = CommunityBatch(lever_plan, replicates=range(2), parallel=False)
    calls = []
    for m in b.models:
        m.standing_order(lambda m=m: calls.append((m.replicate, m.day)), 4, 6, mesa.time.Priority.HIGH)
    for _ in range(9):
        b.step()
    assert calls == [(r, d) for d in (4, 5, 6) for r in (0, 1)]


def test_vip_selection_over_the_roster_is_the_whole_market_test(monkeypatch, lever_plan):
    """VIP selection tests only the placed members (the roster): on every round it picks
    exactly the people the test over the whole market picks, with group life moving,
    muting and splitting members (and with the lever plan's campaigns)."""
    import numpy as np

    from growthsim.model.levers import VipProgram
    from growthsim.reference.model import ReferenceModel
    from growthsim.scenario.loader import apply_overrides
    from growthsim.vocab import MEMBER
    from test_group_life import all_of_it

    orig = VipProgram.select
    picked: list[int] = []

    def checked(self) -> None:
        m, s, pop = self.model, self.spec, self.model.pop
        want = np.nonzero(
            (pop.status == MEMBER)
            & (pop.vip == 0)
            & (pop.group >= 0)
            & (pop.purchases >= s.min_purchases)
            & (pop.eng >= s.min_engagement)
            & (m.day - pop.join_day >= s.min_tenure_days)
        )[0]
        before = pop.vip.copy()
        orig(self)
        assert np.array_equal(np.nonzero(pop.vip != before)[0], want)
        picked.append(len(want))

    monkeypatch.setattr(VipProgram, "select", checked)
    vip = {"enabled": True, "start_day": 10, "every_days": 3, "min_tenure_days": 5, "min_purchases": 0}
    group_life = all_of_it(groups={"target_size": 40, "max_size": 80, "vip": vip})
    for sc in (group_life, lever_plan):
        for r in range(2):
            CommunityModel(scenario=sc, replicate=r).run()
    assert len(picked) > 20 and sum(picked) > 0
    # the one-agent-per-person reference model keeps no roster: the whole market is tested
    n = len(picked)
    ReferenceModel(scenario=apply_overrides(group_life, {"horizon_days": 40}), network=False).run()
    assert len(picked) > n and sum(picked[n:]) > 0


def test_orders_with_a_batch_form_run_once_for_the_batch(monkeypatch):
    """Staff at work has a form for the batch (``levers.batch_form``): the batch calls it
    once a morning for all its replicates, not the order of every replicate."""
    from growthsim.model.levers import StaffAgent

    calls = []
    orig = StaffAgent.work.for_all

    def counted(staff, day):
        calls.append((len(staff), day))
        orig(staff, day)

    monkeypatch.setattr(StaffAgent.work, "for_all", counted)
    sc = plan(staff={"admin": {"count": 2, "groups_each": 2, "salary_per_month": 900}})
    b = CommunityBatch(sc, replicates=range(3), parallel=False)
    for _ in range(5):
        b.step()
    assert calls == [(3, d) for d in range(5)]  # one staff role: one order a morning
    assert all((m.ledger.by_category["staff"][:5] == 2 * 900 / 30.0).all() for m in b.models)


def test_vip_and_invite_reward_run_once_for_the_batch_on_a_tight_budget(monkeypatch):
    """VIP selection and the invite reward's hook after the referral pass have forms for
    the batch (one test over every replicate's roster; one ``np.unique`` over every
    replicate's referrers on counts stacked over the batch). On a budget tight enough that
    the replicates' rewards and blocked days differ, every replicate still equals its
    model alone, and the invite reward's counts are each model's own."""
    import numpy as np

    from growthsim.model.levers import InviteRewardAgent, VipProgram

    sizes: dict[str, list[int]] = {"vip": [], "invite": []}
    for key, fn in (("vip", VipProgram.select), ("invite", InviteRewardAgent.after_referral)):
        orig = fn.for_all

        def counted(levers, arg, key=key, orig=orig):
            sizes[key].append(len(levers))
            orig(levers, arg)

        monkeypatch.setattr(fn, "for_all", counted)
    sc = plan(budget={"total": 2500, "monthly_cap": 900})
    b = CommunityBatch(sc, replicates=range(4), parallel=False)
    b.run()
    solo = []
    for r in range(4):
        m = CommunityModel(scenario=sc, replicate=r)
        m.run()
        solo.append(m)
    assert [fingerprint(m) for m in b.models] == [fingerprint(m) for m in solo]
    assert max(sizes["vip"]) == 4 and max(sizes["invite"]) >= 2  # the forms ran for the batch
    invites = [[c for c in m.campaigns if c.name == "invite"][0] for m in (*b.models, *solo)]
    for a, s in zip(invites[:4], invites[4:]):
        assert np.array_equal(a.counts, s.counts) and (a.rewards, a.unpaid) == (s.rewards, s.unpaid)
    assert len({(c.rewards, c.unpaid) for c in invites[:4]}) > 1
    blocked = [frozenset(m.ledger.blocked_days) for m in b.models]
    assert all(blocked) and len(set(blocked)) > 1  # the replicates' money differed


def test_hooks_that_do_nothing_are_not_called():
    """``Today.watch`` lists an agent once, under the hooks it does something in
    (``levers.live_hooks``): the campaigns' own hooks; group life's after the activity only
    with ads posted (the batch runs the health)."""
    from growthsim.model.community import Today
    from growthsim.model.levers import live_hooks

    m = CommunityModel(scenario=plan(), replicate=0)
    kinds = {c.name: live_hooks(c) for c in m.campaigns}
    assert kinds == {
        "invite": (False, True, False),
        "checkin": (True, False, False),
        "draw": (True, False, False),
        "sale": (False, False, True),
        "team": (False, False, True),
        "talk": (False, False, False),
    }
    t = Today()
    invite, checkin = m.campaigns[0], m.campaigns[1]
    for a in (checkin, invite, checkin, m.life):
        t.watch(a)
    assert list(t.watchers.values()) == [checkin, invite, m.life]
    assert (t.on_activity, t.on_referral, t.on_conversion) == ([checkin, m.life], [invite], [])  # not yet batched
    b = CommunityBatch(plan(), replicates=range(2), parallel=False)
    b.step()
    assert all(live_hooks(x.life) == (False, False, False) for x in b.models)  # no ads: nothing to do
    ads = plan(moderation={"ad_poster_share": 0.2, "ads_per_day": 2.0})
    b = CommunityBatch(ads, replicates=range(2), parallel=False)
    b.step()
    assert all(live_hooks(x.life) == (True, False, False) for x in b.models)
