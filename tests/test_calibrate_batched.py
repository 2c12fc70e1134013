"""Calibration runs on the batched engine: candidates with different parameters share one
batch, bit for bit the runs of one model after another; the ABC-SMC sampler gives the same
posterior whatever its chunk size, and the one pyabc's single-core sampler gives."""

from __future__ import annotations

import numpy as np
import pytest

from growthsim import runner
from growthsim.calibrate.sim import run_columns, with_horizon, with_replay
from growthsim.model.batch import CommunityBatch, check_batchable
from growthsim.model.replay import ExclusiveReplayModel
from growthsim.scenario import apply_overrides, load_scenario

COLUMNS = ["members", "new_members", "active", "purchases", "revenue", "cost", "churned", "invites_sent"]


def store_plan(days: int = 40):
    # levers of every kind (staff, a channel, a campaign), a Watts-Strogatz market
    return with_horizon(load_scenario("examples/history/scenario.yaml"), days)


def candidates(base, n: int, seed: int = 3):
    """``n`` plans differing in every kind of per-replicate member rule."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        out.append(
            apply_overrides(
                base,
                {
                    "members.referral.invite_prob": float(rng.uniform(0.005, 0.05)),
                    "members.referral.accept_prob": float(rng.uniform(0.1, 0.4)),
                    "members.churn.base_hazard": float(rng.uniform(0.002, 0.03)),
                    "members.churn.engagement_sensitivity": float(rng.uniform(0.0, 2.0)),
                    "members.propensity.alpha": float(rng.uniform(0.2, 1.0)),
                    "members.conversion.repurchase_prob": float(rng.uniform(0.01, 0.1)),
                    "members.engagement.habit_gain": float(rng.uniform(0.0, 0.1)),
                    "economics.order_value": float(rng.uniform(50, 150)),
                },
            )
        )
    return out


def alone(plan, seed: int, replicate: int, replay: str = "added") -> dict[str, np.ndarray]:
    m = runner.build_model(plan, seed, replicate, replay=replay)  # type: ignore[arg-type]
    m.run()
    return {c: np.asarray(m.datacollector.model_vars[c], dtype=float) for c in COLUMNS}


def test_a_batch_of_different_candidates_equals_each_run_alone():
    plans = candidates(store_plan(), 5)
    reps = [3, 17, 4, 1_000_000, 8]
    b = CommunityBatch(plans[0], 9, reps, plans=plans)
    b.run()
    for i, m in enumerate(b.models):
        ref = alone(plans[i], 9, reps[i])
        for c in COLUMNS:
            np.testing.assert_array_equal(np.asarray(m.datacollector.model_vars[c], dtype=float), ref[c], err_msg=c)
    # the candidates do differ (the test would pass trivially otherwise)
    assert len({float(m.datacollector.model_vars["members"][-1]) for m in b.models}) > 2


def test_exclusive_replay_in_a_batch_and_run_columns_at_any_batch_size():
    base = with_replay(store_plan(), [3] * 20)  # 20 replayed days, then the model's own joins
    plans = candidates(base, 3, seed=5)
    ref = [alone(plans[r % 3], 4, r, replay="exclusive") for r in range(10, 16)]
    # on the replayed days the replayed joins are the only ones
    assert all((x["new_members"][:20] == 3).all() for x in ref)
    for size in (1, 4, 100):
        old = runner.BATCH_BYTES
        try:
            runner.BATCH_BYTES = size * base.market.size * runner.BYTES_PER_PERSON
            got = run_columns(plans, COLUMNS, 6, 4, first_replicate=10)
        finally:
            runner.BATCH_BYTES = old
        for c in COLUMNS:
            np.testing.assert_array_equal(got[c], np.asarray([x[c] for x in ref]), err_msg=f"{c} at batch {size}")
    b = CommunityBatch(plans[0], 4, [10], plans=[plans[0]], model_class=ExclusiveReplayModel)
    assert isinstance(b.models[0], ExclusiveReplayModel)


def test_plans_that_differ_in_shared_fields_are_refused_by_the_batch_and_run_apart():
    base = store_plan(30)
    other = apply_overrides(base, {"channels.store_qr.join_rate": 0.3})  # a lever: shared by a batch
    with pytest.raises(ValueError, match="differs from plan 0"):
        check_batchable([base, other])
    with pytest.raises(ValueError, match="differs from plan 0"):
        CommunityBatch(base, 1, [0, 1], plans=[base, other])
    got = run_columns([base, other], COLUMNS, 4, 2)  # falls back to one batch per plan
    for r in range(4):
        ref = alone([base, other][r % 2], 2, r, replay="exclusive")
        for c in COLUMNS:
            np.testing.assert_array_equal(got[c][r], ref[c], err_msg=c)


@pytest.mark.slow  # ABC-SMC fits
def test_abc_posterior_is_the_same_at_any_chunk_size_and_as_pyabcs_single_core_sampler(monkeypatch):
    pytest.importorskip("pyabc")
    import pyabc

    from growthsim.calibrate import abc as A
    from growthsim.calibrate.coverage import synthetic_history
    from growthsim.calibrate.fit import FitProblem
    from growthsim.calibrate.spec import FitSpec

    TRAIN = 56
    cohort = apply_overrides(load_scenario("examples/cdnow/scenario.yaml"), {"market.size": 300, "horizon_days": TRAIN})

    def plan():
        return cohort

    spec = FitSpec.model_validate(
        {
            "parameters": {
                "members.propensity.alpha": {"min": 0.02, "max": 0.5, "scale": "log"},
                "members.churn.base_hazard": {"min": 0.001, "max": 0.05, "scale": "log"},
            },
            "series": {"purchases": 1},
            "joins": "replay",
            "replicates": 1,
            "method": "abc_smc",
        }
    )
    joins = [30] * 10 + [0] * (TRAIN - 10)
    truth = {"members.propensity.alpha": 0.1, "members.churn.base_hazard": 0.01}
    h = synthetic_history(plan(), truth, TRAIN, 5, 123, ["new_members", "purchases"], joins)
    problem = FitProblem(plan(), h, spec, {}, 5)
    lines: list[str] = []
    runs = {b: A.abc_posterior(problem, 5, 20, 3, 150, 0.02, 10, log=lines.append, batch=b) for b in (3, 25)}
    for b in runs:
        np.testing.assert_array_equal(runs[b].particles, runs[3].particles)
        np.testing.assert_array_equal(runs[b].weights, runs[3].weights)
        assert runs[b].simulations == runs[3].simulations
    assert any("accepted after" in x for x in lines)  # progress within a generation

    def single_core(evaluate, batch=100, progress=None):
        s = pyabc.sampler.SingleCoreSampler()
        s.model = lambda par: evaluate([par])[0]  # type: ignore[attr-defined]
        return s

    monkeypatch.setattr(A, "BatchSampler", single_core)
    ref = A.abc_posterior(problem, 5, 20, 3, 150, 0.02, 10)
    np.testing.assert_array_equal(ref.particles, runs[25].particles)
    assert ref.simulations == runs[25].simulations


def test_global_screen_finds_a_parameter_without_effect_weak_everywhere_and_the_order_rate_pinned():
    from growthsim.calibrate.coverage import synthetic_history
    from growthsim.calibrate.fit import FitProblem
    from growthsim.calibrate.identify import global_screen
    from growthsim.calibrate.spec import FitSpec

    days = 56
    cohort = apply_overrides(load_scenario("examples/cdnow/scenario.yaml"), {"market.size": 300, "horizon_days": days})
    spec = FitSpec.model_validate(
        {
            "parameters": {
                "members.propensity.alpha": {"min": 0.02, "max": 0.5, "scale": "log"},
                # no invitations (invite_prob 0): accepting them changes nothing anywhere
                "members.referral.accept_prob": {"min": 0.05, "max": 0.9},
            },
            "series": {"purchases": 1},
            "joins": "replay",
            "replicates": 2,
        }
    )
    h = synthetic_history(
        cohort, {"members.propensity.alpha": 0.1}, days, 3, 77, ["new_members", "purchases"], [30] * 10 + [0] * 46
    )
    res = global_screen(FitProblem(cohort, h, spec, {}, 3), points=4, seed=1)
    a, acc = res["parameters"]["members.propensity.alpha"], res["parameters"]["members.referral.accept_prob"]
    assert len(a["at"]) == 4
    # the order rate moves the orders over most of its prior (at its low end, a few orders a
    # week from 300 customers, a tenth of the range can be below one history's noise)
    assert a["share_snr_at_least_1"] >= 0.5 and a["median_snr"] > 1
    assert acc["share_snr_at_least_1"] == 0.0 and acc["median_snr"] == 0.0  # exactly no effect (common random numbers)
