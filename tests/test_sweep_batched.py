"""Sweeps on the batched engine: a task's runs that share a plan (a point's replicates, and
points differing only in per-replicate member rules) are stepped together in one
CommunityBatch with their KPIs computed at once, and the table is the same, bit for bit, as
one run after another — at any task size; a batch that raises is run again run by run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import growthsim.experiments.batched as batched
import growthsim.experiments.sweep as sweep
from growthsim.experiments.design import run_seed
from growthsim.experiments.optimize import evaluate_candidates, load_optimization
from growthsim.experiments.sweep import RunSpec, _Executor, run_sweep

TINY = """\
name: tiny
seed: 7
horizon_days: 30
replicates: 2
market: {size: 300, graph: {model: watts_strogatz, mean_degree: 8}}
members: {initial: 20}
staff:
  part_time_admin: {count: 1, salary_per_month: 800}
campaigns:
  invite_reward: {reward: 8}
channels:
  ads: {kind: paid_ads, daily_budget: 5, max_reach: 30, half_saturation_spend: 60, join_rate: 0.05}
"""

# two per-replicate member rules (churn, referral) and one lever: 8 points, 4 plans a
# batch can hold together for each invite reward
EXP = """\
name: b
scenario: tiny.yaml
factors:
  members.churn.base_hazard: {values: [0.005, 0.03]}
  members.referral.invite_prob: {values: [0.02, 0.1]}
  campaigns.invite_reward.reward: {values: [0, 10]}
design: {type: grid}
replicates: 3
outputs:
  series: [members, active, new_referral, cost_staff]
seed: 5
"""


@pytest.fixture()
def exp_file(tmp_path: Path) -> Path:
    (tmp_path / "tiny.yaml").write_text(TINY)
    p = tmp_path / "exp.yaml"
    p.write_text(EXP)
    return p


class Spy:
    """What the batched engine did: the seeds of every CommunityBatch it ran, and for
    every group of runs whether their KPIs came from the stacked arrays."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.vectorised: list[bool] = []

    def clear(self) -> None:
        self.batches.clear()
        self.vectorised.clear()


@pytest.fixture()
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    s = Spy()
    real_sim, real_kpis = batched._simulate, batched.stacked_kpis

    def simulate(plans, seeds):  # noqa: ANN001, ANN202
        s.batches.append(list(seeds))
        return real_sim(plans, seeds)

    def kpis(results, plan):  # noqa: ANN001, ANN202
        got = real_kpis(results, plan)
        s.vectorised.append(got is not None and len(results) > 1)
        return got

    monkeypatch.setattr(batched, "_simulate", simulate)
    monkeypatch.setattr(batched, "stacked_kpis", kpis)
    return s


def test_batched_sweep_equals_run_by_run_at_any_task_size(exp_file: Path, spy: Spy) -> None:
    serial = run_sweep(exp_file, workers=0, engine="serial")
    assert not spy.batches
    assert (serial["status"] == "ok").all() and len(serial) == 24
    # every KPI (outputs.kpis empty) and the series, compared exactly
    for size in (1, 5, 24):
        spy.clear()
        got = run_sweep(exp_file, workers=0, batch_size=size)
        pd.testing.assert_frame_equal(got, serial, check_exact=True)
        pd.testing.assert_frame_equal(got.attrs["series"], serial.attrs["series"], check_exact=True)
        assert sorted(s for b in spy.batches for s in b) == sorted(serial["seed"])
        if size > 1:  # the KPIs came from the stacked arrays, not run by run
            assert all(spy.vectorised)
        if size == 24:
            # one task: each invite reward's 4 member-rule points x 3 replicates in one batch
            assert sorted(len(b) for b in spy.batches) == [12, 12]
        elif size == 5:
            assert max(len(b) for b in spy.batches) == 5
        else:
            assert all(len(b) == 1 for b in spy.batches)


