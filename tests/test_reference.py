"""Docking the engine with the reference model (one Mesa agent per person, plain Python).

Both models implement the same member rules with independent random streams (the engine's
counter-based hashes, the reference's ``random.Random``), so they must agree in
distribution. For every day and every compared column the means over replicates must
satisfy

    |mean_engine - mean_reference| <= 4 * SE_diff + floor,
    SE_diff = sqrt(s_e^2 / R + s_r^2 / R),

4 standard errors: a single comparison of two equal-mean samples fails with probability
~6e-5 (normal approximation; with R = 20 the t tails make it ~1e-3), small enough over the
~300 correlated daily comparisons of a column. ``floor`` (1 person, or 1 unit of money,
+ 3% of the level) absorbs days where both sample variances are ~0 and the sample-SE
noise of only R replicates.

Every daily series both models produce is compared (``DOCKED``: all columns of the time
series but ``day``): members, active, WAU, MAU, dormant, churned, joins by source,
invitations sent and accepted, payers, first and all purchases, revenue, gross margin,
cost and each cost category, groups, managed groups, VIP members, recalled, woken and
budget-blocked days. Money columns use the same rule in money (the log-normal order
values widen their SE; fixed costs agree exactly). A test of the test shows the criterion
has teeth: a 50% change in the invite acceptance probability is caught, in several series.
"""

from __future__ import annotations

import numpy as np
import pytest

from growthsim.graph import build_graph
from growthsim.model.community import CommunityModel
from growthsim.reference import MIRRORED_FIELDS, ReferenceModel
from growthsim.scenario import Scenario

R = 20


def full_plan(**over) -> Scenario:
    """A small market with every kind of lever: a paid channel, five campaign kinds,
    staff, volunteer admins, external and internal KOLs, VIP groups, several groups."""
    d = {
        "name": "reference-docking",
        "seed": 3,
        "horizon_days": 60,
        "replicates": R,
        "market": {"size": 2000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        "members": {
            "initial": 150,
            "organic_join_prob": 0.0005,
            "propensity": {"alpha": 0.5, "beta": 2.0},
            "referral": {"invite_prob": 0.03, "accept_prob": 0.3},
            "churn": {"silent_days": 5},
        },
        "groups": {
            "target_size": 40,
            "max_size": 60,
            "vip": {"enabled": True, "start_day": 20, "every_days": 5, "min_tenure_days": 10},
        },
        "staff": {"admin": {"count": 2, "groups_each": 2, "hours_per_day": 2, "salary_per_month": 3000}},
        "volunteer_admins": {"enabled": True, "start_day": 15, "every_days": 7, "min_tenure_days": 10},
        "kols": {
            "star": {"kind": "external", "schedule": {"per_week": 2}, "cost_per_post": 50, "groups_reached": 2},
            "insiders": {"kind": "internal", "count": 3, "min_tenure_days": 10, "schedule": {"every_days": 3}},
        },
        "campaigns": {
            "invite_reward": {"start_day": 5, "end_day": 40, "threshold": 2},
            "checkin_cashback": {"start_day": 10, "streak_days": 3},
            "lottery": {"schedule": {"every_days": 14}},
            "flash_sale": {"start_day": 25, "duration_days": 2},
            "lecture": {"schedule": {"days": [12, 35]}},
        },
        "channels": {"ads": {"daily_budget": 200, "max_reach": 300, "join_rate": 0.05, "end_day": 30}},
    }
    for k, v in over.items():
        d[k] = v
    return Scenario.model_validate(d)


def docked(plan: Scenario) -> list[str]:
    """The compared columns: every daily series of the plan's time series but ``day``."""
    return [c for c in CommunityModel(plan).counter_names() if c != "day"]


def _runs(cls, plan: Scenario, seed: int, reps: int = R) -> np.ndarray:
    """(replicates, days, columns) array of the compared columns (:func:`docked`)."""
    g = build_graph(plan.market.graph, plan.market.size, plan.seed)
    cols = docked(plan)
    out = []
    for r in range(reps):
        m = cls(plan, seed=seed, replicate=r, graph=g)
        m.run()
        ts = m.timeseries()
        assert list(ts.columns) == ["day", *cols]
        out.append(ts[cols].to_numpy(dtype=float))
    return np.array(out)


def _disagreements(a: np.ndarray, b: np.ndarray, cols: list[str]) -> list[str]:
    """Days/columns where the means differ by more than 4 SE of the difference + floor."""
    ma, mb = a.mean(0), b.mean(0)
    se = np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))
    floor = 1.0 + 0.03 * np.maximum(np.abs(ma), np.abs(mb))
    bad = np.abs(ma - mb) > 4.0 * se + floor
    return [
        f"day {d} {cols[k]}: engine {ma[d, k]:.1f} vs reference {mb[d, k]:.1f} (SE {se[d, k]:.2f})"
        for d, k in zip(*np.nonzero(bad))
    ]


def _level(a: np.ndarray, cols: list[str], col: str) -> float:
    """Mean over replicates and days of one column: the series is not ~0 everywhere."""
    return float(a[:, :, cols.index(col)].mean())


