"""Property tests: whatever the plan, people are conserved and counts stay sane."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from growthsim.model.community import CommunityModel
from growthsim.scenario import Scenario
from growthsim.vocab import CHURNED, DORMANT, MEMBER, OUTSIDER

prob = st.floats(0.0, 1.0, allow_nan=False)
small_prob = st.floats(0.0, 0.2, allow_nan=False)

plans = st.builds(
    lambda size, init, graph, deg, inv, acc, org, h0, hd, fp, rp, target, maxg, staff, byblock, blocks, life: {
        "name": "prop",
        "horizon_days": 25,
        "market": {"size": size, "graph": {"model": graph, "mean_degree": deg, "blocks": blocks}},
        "members": {
            # the schema rejects initial members that cannot all be placed within the caps
            "initial": min(init, size, maxg * max(target, 60) if maxg else size),
            "organic_join_prob": org,
            "referral": {"invite_prob": inv, "accept_prob": acc},
            "conversion": {"first_purchase_prob": fp, "repurchase_prob": rp},
            "churn": {"base_hazard": h0, "dormant_hazard": hd, "max_active_days": life},
        },
        "groups": {"target_size": target, "max_size": max(target, 60), "max_groups": maxg, "by_block": byblock},
        "staff": {"admin": {"count": staff, "groups_each": 2, "salary_per_month": 150}},
        "channels": {"ads": {"daily_budget": 50, "max_reach": 40, "join_rate": acc}},
        "campaigns": {"invite_reward": {"threshold": 2, "reward": 3, "budget_cap": 50}},
        "budget": {"monthly_cap": 400},
    },
    size=st.integers(50, 600),
    init=st.integers(0, 80),
    graph=st.sampled_from(["well_mixed", "erdos_renyi", "watts_strogatz", "powerlaw_cluster", "sbm"]),
    deg=st.integers(2, 12),
    inv=prob,
    acc=prob,
    org=small_prob,
    h0=small_prob,
    hd=small_prob,
    fp=prob,
    rp=prob,
    target=st.integers(2, 60),
    maxg=st.one_of(st.none(), st.integers(1, 8)),
    staff=st.integers(0, 3),
    byblock=st.booleans(),
    blocks=st.integers(1, 3),
    life=st.one_of(st.none(), st.integers(1, 5)),
)


@given(data=plans, seed=st.integers(0, 2**32))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_people_are_conserved_and_counts_never_negative(data, seed):
    plan = Scenario.model_validate(data)
    m = CommunityModel(scenario=plan, seed=seed)
    m.run()
    ts = m.timeseries()
    pop = m.pop
    st_ = pop.status
    # every person is in exactly one state; nobody counted twice
    assert np.isin(st_, [OUTSIDER, MEMBER, DORMANT, CHURNED]).all()
    ever = pop.join_day >= 0
    assert ever.sum() == plan.members.initial + ts["new_members"].sum()
    assert ((st_ != OUTSIDER) == ever).all()
    assert (st_ == CHURNED).sum() == ts["churned"].iloc[-1]
    in_group = (st_ == MEMBER) | (st_ == DORMANT)
    assert in_group.sum() == ts["members"].iloc[-1]
    # group sizes equal their members, caps hold
    G = m.n_groups
    assert (np.bincount(pop.group[in_group], minlength=G)[:G] == m.g_size[:G]).all()
    if plan.groups.max_groups is not None:
        ordinary = m.g_cat[:G] != m.vip_cat
        assert ordinary.sum() <= plan.groups.max_groups
        assert (m.g_size[:G][ordinary] <= plan.groups.max_size).all()
    assert (ts.drop(columns=["day"]) >= 0).all().all()
    # referral joins have a referrer who joined earlier
    ref = np.nonzero(pop.referrer >= 0)[0]
    assert (pop.join_day[pop.referrer[ref]] <= pop.join_day[ref]).all()
    # money: daily cost is the sum of its categories and of the ledger
    cats = [c for c in ts.columns if c.startswith("cost_")]
    assert np.allclose(ts[cats].sum(axis=1), ts["cost"])
    assert np.isclose(m.ledger.frame()["amount"].sum(), ts["cost"].sum())
    month = ts["day"] // 30
    disc = ts[[c for c in cats if c.startswith("cost_channel") or c.startswith("cost_campaign")]].sum(axis=1)
    fixed = ts["cost"] - disc
    # discretionary spending never takes a month past its cap; fixed costs are always paid
    assert (disc.groupby(month).sum() <= 400 + 1e-6).all()
    # the month's spending runs past the cap only by fixed costs paid after the cap was reached
    for mo, grp in ts.groupby(month):
        idx = grp.index
        cum = (disc + fixed)[idx].cumsum()
        last_disc = idx[disc[idx] > 0]
        if len(last_disc):
            assert cum[last_disc[-1]] <= 400 + 1e-6
    assert np.isclose(fixed.sum(), sum(150 / 30 * staff for staff in [plan.staff["admin"].count]) * plan.horizon_days)
    assert (pop.revenue >= 0).all() and np.isclose(pop.revenue.sum(), ts["revenue"].sum())
