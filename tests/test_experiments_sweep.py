"""Sweeps: results table, reproducibility of a run, worker-count independence, resume
after a kill, failure capture."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from growthsim.experiments.schema import load_experiment
from growthsim.experiments.sweep import compute_kpis, read_sweep, run_sweep
from growthsim.runner import simulate
from growthsim.scenario import apply_overrides

TINY = """\
name: tiny
seed: 7
horizon_days: 20
replicates: 2
market: {size: 300, graph: {model: watts_strogatz, mean_degree: 8}}
members: {initial: 20}
staff:
  part_time_admin: {count: 1, salary_per_month: 800}
campaigns:
  invite_reward: {reward: 8}
"""

EXP = """\
name: t
scenario: tiny.yaml
factors:
  campaigns.invite_reward.reward: {low: 0, high: 20, levels: 3}
  staff.part_time_admin.count: {values: [0, 2]}
design: {type: grid}
replicates: 2
outputs:
  kpis: [members_final, paying, cost, roi]
  series: [members, active]
seed: 5
"""


@pytest.fixture()
def exp_file(tmp_path: Path) -> Path:
    (tmp_path / "tiny.yaml").write_text(TINY)
    p = tmp_path / "exp.yaml"
    p.write_text(EXP)
    return p


def test_sweep_table_and_exact_reproduction(exp_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    df = run_sweep(exp_file, workers=0, out=out)
    assert len(df) == 12 and list(df["run"]) == list(range(12))
    assert (df["status"] == "ok").all() and (df["error"] == "").all()
    for col in (
        "point",
        "replicate",
        "seed",
        "campaigns.invite_reward.reward",
        "staff.part_time_admin.count",
        "members_final",
        "paying",
        "cost",
        "roi",
    ):
        assert col in df.columns
    # staff cost follows the factor: more part-time admins cost more (a sanity check of
    # the overrides reaching the run, not a statistical claim)
    by = df.groupby("staff.part_time_admin.count")["cost"].mean()
    assert by[2] > by[0]
    # the folder holds the same table and the series
    on_disk = read_sweep(out)
    pd.testing.assert_frame_equal(on_disk, df, check_like=False)
    series = on_disk.attrs["series"]
    assert len(series) == 12 * 20 and {"members", "active", "day", "seed"} <= set(series.columns)
    # any row is reproduced exactly by simulate(plan with its factor values, seed=row seed)
    exp = load_experiment(exp_file)
    row = df.iloc[7]
    plan = apply_overrides(
        exp.base,
        {
            "campaigns.invite_reward.reward": float(row["campaigns.invite_reward.reward"]),
            "staff.part_time_admin.count": int(row["staff.part_time_admin.count"]),
        },
    )
    k = compute_kpis(simulate(plan, seed=int(row["seed"]), replicate=0))
    for name in ("members_final", "paying", "cost"):
        assert k[name] == row[name]
    # ... and by the command line: the point's plan saved to a file, run with the row's seed
    import yaml

    from growthsim.cli import main
    from growthsim.experiments import point_plan
    from growthsim.scenario import scenario_to_dict

    plan_file = tmp_path / "point.yaml"
    plan_file.write_text(yaml.safe_dump(scenario_to_dict(point_plan(exp_file, int(row["point"])))))
    rc = main(
        [
            "run",
            str(plan_file),
            "--seed",
            str(int(row["seed"])),
            "--replicates",
            "1",
            "--out",
            str(tmp_path / "single"),
            "--no-report",
            "--quiet",
        ]
    )
    assert rc == 0
    ts = pd.read_parquet(tmp_path / "single" / "timeseries.parquet")
    mine = series[series["run"] == row["run"]]
    assert ts["members"].tolist() == mine["members"].tolist()
    assert ts["active"].tolist() == mine["active"].tolist()


@pytest.fixture(scope="module")
def cluster():  # noqa: ANN201
    """An existing two-worker cluster, reached through its scheduler address, set up as
    the sweep sets up its own (one task per worker at a time); one retry per task
    (default 3) keeps the worker-crash test short."""
    import dask
    from distributed import LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as c:
            yield c


@pytest.mark.slow
def test_same_results_with_one_and_two_dask_workers(exp_file: Path, cluster) -> None:  # noqa: ANN001
    # one worker: the default path (a local cluster started and stopped by the sweep)
    one = run_sweep(exp_file, workers=1, batch_size=2)
    two = run_sweep(exp_file, scheduler=cluster.scheduler_address, batch_size=1)
    assert one.attrs["outcome"].workers == 1 and two.attrs["outcome"].workers == 2
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one.attrs["series"], two.attrs["series"])
    local = run_sweep(exp_file, workers=0)
    pd.testing.assert_frame_equal(one, local)


def flaky_simulate(scenario, seed, replicate=0):  # noqa: ANN001, ANN201
    """simulate, except that a reward of 20 raises (a stand-in for a model error)."""
    if scenario.campaigns["invite_reward"].reward == 20:
        raise RuntimeError("reward 20 breaks the model")
    return simulate(scenario, seed=seed, replicate=replicate)


def test_failed_runs_are_recorded_and_the_sweep_continues(exp_file: Path, tmp_path: Path) -> None:
    df = run_sweep(exp_file, workers=0, out=tmp_path / "o", run_fn=flaky_simulate)
    bad = df[df["status"] == "error"]
    assert len(bad) == 4  # 2 staffing levels x 2 replicates at reward 20
    assert (bad["campaigns.invite_reward.reward"] == 20).all()
    assert bad["error"].str.contains("RuntimeError: reward 20 breaks the model").all()
    assert bad["members_final"].isna().all() and bad["seed"].gt(0).all()
    good = df[df["status"] == "ok"]
    assert len(good) == 8 and good["members_final"].notna().all()
    assert df.attrs["outcome"].failed == 4
    # no series rows for failed runs
    assert set(df.attrs["series"]["run"]) == set(good["run"])


def crashing_simulate(scenario, seed, replicate=0):  # noqa: ANN001, ANN201
    """simulate, except that reward 20 with 2 admins kills the worker process."""
    if scenario.campaigns["invite_reward"].reward == 20 and scenario.staff["part_time_admin"].count == 2:
        os._exit(3)
    return simulate(scenario, seed=seed, replicate=replicate)


@pytest.mark.slow
def test_a_run_that_kills_its_worker_fails_alone(exp_file: Path) -> None:
    # the sweep's own cluster: it restarts the workers a crash leaves dead (an external
    # scheduler's nanny may not restart a worker killed while it starts, and the sweep
    # cannot: it would wait out the stall time)
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    df = run_sweep(exp_file, workers=2, run_fn=crashing_simulate, batch_size=3)
    bad = df[df["status"] == "error"]
    assert list(bad["point"]) == [5, 5]  # reward 20 x 2 admins, both replicates
    assert bad["error"].str.contains("worker process died").all()
    # the other runs of the crashed batch were retried one by one and succeeded
    ok = df[df["status"] == "ok"]
    ref = run_sweep(exp_file, workers=0)
    pd.testing.assert_frame_equal(ok, ref[ref["point"] != 5])


SLOW_SWEEP = """\
import sys, time
from growthsim.experiments.sweep import run_sweep
from growthsim.runner import simulate

