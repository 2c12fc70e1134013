"""The member engine: determinism, invariants, accounting."""

from __future__ import annotations

import os
import subprocess
import sys

import mesa
import numpy as np
import pytest

from growthsim.kernels import rng as R
from growthsim.model.community import CommunityModel
from growthsim.runner import run_plans, simulate

from conftest import lively_plan, small_plan


def test_same_seed_same_result_and_different_seed_differs(lively):
    a = simulate(lively, 11, 0).timeseries
    b = simulate(lively, 11, 0).timeseries
    c = simulate(lively, 11, 1).timeseries
    assert a.equals(b)
    assert not a.equals(c)
    assert not a["revenue"].equals(c["revenue"])  # money too, not only member counts


def test_counts_are_consistent(lively):
    plan = lively
    r = simulate(plan, 3, 0)
    ts = r.timeseries
    assert (ts[[c for c in ts.columns if c not in ("day",)]] >= 0).all().all()
    assert ts["purchases"].sum() > 50 and ts["first_purchases"].sum() > 20  # money flows
    # members = initial + joins - leavers, every day
    joined = plan.members.initial + ts["new_members"].cumsum()
    assert (ts["members"] == joined - ts["churned"]).all()
    sources = [c for c in ts.columns if c.startswith("new_") and c != "new_members"]
    assert (ts[sources].sum(axis=1) == ts["new_members"]).all()
    assert (ts["active"] <= ts["members"]).all() and (ts["dormant"] <= ts["members"]).all()
    assert (ts["wau"] <= ts["mau"]).all()
    assert (ts["paying"] <= ts["members"]).all()
    assert (ts["first_purchases"] <= ts["purchases"]).all()
    assert np.isclose(ts["gross_margin"], ts["revenue"] * plan.economics.gross_margin).all()
    # no member counted twice: people ever in the community = initial + joins
    assert r.scalars["members_ever"] == plan.members.initial + ts["new_members"].sum()


def test_group_sizes_match_members():
    plan = small_plan(groups={"target_size": 40, "max_size": 60})
    m = CommunityModel(scenario=plan, seed=1)
    m.run()
    G = m.n_groups
    placed = m.pop.group[(m.pop.status == 1) | (m.pop.status == 2)]
    counts = np.bincount(placed, minlength=G)[:G]
    assert (counts == m.g_size[:G]).all()
    assert m.g_size[:G].max() <= 60


def test_max_groups_caps_joins():
    plan = small_plan(
        groups={"target_size": 20, "max_size": 30, "max_groups": 5},
        members={"initial": 50, "organic_join_prob": 0.01},
    )
    ts = simulate(plan, 2).timeseries
    assert ts["members"].max() <= 150
    assert ts["groups"].max() <= 5


def test_mesa_event_clock_runs_one_step_per_day(plan):
    m = CommunityModel(scenario=plan, seed=5)
    m.run()
    assert m.steps == plan.horizon_days
    assert not m.running
    assert len(m.datacollector.get_model_vars_dataframe()) == plan.horizon_days


def test_batch_run_gives_one_row_per_run_equal_to_the_direct_run():
    """``mesa.batch_run`` over two replicates with an override: one row per run (the last
    day), each equal to the same model run directly, the override applied, the two
    replicates different."""
    plan = lively_plan(horizon_days=10)
    over = {"members.referral.invite_prob": 0.08}
    res = mesa.batch_run(
        CommunityModel,
        parameters={"scenario": [plan], "replicate": [0, 1], "overrides": [over]},
        rng=[plan.seed],
        max_steps=10,
        number_processes=1,
        display_progress=False,
    )
    assert len(res) == 2 and sorted(r["replicate"] for r in res) == [0, 1]
    rows = {r["replicate"]: r for r in res}
    for rep, row in rows.items():
        m = CommunityModel(scenario=plan, seed=plan.seed, replicate=rep, overrides=over)
        m.run()
        want = m.counters
        assert want["day"] == 9 and {k: row[k] for k in want} == want, rep
        base = CommunityModel(scenario=plan, seed=plan.seed, replicate=rep)
        base.run()
        assert base.timeseries()["invites_sent"].sum() < m.timeseries()["invites_sent"].sum()
    counts = [{k: rows[r][k] for k in want} for r in (0, 1)]
    assert counts[0] != counts[1]