@pytest.fixture(scope="module")
def engine_full() -> np.ndarray:
    return _runs(CommunityModel, full_plan(), seed=101)


#: series that must be clearly non-zero in the all-levers plan (mean per day), so their
#: comparison is not vacuous
LIVE = {
    "members": 300,
    "active": 20,
    "wau": 50,
    "mau": 100,
    "dormant": 20,
    "paying": 5,
    "purchases": 0.5,
    "revenue": 30,
    "invites_sent": 5,
    "invites_accepted": 1,
    "new_ads": 1,
    "cost_campaign:checkin_cashback": 1,
    "cost_campaign:invite_reward": 1,
    "vip_members": 1,
}


@pytest.mark.slow
def test_reference_matches_engine_with_all_levers(engine_full):
    plan = full_plan()
    cols = docked(plan)
    ref = _runs(ReferenceModel, plan, seed=202)  # independent seeds: independent samples
    assert engine_full[:, -1, cols.index("members")].mean() > 400  # the plan grows
    for col, level in LIVE.items():
        assert _level(engine_full, cols, col) > level, col
    assert _disagreements(engine_full, ref, cols) == []


@pytest.mark.slow
def test_criterion_detects_a_changed_rule(engine_full):
    plan = full_plan()
    cols = docked(plan)
    changed = plan.model_copy(deep=True)
    changed.members.referral.accept_prob = 0.45
    other = _runs(CommunityModel, changed, seed=303)
    bad = _disagreements(engine_full, other, cols)
    assert len(bad) > 10
    assert {"members", "invites_accepted", "wau"} <= {b.split()[2].rstrip(":") for b in bad}


def test_reference_matches_engine_well_mixed():
    """The well-mixed market: word of mouth by Poisson invitations to random people (the
    reference) versus one 'invited at least once' draw per outsider (the engine). Buyers
    buy more often than by default, so that purchases and revenue are docked too."""
    members = full_plan().members.model_dump()
    members["conversion"] = {"first_purchase_prob": 0.04, "repurchase_prob": 0.06}
    plan = full_plan(
        market={"size": 2000, "graph": {"model": "well_mixed", "mean_degree": 10}},
        horizon_days=40,
        campaigns={},
        kols={},
        members=members,
    )
    cols = docked(plan)
    eng = _runs(CommunityModel, plan, seed=11, reps=12)
    ref = _runs(ReferenceModel, plan, seed=12, reps=12)
    assert eng[:, -1, cols.index("members")].mean() > 300
    assert _level(eng, cols, "invites_accepted") > 1 and _level(eng, cols, "purchases") > 0.3
    assert _disagreements(eng, ref, cols) == []


def test_reference_same_columns_deterministic_and_mirrored():
    plan = full_plan(horizon_days=36, market={"size": 600, "graph": {"model": "watts_strogatz", "mean_degree": 6}})
    a = ReferenceModel(plan, seed=5)
    a.run()
    b = ReferenceModel(plan, seed=5)
    b.run()
    e = CommunityModel(plan, seed=5)
    e.run()
    assert list(a.timeseries().columns) == list(e.timeseries().columns)
    assert a.timeseries().dtypes.equals(e.timeseries().dtypes)
    assert a.timeseries().equals(b.timeseries())
    # the arrays the levers and results read mirror the people's own state
    for f in MIRRORED_FIELDS:
        want = np.array([getattr(p, f) for p in a.people], dtype=getattr(a.pop, f).dtype)
        assert np.array_equal(getattr(a.pop, f), want), f
    # one Person agent per person of the market, placed on the Network's cells
    assert len(a.people) == 600 and a.network is not None
    assert all(p.cell.coordinate == p.pid for p in a.people[:50])
    deg = np.diff(a.graph.indptr)
    assert [len(p.friends) for p in a.people] == deg.tolist()


def test_reference_matches_engine_with_structural_options():
    """Blocks (SBM), regional groups, a group cap that binds (8 x 50 places), a channel aimed at one block with an
    intake cap, replayed sign-ups and complex contagion (social reinforcement)."""
    plan = full_plan(
        market={"size": 1500, "graph": {"model": "sbm", "mean_degree": 8, "blocks": 3}},
        horizon_days=40,
        members={
            "initial": 90,
            "organic_join_prob": 0.0003,
            "referral": {"invite_prob": 0.05, "accept_prob": 0.15, "social_reinforcement": 0.5},
        },
        groups={"target_size": 30, "max_size": 50, "max_groups": 8, "by_block": True},  # room for 400
        channels={
            "local": {"base_reach": 200, "max_reach": 0, "join_rate": 0.1, "target_block": 1, "daily_intake_cap": 8}
        },
        replay={"daily_joins": [5] * 20, "start_day": 3},
        campaigns={},
        kols={},
    )
    cols = docked(plan)
    eng = _runs(CommunityModel, plan, seed=31, reps=12)
    ref = _runs(ReferenceModel, plan, seed=32, reps=12)
    assert eng[:, -1, cols.index("members")].mean() > 300
    assert _level(eng, cols, "new_replay") > 1 and _level(eng, cols, "new_local") > 1
    assert _disagreements(eng, ref, cols) == []