def slow(scenario, seed, replicate=0):
    time.sleep(0.25)
    return simulate(scenario, seed=seed, replicate=replicate)

run_sweep(sys.argv[1], workers=0, out=sys.argv[2], run_fn=slow, batch_size=1)
"""


@pytest.mark.slow
def test_resume_after_kill_loses_and_duplicates_nothing(exp_file: Path, tmp_path: Path) -> None:
    script = tmp_path / "slow.py"
    script.write_text(textwrap.dedent(SLOW_SWEEP))
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(script), str(exp_file), str(out)])
    parts = out / "parts"
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            if parts.exists() and len(list(parts.glob("results-*.parquet"))) >= 3:
                break
            if proc.poll() is not None:
                pytest.fail("the sweep finished before it could be killed")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    n_parts = len(list(parts.glob("results-*.parquet")))
    assert 3 <= n_parts < 12
    assert not (out / "results.parquet").exists()
    resumed = run_sweep(exp_file, workers=0, resume=out)
    o = resumed.attrs["outcome"]
    assert o.resumed >= 3 and o.ran == 12 - o.resumed
    fresh = run_sweep(exp_file, workers=0)
    pd.testing.assert_frame_equal(resumed, fresh)
    pd.testing.assert_frame_equal(resumed.attrs["series"], fresh.attrs["series"])
    assert resumed["run"].is_unique
    # a second resume has nothing left to run
    again = run_sweep(exp_file, workers=0, resume=out)
    assert again.attrs["outcome"].ran == 0
    pd.testing.assert_frame_equal(again, fresh)


def test_out_folder_is_not_overwritten_and_resume_checks_the_experiment(exp_file: Path, tmp_path: Path) -> None:
    from growthsim.errors import UserError

    out = tmp_path / "o"
    run_sweep(exp_file, workers=0, out=out)
    with pytest.raises(UserError, match="already holds a sweep"):
        run_sweep(exp_file, workers=0, out=out)
    exp_file.write_text(EXP.replace("seed: 5", "seed: 6"))
    with pytest.raises(UserError, match="different experiment"):
        run_sweep(exp_file, workers=0, resume=out)


def test_cli_sweep(exp_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from growthsim.experiments.cli import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", str(exp_file), "--workers", "0", "--out", str(tmp_path / "c"), "--no-progress"])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "12 runs: 12 run now, 0 from checkpoint, 0 failed" in text
    assert (tmp_path / "c" / "results.parquet").exists() and (tmp_path / "c" / "series.parquet").exists()


def test_cli_show_point_prints_the_plan(exp_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    from growthsim.cli import main
    from growthsim.scenario import validate_plan

    assert main(["sweep", str(exp_file), "--show-point", "5"]) == 0
    plan = validate_plan(yaml.safe_load(capsys.readouterr().out))
    assert plan.campaigns["invite_reward"].reward == 20.0
    assert plan.staff["part_time_admin"].count == 2
    assert main(["sweep", str(exp_file), "--show-point", "6"]) == 2  # points are 0..5
    assert "point 6 is not in the design (points 0..5)" in capsys.readouterr().err