def test_common_random_numbers_across_plans():
    """Order value changes money only: the members' dice are the same, so members and
    orders are identical day by day and revenue scales with the mean order value
    (360 / 120: the same log-normal draws times 3), order by order."""
    a = lively_plan()
    b = lively_plan(economics={"order_value": 360})
    assert a.economics.order_value == 120
    rs = run_plans({"a": a, "b": b}, replicates=2, seed=9)
    ta = rs.timeseries[rs.timeseries.variant == "a"].reset_index(drop=True)
    tb = rs.timeseries[rs.timeseries.variant == "b"].reset_index(drop=True)
    assert ta["members"].equals(tb["members"]) and ta["purchases"].equals(tb["purchases"])
    assert ta["purchases"].sum() > 100
    np.testing.assert_allclose(tb["revenue"].to_numpy(), 3.0 * ta["revenue"].to_numpy(), rtol=1e-12)


def test_counter_rng_is_uniform_and_keyed():
    u = R.uniform_array(np.uint64(123), 4, R.P_ACTIVE, 200_000)
    # mean of 2e5 uniforms: sd = 0.2887/sqrt(2e5) = 6.5e-4; 5 sd tolerance
    assert abs(u.mean() - 0.5) < 5 * 6.5e-4
    hist = np.histogram(u, bins=20, range=(0, 1))[0]
    # chi-square with 19 dof: 99.9th percentile is 43.8
    expected = len(u) / 20
    assert ((hist - expected) ** 2 / expected).sum() < 43.8
    v = R.uniform_array(np.uint64(123), 5, R.P_ACTIVE, 1000)
    w = R.uniform_array(np.uint64(123), 4, R.P_ACTIVE, 1000)
    assert not np.allclose(v, u[:1000]) and np.array_equal(w, u[:1000])


TINY_PLAN = """\
name: tiny
seed: 5
horizon_days: 30
market: {size: 3000, graph: {model: watts_strogatz, mean_degree: 10}}
members:
  initial: 300
  propensity: {alpha: 1.0, beta: 4.0}
  conversion: {first_purchase_prob: 0.05, repurchase_prob: 0.08}
groups: {target_size: 60}
channels: {ads: {daily_budget: 100, max_reach: 100}}
"""


@pytest.mark.slow
def test_byte_identical_csv_with_one_thread_and_the_default(tmp_path):
    """The same run with one numba thread (a subprocess: the thread count is fixed at
    import) and with the default (all cores, this process) writes the same bytes. The
    kernels are serial today, so this is a cheap guard of the promise; the batched
    engine's parallel passes have their own determinism tests."""
    from growthsim.cli import main

    (tmp_path / "tiny.yaml").write_text(TINY_PLAN)
    args = ["run", "tiny.yaml", "--replicates", "2", "--no-report", "--quiet"]
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    subprocess.run([sys.executable, "-m", "growthsim.cli", *args, "--out", "one"], check=True, env=env, cwd=tmp_path)
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert main([*args, "--out", "default"]) == 0
    finally:
        os.chdir(cwd)
    one = (tmp_path / "one" / "timeseries.csv").read_bytes()
    assert one == (tmp_path / "default" / "timeseries.csv").read_bytes()
    assert len(one.splitlines()) == 1 + 2 * 30


def test_participation_inequality_emerges_from_propensity():
    heavy = simulate(small_plan(horizon_days=90), 4).scalars["activity_top20_share"]
    equal = simulate(
        small_plan(horizon_days=90, members={"initial": 100, "propensity": {"distribution": "constant", "value": 0.1}}),
        4,
    ).scalars["activity_top20_share"]
    # Beta(0.2, 1.8) concentrates activity (top 20% > half of it); equal propensities leave
    # only the noise of who stayed longer, well below that
    assert heavy > 0.6
    assert equal < heavy - 0.15


# ------------------------------------------------------------- roster, organic, series


def test_roster_is_exactly_the_placed_members_in_ascending_order():
    """The activity and churn passes visit the roster instead of the market: after every
    day it must hold each placed member (member or dormant) once, ascending."""
    plan = small_plan(
        horizon_days=40,
        members={"initial": 100, "organic_join_prob": 0.0005, "churn": {"base_hazard": 0.03}},
        groups={
            "target_size": 30,
            "vip": {"enabled": True, "start_day": 10, "min_tenure_days": 5, "min_purchases": 0, "min_engagement": 0.0},
        },
    )
    m = CommunityModel(scenario=plan, seed=3)
    churned_seen = False
    for d in range(1, plan.horizon_days + 1):
        m.run_until(d)
        pop = m.pop
        placed = np.nonzero(((pop.status == 1) | (pop.status == 2)) & (pop.group >= 0))[0]
        roster = m.roster[: m.n_roster]
        assert np.array_equal(roster, placed), f"day {d - 1}"
        churned_seen |= bool((pop.status == 3).any())
    assert churned_seen and m.pop.vip.sum() > 0  # leaving and VIP moves were exercised


