"""Batched replicates: identical, bit for bit, to the one-replicate model, at any batch size
and thread count, with a parallel path that really runs.

A batch steps replicates of one plan together (one kernel call per pass for the batch,
numba threads over the replicates); each replicate's draws are keyed by its own seed, so
replicate r of any batch must equal ``CommunityModel(plan, seed, r)`` run alone. The checks
compare the raw bytes of every output column (time series, scalars, cohorts, ledger).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numba
import numpy as np
import pytest

from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel
from growthsim.runner import batch_size, run_plans, run_replicates
from growthsim.scenario import Scenario
from helpers.threads import run_at_4_threads

ROOT = Path(__file__).resolve().parents[1]


def plan(graph: str = "watts_strogatz", **extra) -> Scenario:
    """A small plan with every kind of lever (so the batch's per-replicate glue is used)."""
    data = {
        "name": "batch",
        "seed": 5,
        "horizon_days": 70,
        "replicates": 4,
        "market": {"size": 2500, "graph": {"model": graph, "mean_degree": 10}},
        "members": {"initial": 80, "organic_join_prob": 0.0004, "referral": {"invite_prob": 0.03}},
        "groups": {"target_size": 40, "vip": {"enabled": True, "start_day": 20, "every_days": 10}},
        "staff": {"admin": {"count": 2, "groups_each": 2}},
        "volunteer_admins": {"enabled": True, "start_day": 15, "max_total": 3},
        "channels": {"ads": {"daily_budget": 60, "max_reach": 41.7, "join_rate": 0.1, "cost_per_join": 2}},
        "campaigns": {
            "invite": {"kind": "invite_reward", "start_day": 5, "end_day": 50, "reward": 3},
            "checkin": {"kind": "checkin_cashback", "start_day": 10, "end_day": 60},
            "draw": {"kind": "lottery", "schedule": {"start_day": 12, "every_days": 20}},
            "sale": {"kind": "flash_sale", "schedule": {"start_day": 25, "every_days": 30}},
        },
        "kols": {
            "star": {"kind": "external", "schedule": {"per_week": 2}, "groups_reached": 2},
            "inside": {"kind": "internal", "count": 2, "schedule": {"per_week": 1}},
        },
        "budget": {"total": 9000, "monthly_cap": 4000},
    }
    data.update(extra)
    return Scenario.model_validate(data)


def fingerprint(m: CommunityModel) -> str:
    """The bytes of everything a run reports."""
    h = hashlib.sha256()
    h.update(m.timeseries().to_numpy().tobytes())
    h.update(json.dumps(m.scalars(), sort_keys=True).encode())  # NaN written as NaN
    h.update(m.cohorts().to_numpy().tobytes())
    h.update(m.ledger.frame().to_csv().encode())
    return h.hexdigest()


def alone(sc: Scenario, reps) -> list[str]:
    out = []
    for r in reps:
        m = CommunityModel(scenario=sc, replicate=r)
        m.run()
        out.append(fingerprint(m))
    return out


@pytest.fixture(scope="module")
def graph_plan() -> Scenario:
    return plan()


@pytest.fixture(scope="module")
def graph_alone(graph_plan) -> list[str]:
    return alone(graph_plan, range(5))


def test_batch_equals_one_replicate_models(graph_plan, graph_alone):
    b = CommunityBatch(graph_plan, replicates=range(5))
    assert b.state.R == 5 and b.state.kern is not None
    b.run()
    assert [fingerprint(m) for m in b.models] == graph_alone
    # the runs differ from each other (the check is not vacuous)
    assert len(set(graph_alone)) == 5
    ts = b.models[0].timeseries()
    assert ts["cost_campaign:draw"].sum() > 0 and ts["new_ads"].sum() > 0 and ts["vip_members"].max() > 0


def test_batch_size_does_not_matter(graph_plan, graph_alone):
    a = CommunityBatch(graph_plan, replicates=[0, 1])
    b = CommunityBatch(graph_plan, replicates=[2, 3, 4])
    a.run()
    b.run()
    assert [fingerprint(m) for m in a.models + b.models] == graph_alone
    # a batch of replicates out of order: replicate r is still replicate r
    c = CommunityBatch(graph_plan, replicates=[4, 1])
    c.run()
    assert [fingerprint(m) for m in c.models] == [graph_alone[4], graph_alone[1]]


def test_batch_with_a_seed_per_replicate(graph_plan, graph_alone):
    """``seeds=``: replicate i of the batch is ``CommunityModel(plan, seeds[i],
    replicates[i])`` run alone (a sweep's runs: replicate 0, each its own seed)."""
    seeds, reps = [11, 5, 11, 23], [0, 2, 1, 0]
    b = CommunityBatch(graph_plan, replicates=reps, seeds=seeds)
    b.run()
    want = []
    for s, r in zip(seeds, reps):
        m = CommunityModel(scenario=graph_plan, seed=s, replicate=r)
        m.run()
        want.append(fingerprint(m))
    assert [fingerprint(m) for m in b.models] == want
    assert want[1] == graph_alone[2]  # seed 5 is the plan's seed: seeds= keys runs as seed= does
    assert len(set(want)) == 4  # the check is not vacuous: every seed and replicate counts
    with pytest.raises(ValueError, match="one seed per replicate"):
        CommunityBatch(graph_plan, replicates=[0, 1], seeds=[1])
    with pytest.raises(ValueError, match="not both"):
        CommunityBatch(graph_plan, 3, replicates=[0], seeds=[1])


def test_serial_loop_equals_parallel(graph_plan, graph_alone):
    b = CommunityBatch(graph_plan, replicates=range(5), parallel=False)
    b.run()
    assert [fingerprint(m) for m in b.models] == graph_alone


def test_well_mixed_batch_equals_one_replicate_models():
    sc = plan("well_mixed", horizon_days=50)
    b = CommunityBatch(sc, replicates=range(3))
    b.run()
    assert [fingerprint(m) for m in b.models] == alone(sc, range(3))
    assert b.models[0].timeseries()["new_referral"].sum() > 0


def test_groups_by_block_and_replay_batch():
    sc = plan(
        horizon_days=40,
        groups={"target_size": 30, "by_block": True},
        market={"size": 2000, "graph": {"model": "sbm", "blocks": 3, "mean_degree": 8}},
        replay={"start_day": 3, "daily_joins": [5, 0, 9, 4]},
    )
    b = CommunityBatch(sc, replicates=range(3))
    b.run()
    assert [fingerprint(m) for m in b.models] == alone(sc, range(3))
    assert b.models[0].timeseries()["new_replay"].sum() > 0


def test_runner_engines_agree(graph_plan):
    a = run_plans({"p": graph_plan}, replicates=3, engine="batch")
    s = run_plans({"p": graph_plan}, replicates=3, engine="serial")
    assert a.timeseries.equals(s.timeseries)
    assert a.scalars.equals(s.scalars)
    assert a.ledger.equals(s.ledger)
    small = run_replicates(graph_plan, 3, engine="batch", batch=2)
    for x, (_, y) in zip(small, s.timeseries.groupby("replicate")):
        assert (
            x.timeseries.to_numpy().tobytes() == y.drop(columns=["variant", "replicate", "seed"]).to_numpy().tobytes()
        )
    with pytest.raises(ValueError):
        run_replicates(graph_plan, 1, engine="turbo")


def test_runner_threads_only_for_large_batches_and_changes_nothing(graph_plan, monkeypatch):
    """run_replicates uses the parallel kernels from PARALLEL_MIN_PEOPLE people a batch (at
    the default batch sizes they are slower than the serial loop); forcing them on gives the
    same bytes."""
    import growthsim.runner as runner
    from growthsim.runner import PARALLEL_MIN_PEOPLE, use_threads

    assert not use_threads(graph_plan, 4)  # 4 x 2,500 people
    assert use_threads(graph_plan, PARALLEL_MIN_PEOPLE // 2500)
    assert not use_threads(graph_plan, 1)  # one replicate: no threads
    seen = []
    real = runner.CommunityBatch

    def spy(*a, **k):
        seen.append(k["parallel"])
        return real(*a, **k)

    monkeypatch.setattr(runner, "CommunityBatch", spy)
    default = run_replicates(graph_plan, 3, engine="batch")
    monkeypatch.setattr(runner, "PARALLEL_MIN_PEOPLE", 0)
    forced = run_replicates(graph_plan, 3, engine="batch")
    assert seen == [False, True]
    for x, y in zip(default, forced):
        assert x.timeseries.to_numpy().tobytes() == y.timeseries.to_numpy().tobytes()
        assert x.scalars == y.scalars or json.dumps(x.scalars, sort_keys=True) == json.dumps(y.scalars, sort_keys=True)


def test_batch_size_is_bounded_by_memory():
    from growthsim.runner import BATCH_BYTES, BYTES_PER_PERSON

    small = plan()  # 2,500 people
    k = batch_size(small, 64)
    assert 1 < k < 64 and k * 2500 * BYTES_PER_PERSON <= BATCH_BYTES
    assert batch_size(small, 3) == 3
    big = Scenario.model_validate({"name": "big", "market": {"size": 5_000_000}, "members": {"initial": 10}})
    assert batch_size(big, 64) == 1


THREADS_SCRIPT = """
import hashlib, json, sys, numba
sys.path.insert(0, {tests!r})
from test_batch import plan, fingerprint
from growthsim.model.batch import CommunityBatch
out = {{}}
for t in (1, 2, 4):
    numba.set_num_threads(t)
    b = CommunityBatch(plan(), replicates=range(5))
    b.run()
    out[t] = [fingerprint(m) for m in b.models]
print(json.dumps({{"fp": out, "layer": numba.threading_layer(), "max": numba.config.NUMBA_NUM_THREADS}}))
"""


def test_identical_at_1_2_and_4_threads(graph_alone):
    got = run_at_4_threads(THREADS_SCRIPT)
    assert got["max"] == 4
    # threading_layer() raises unless a parallel region ran: the parallel path was used
    assert got["layer"] in ("tbb", "omp", "workqueue")
    for t in ("1", "2", "4"):
        assert got["fp"][t] == graph_alone, t


def test_parallel_path_runs_in_process(graph_plan):
    b = CommunityBatch(graph_plan, replicates=range(2))
    b.run()
    assert numba.threading_layer() in ("tbb", "omp", "workqueue")
    assert b.state.kern.activity.signatures  # the parallel kernels were compiled and called
    assert np.all(b.state.seeds == np.array([m.kernel_seed for m in b.models]))


def test_batch_views_are_generated_from_the_member_fields():
    """``kernels/views.py`` (one replicate's view of a batch's records) is generated from
    the fields of ``Members`` and ``Levels``: the file is current, and ``Population`` has
    exactly the ``Members`` fields with their declared dtypes."""
    from pathlib import Path

    import numpy as np

    from growthsim.kernels import state
    from growthsim.population import Population

    path = Path(state.__file__).with_name("views.py")
    assert path.read_text(encoding="utf-8") == state.views_source(), "run python -m growthsim.kernels.state"
    pop = Population.empty(3, np.zeros(3))
    for f, col in state.MEMBER_COLUMNS.items():
        a = getattr(pop, f)
        assert a.dtype == np.dtype(col.dtype) and a.shape == (3,), f
    assert tuple(state.MEMBER_COLUMNS) == state.Members._fields
