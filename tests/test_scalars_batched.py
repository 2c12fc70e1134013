"""End-of-run scalars of a batch computed at once from its stacked member arrays
(model.scalars.batch_scalars) equal, bit for bit, the one-model formulas (written out here
as they were before the batch computed them) on each model, and each replicate's scalars
equal those of the model run alone."""

from __future__ import annotations

import math

import numpy as np

from growthsim.graph import build_graph
from growthsim.metrics.health import summary as health_summary
from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel
from growthsim.model.membership import activity_retention
from growthsim.vocab import ROLE_VOLUNTEER_ADMIN
from test_group_life import all_of_it


def one_model(m) -> dict[str, float]:
    """``CommunityModel.scalars`` of one model, with numpy calls on its own arrays."""
    pop, H = m.pop, m.horizon
    ever = pop.join_day >= 0
    acts = np.sort(pop.active_days[ever])[::-1].astype(np.float64)
    total = acts.sum()

    def top(share: float) -> float:
        if total <= 0:
            return float("nan")
        k = max(1, int(math.ceil(share * len(acts))))
        return float(acts[:k].sum() / total)

    def retention(k: int) -> float:
        eligible = ever & (pop.join_day <= H - 1 - k)
        if not eligible.any():
            return float("nan")
        stay = (pop.leave_day[eligible] < 0) | (pop.leave_day[eligible] > pop.join_day[eligible] + k)
        return float(stay.mean())

    referred = np.nonzero((pop.referrer >= 0) & ever)[0]
    cycle = (
        float((pop.join_day[referred] - pop.join_day[pop.referrer[referred]]).mean()) if len(referred) else float("nan")
    )
    ex = m.ledger.exhausted_day
    return {
        "members_ever": float(ever.sum()),
        "activity_top20_share": top(0.20),
        "activity_top1_share": top(0.01),
        "retention_d1": retention(1),
        "retention_d7": retention(7),
        "retention_d30": retention(30),
        **activity_retention(pop, H),
        "budget_exhausted_day": float("nan") if ex is None else float(ex),
        "viral_cycle_days": cycle,
        "inviting_members": float((pop.accepted > 0).sum()),
        "invites_accepted_total": float(pop.accepted.sum()),
        "payers_ever": float(pop.paying.sum()),
        "vip_members_ever": float(pop.vip.sum()),
        "promoted_admins": float((pop.role == ROLE_VOLUNTEER_ADMIN).sum()),
        "groups_opened": float(m.n_groups),
        **health_summary(m),
    }


def same(a: dict[str, float], b: dict[str, float]) -> bool:
    """Same keys in the same order, same values to the last bit (NaN equal to NaN)."""
    return list(a) == list(b) and np.array(list(a.values())).tobytes() == np.array(list(b.values())).tobytes()


def test_batch_scalars_are_the_one_model_formulas_and_the_model_alone():
    plan = all_of_it(horizon_days=45)
    g = build_graph(plan.market.graph, plan.market.size, plan.seed)
    b = CommunityBatch(plan, replicates=range(3), graph=g, parallel=True)
    b.run()
    seen = set()
    for r, m in enumerate(b.models):
        s = m.scalars()
        assert same(s, one_model(m)), r
        alone = CommunityModel(plan, replicate=r, graph=g)
        alone.run()
        assert same(alone.scalars(), s), r
        seen |= {k for k, v in s.items() if not math.isnan(v) and v != 0}
    # the figures were at work (not all NaN or zero), the early cohorts included
    assert {"activity_top1_share", "retention_d7", "activity_retention_w1", "viral_cycle_days"} <= seen


def test_a_model_before_its_last_day_gets_todays_scalars():
    plan = all_of_it(horizon_days=20)
    b = CommunityBatch(plan, replicates=range(2), parallel=False)
    for _ in range(10):
        b.step()
    first = b.models[1].scalars()
    assert same(first, one_model(b.models[1]))
    b.step()
    assert same(b.models[1].scalars(), one_model(b.models[1]))
    assert b.models[1].scalars()["members_ever"] >= first["members_ever"]