def test_members_counter_matches_population():
    m = CommunityModel(scenario=small_plan(members={"initial": 100, "organic_join_prob": 0.001}), seed=2)
    m.run()
    pop = m.pop
    assert m.counters["members"] == int(((pop.status == 1) | (pop.status == 2)).sum())
    assert m.counters["dormant"] == int((pop.status == 2).sum())


def test_organic_joins_follow_the_binomial_rate():
    """Organic joins use geometric skips over the market; each outsider must still join
    with probability p per day. Over 30 days x 4 replicates of a 20,000-person market at
    p = 0.001 the expected total is ~2,400 joins (sd ~ 49); 5 sd is the tolerance, so the
    test fails only if the rate is off by more than ~10%, far below any real defect
    (e.g. double counting or skipping every other outsider)."""
    p, n, days = 0.001, 20_000, 30
    plan = small_plan(
        horizon_days=days,
        market={"size": n, "graph": {"model": "well_mixed", "mean_degree": 10}},
        members={
            "initial": 50,
            "organic_join_prob": p,
            "referral": {"invite_prob": 0.0},
            "churn": {"base_hazard": 0.0, "dormant_hazard": 0.0},
        },
    )
    observed = expected = var = 0.0
    for r in range(4):
        m = CommunityModel(scenario=plan, replicate=r)
        m.run()
        ts = m.timeseries()
        outsiders_start = n - 50 - np.concatenate([[0], np.cumsum(ts["new_members"].to_numpy())[:-1]])
        observed += ts["new_organic"].sum()
        expected += (outsiders_start * p).sum()
        var += (outsiders_start * p * (1 - p)).sum()
    assert abs(observed - expected) < 5 * np.sqrt(var), (observed, expected)


def test_daily_series_collector_matches_mesa_reporting(plan):
    """The table-backed DataCollector reports what Mesa's would: model_vars as lists,
    one entry per day, counts as ints, money as floats."""
    m = CommunityModel(scenario=plan, seed=4)
    m.run()
    dc = m.datacollector
    assert isinstance(dc, mesa.DataCollector)
    mv = dc.model_vars
    df = dc.get_model_vars_dataframe()
    assert list(mv) == list(df.columns) and all(len(v) == plan.horizon_days for v in mv.values())
    assert mv["day"] == list(range(plan.horizon_days))
    assert isinstance(mv["members"][0], int) and isinstance(mv["revenue"][0], float)
    assert df["members"].tolist() == mv["members"]
    assert m.counters["members"] == mv["members"][-1]


def test_standing_orders_run_in_their_window_and_round():
    plan = small_plan(horizon_days=8)
    m = CommunityModel(scenario=plan, seed=1)
    calls: list[tuple[str, int]] = []
    m.standing_order(lambda: calls.append(("default", m.day)), 2, 4)
    m.standing_order(lambda: calls.append(("high", m.day)), 3, None, mesa.time.Priority.HIGH)

    def one_off():
        calls.append(("one-off", m.day))

    m.schedule_event(one_off, at=3.5)  # Mesa holds events' functions weakly
    with pytest.raises(ValueError):
        m.standing_order(lambda: None, 0, None, mesa.time.Priority.LOW)
    m.run()
    assert [d for k, d in calls if k == "default"] == [2, 3, 4]
    assert [d for k, d in calls if k == "high"] == [3, 4, 5, 6, 7]
    day3 = [k for k, d in calls if d == 3]
    assert day3 == ["high", "one-off", "default"]


def test_cohorts_match_member_records():
    """Cohort retention recomputed person by person: a member of join week w is retained
    at the end of week w + k if it has not left by day (w + k + 1) * 7 - 1."""
    plan = small_plan(
        horizon_days=45, members={"initial": 100, "organic_join_prob": 0.001, "churn": {"base_hazard": 0.02}}
    )
    m = CommunityModel(scenario=plan, seed=8)
    m.run()
    got = m.cohorts()
    pop, H = m.pop, plan.horizon_days
    expected = []
    for w in range((H + 6) // 7):
        ids = [i for i in range(pop.n) if pop.join_day[i] >= 0 and pop.join_day[i] // 7 == w]
        for k in range(H):
            t_end = (w + k + 1) * 7 - 1
            if not ids or t_end > H - 1:
                break
            kept = sum(1 for i in ids if pop.leave_day[i] < 0 or pop.leave_day[i] > t_end)
            expected.append((w, k, len(ids), kept))
    assert [tuple(r) for r in got.itertuples(index=False)] == expected
    assert (got["retained"] < got["size"]).any()  # leaving was exercised