def test_a_batch_that_raises_is_run_again_run_by_run(exp_file: Path, monkeypatch: pytest.MonkeyPatch, spy: Spy) -> None:
    serial = run_sweep(exp_file, workers=0, engine="serial")
    bad = int(serial["seed"].iloc[7])
    real_run = sweep.default_run_fn
    spied = batched._simulate

    def failing_batch(plans, seeds):  # noqa: ANN001, ANN202
        if bad in seeds:
            raise RuntimeError("the batch broke")
        return spied(plans, seeds)

    def failing_run(scenario, seed, replicate=0):  # noqa: ANN001, ANN202
        if seed == bad:
            raise ValueError("this run breaks alone")
        return real_run(scenario, seed=seed, replicate=replicate)

    monkeypatch.setattr(batched, "_simulate", failing_batch)
    monkeypatch.setattr(sweep, "default_run_fn", failing_run)
    got = run_sweep(exp_file, workers=0, batch_size=6)
    assert spy.batches  # the other tasks ran batched
    failed = got[got["status"] != "ok"]
    assert list(failed["seed"]) == [bad] and list(failed["error"]) == ["ValueError: this run breaks alone"]
    ok = got["seed"] != bad
    pd.testing.assert_frame_equal(
        got[ok].drop(columns=["status", "error"]), serial[ok].drop(columns=["status", "error"]), check_exact=True
    )


def test_stacked_kpis_equal_each_runs_own(tmp_path: Path) -> None:
    from growthsim.experiments.sweep import compute_kpis
    from growthsim.scenario import load_scenario

    (tmp_path / "tiny.yaml").write_text(TINY)
    plan = load_scenario(tmp_path / "tiny.yaml")
    results = batched._simulate([plan] * 4, [11, 12, 13, 14])
    assert [r.seed for r in results] == [11, 12, 13, 14] and {r.replicate for r in results} == {0}
    got = batched.stacked_kpis(results, plan)
    assert got is not None
    for r, k in zip(results, got):
        want = compute_kpis(r)
        assert list(k) == list(want)  # same KPIs in the same order
        assert pd.Series(k).equals(pd.Series(want))  # same values (NaN where NaN)


def test_optimiser_candidates_batched_equal_run_by_run(tmp_path: Path, spy: Spy) -> None:
    from test_optimize import study_file

    opt = load_optimization(study_file(tmp_path))
    cands = [
        {"staff.admin.count": 0, "channels.ads.daily_budget": 0},
        {"staff.admin.count": 3, "channels.ads.daily_budget": 40},
    ]
    from growthsim.experiments.optimize import target_kpis

    got = {}
    for engine in ("serial", "batch"):
        spec = RunSpec(
            base=opt.experiment.base,
            factor_names=opt.experiment.factor_names,
            kpis=[],
            series=[],
            extra_kpi_fn=target_kpis,
            engine=engine,
        )
        got[engine] = evaluate_candidates(opt, cands, _Executor(spec, 0, None), replicates=3)
    # candidate 0 spends on one category only: its KPIs are computed run by run
    assert spy.batches and max(len(b) for b in spy.batches) == 3 and spy.vectorised == [False, True]
    for a, b in zip(got["serial"], got["batch"]):
        assert "all_targets" in a.columns and list(a["seed"]) == [run_seed(5, 0, r) for r in range(3)]
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_resume_on_the_batched_engine_gives_the_uninterrupted_table(exp_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    whole = run_sweep(exp_file, workers=0, out=out, batch_size=5)
    # as if killed after some tasks: drop two tasks' parts and the final tables
    parts = sorted((out / "parts").glob("results-*.parquet"))
    assert len(parts) == 5
    for p in parts[1:3]:
        p.unlink()
        (out / "parts" / p.name.replace("results-", "series-")).unlink()
    (out / "results.parquet").unlink()
    (out / "series.parquet").unlink()
    # resumed with another task size: the missing runs batch differently, same rows
    again = run_sweep(exp_file, workers=0, resume=out, batch_size=24)
    assert again.attrs["outcome"].ran == 10 and again.attrs["outcome"].resumed == 14
    pd.testing.assert_frame_equal(again, whole, check_exact=True)
    pd.testing.assert_frame_equal(again.attrs["series"], whole.attrs["series"], check_exact=True)
