"""Group health of a batch computed in one set of array operations over the replicates
(metrics.health.HealthBatch) gives the numbers of each model's tracker run on its own,
to the last bit: the daily warning-level counts and the weekly per-group snapshots."""

from __future__ import annotations

import growthsim.model.community as community
from growthsim.graph import build_graph
from growthsim.model.batch import CommunityBatch
from test_group_life import all_of_it, plan_of


class PerTracker:
    """Leaves each tracker to run by itself (the path before the batch computed it)."""

    def __init__(self, trackers) -> None:
        pass


def runs(plan):
    g = build_graph(plan.market.graph, plan.market.size, plan.seed)
    b = CommunityBatch(plan, replicates=range(4), graph=g, parallel=False)
    b.run()
    return b.models


def check(plan, monkeypatch) -> None:
    batched = runs(plan)
    assert all(m.life.health.batched for m in batched)
    with monkeypatch.context() as mp:
        mp.setattr(community, "HealthBatch", PerTracker)
        alone = runs(plan)
    assert not any(m.life.health.batched for m in alone)
    seen = 0.0
    for a, b in zip(batched, alone):
        ta, tb = a.timeseries(), b.timeseries()
        assert ta.to_numpy().tobytes() == tb.to_numpy().tobytes()
        fa, fb = a.group_health(), b.group_health()
        assert fa.equals(fb) and len(fa) > 0
        seen += float(ta[["health_red", "health_yellow", "health_blue"]].to_numpy().sum())
    assert seen > 0  # the levels were at work


def test_unmanaged_groups_and_spam(monkeypatch):
    check(plan_of(staff={}, horizon_days=30), monkeypatch)
    check(
        plan_of(moderation={"ad_poster_share": 0.2, "ads_per_day": 5.0, "enabled": False}, horizon_days=30), monkeypatch
    )


def test_all_of_group_life_with_groups_opening(monkeypatch):
    plan = all_of_it(horizon_days=40)
    check(plan, monkeypatch)
