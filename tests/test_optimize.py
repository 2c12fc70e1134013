"""``growthsim optimize``: outputs, a best.yaml that runs, common random numbers, fresh
finalist replicates, resume after a kill, infeasible problems, two objectives, bad files;
and the evidence that it searches well (against an exhaustive grid and random search of
the same run budget)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from growthsim.cli import main
from growthsim.errors import UserError
from growthsim.experiments.design import run_seed
from growthsim.experiments.optimize import load_optimization, optimize, pareto_front
from growthsim.scenario import ScenarioFile, apply_overrides
from helpers.optimize_problem import FOUR_LEVERS, SEVEN_LEVERS, scenario_yaml

TARGETS = "targets:\n  - {name: 180 members by day 60, kpi: members_final, day: 60, at_least: 180}\n"
SCENARIO = scenario_yaml("opt-test", 4, extra=TARGETS)

SMALL_SPACE = """\
  staff.admin.count: {low: 0, high: 4}
  channels.ads.daily_budget: {values: [0, 20, 40, 60]}
"""

LARGE_SPACE = FOUR_LEVERS


def study_file(
    tmp_path: Path,
    *,
    factors: str = SMALL_SPACE,
    trials: int = 8,
    batch: int = 4,
    sampler: str = "auto",
    replicates: int = 3,
    objectives: str | None = None,
    constraints: str = "{min_chance_all_targets: 0.75}",
    finalists: int = 2,
    name: str = "opt",
    target: float = 180,
) -> Path:
    (tmp_path / "scen.yaml").write_text(SCENARIO.replace("at_least: 180", f"at_least: {target}"), encoding="utf-8")
    objectives = objectives or "[{metric: monthly_spend, direction: minimize}]"
    body = f"""\
name: {name}
scenario: scen.yaml
factors:
{factors}replicates: {replicates}
seed: 5
optimize:
  trials: {trials}
  batch_size: {batch}
  sampler: {sampler}
  objectives: {objectives}
  constraints: {constraints}
  finalists: {finalists}
  finalist_replicates: 6
"""
    p = tmp_path / f"{name}.yaml"
    p.write_text(body, encoding="utf-8")
    return p


@pytest.mark.slow  # the whole `optimize` command, then `run` on its best plan
def test_outputs_and_a_best_yaml_that_growthsim_run_runs(tmp_path, capsys):
    f = study_file(tmp_path, trials=8)
    out = tmp_path / "out"
    assert main(["optimize", str(f), "--out", str(out), "--workers", "0", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "8 plans run" in text and "Pick trial" in text
    for name in (
        "trials.parquet",
        "trials.csv",
        "finalists.csv",
        "best.yaml",
        "convergence.png",
        "summary.md",
        "summary.json",
        "study.journal",
    ):
        assert (out / name).is_file(), name
    trials = pd.read_parquet(out / "trials.parquet")
    assert list(trials["trial"]) == list(range(len(trials)))
    assert (trials["repeat_of"] == -1).sum() == 8  # 8 plans run; repeated proposals take their figures
    assert {"staff.admin.count", "channels.ads.daily_budget", "monthly_spend", "chance_all_targets", "feasible"} <= set(
        trials.columns
    )
    fin = pd.read_csv(out / "finalists.csv")
    assert len(fin) == 2 and (fin["fresh_replicates"] == 6).all()
    # best.yaml: a complete scenario equal to the base plan with the winner's levers
    best = ScenarioFile(out / "best.yaml").base
    win = fin[fin["fresh_feasible"]].sort_values("fresh_monthly_spend").iloc[0]
    opt = load_optimization(f)
    want = apply_overrides(
        opt.experiment.base,
        {
            "staff.admin.count": int(win["staff.admin.count"]),
            "channels.ads.daily_budget": int(win["channels.ads.daily_budget"]),
        },
    )
    assert best.model_dump(exclude={"replicates", "description"}) == want.model_dump(
        exclude={"replicates", "description"}
    )
    run = tmp_path / "run"
    assert main(["run", str(out / "best.yaml"), "--replicates", "2", "--out", str(run), "--no-report", "--quiet"]) == 0
    assert (run / "targets.csv").is_file()


def test_every_candidate_runs_the_same_seeds_and_finalists_fresh_ones(tmp_path):
    from growthsim.experiments.optimize import evaluate_candidates
    from growthsim.experiments.sweep import RunSpec, _Executor, default_run_fn

    opt = load_optimization(study_file(tmp_path))
    ex = _Executor(
        RunSpec(
            base=opt.experiment.base,
            factor_names=opt.experiment.factor_names,
            kpis=[],
            series=[],
            run_fn=default_run_fn,
        ),
        0,
        None,
    )
    cands = [
        {"staff.admin.count": 0, "channels.ads.daily_budget": 0},
        {"staff.admin.count": 3, "channels.ads.daily_budget": 40},
    ]
    a, b = evaluate_candidates(opt, cands, ex, replicates=3)
    assert list(a["seed"]) == list(b["seed"]) == [run_seed(5, 0, r) for r in range(3)]
    (fresh,) = evaluate_candidates(opt, cands[:1], ex, replicates=3, seed_point=1)
    assert not set(fresh["seed"]) & set(a["seed"])
    assert (b["cost"] > a["cost"]).all()  # same futures: the dearer levers cost more in every one


@pytest.fixture(scope="module")
def twelve_trials(tmp_path_factory):
    """The uninterrupted 12-trial study (batches of 3, 2 replicates, 1 finalist) that the
    kill-and-resume tests compare against, run once for all of them: its folder is only
    read (the cut studies copy its journal into folders of their own)."""
    folder = tmp_path_factory.mktemp("twelve")
    f = study_file(folder, trials=12, batch=3, replicates=2, finalists=1)
    result = optimize(f, out=folder / "full", workers=0, charts=False)
    return {"file": f, "out": folder / "full", "result": result}


class Kill(BaseException):
    """Stands for the process being killed (not an Exception: no run catches it)."""


class DiesAfter:
    """A run function that dies on its n-th call (picklable, module level)."""

    def __init__(self, n: int):
        self.n, self.calls = n, 0

    def __call__(self, scenario, seed, replicate=0):
        from growthsim.runner import simulate

        self.calls += 1
        if self.calls == self.n:
            raise Kill()
        return simulate(scenario, seed=seed, replicate=replicate)


def test_killed_and_resumed_study_equals_an_uninterrupted_one(tmp_path):
    f = study_file(tmp_path, trials=9, batch=4, replicates=2, finalists=1)
    full = optimize(f, out=tmp_path / "full", workers=0, charts=False)
    with pytest.raises(Kill):  # dies in the second batch (runs 9..16), after 4 trials are told
        optimize(f, out=tmp_path / "cut", workers=0, charts=False, run_fn=DiesAfter(12))
    partial = pd.read_csv(tmp_path / "full" / "trials.csv")  # exists: from the full study
    assert not (tmp_path / "cut" / "trials.csv").exists()
    with pytest.raises(UserError, match="--resume"):
        optimize(f, out=tmp_path / "cut", workers=0)
    resumed = optimize(f, out=tmp_path / "cut", resume=True, workers=0, charts=False)
    a, b = full.trials, resumed.trials
    assert list(b["trial"]) == list(range(len(a)))  # none lost, none duplicated
    assert (b["repeat_of"] == -1).sum() == 9
    cols = [
        "trial",
        "repeat_of",
        "staff.admin.count",
        "channels.ads.daily_budget",
        "monthly_spend",
        "chance_all_targets",
        "members_final",
        "feasible",
    ]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))
    assert len(partial) == len(a)
    # resuming a finished study adds nothing
    again = optimize(f, out=tmp_path / "cut", resume=True, workers=0, charts=False)
    assert len(again.trials) == len(a)


def test_resume_refuses_another_experiment(tmp_path):
    f = study_file(tmp_path, trials=2, batch=2, replicates=1, finalists=0)
    optimize(f, out=tmp_path / "o", workers=0, charts=False)
    g = study_file(tmp_path, trials=2, batch=2, replicates=2, finalists=0, name="other")
    with pytest.raises(UserError, match="different experiment"):
        optimize(g, out=tmp_path / "o", resume=True, workers=0)


def test_infeasible_problem_says_so_and_shows_the_closest_plans(tmp_path):
    f = study_file(tmp_path, trials=4, batch=4, replicates=2, target=5000, finalists=2)
    r = optimize(f, out=tmp_path / "o", workers=0, charts=False)
    assert not r.feasible and not r.trials["feasible"].any()
    md = (tmp_path / "o" / "summary.md").read_text()
    assert "No plan in the search space meets the constraints" in md
    assert "Closest candidates" in md
    assert "What blocks it: '180 members by day 60' is hit in 0% of futures" in md  # the name; the bound is 5000
    assert r.summary["closest_infeasible"] and len(r.summary["closest_infeasible"]) == 4
    # the closest plans come first: the largest violation is last
    v = [row["violation"] for row in r.summary["closest_infeasible"]]
    assert v == sorted(v)


def test_two_objectives_give_a_pareto_set(tmp_path):
    f = study_file(
        tmp_path,
        trials=8,
        batch=4,
        replicates=2,
        constraints="{}",
        finalists=3,
        objectives="[{metric: monthly_spend, direction: minimize}, {metric: chance_all_targets, direction: maximize}]",
    )
    r = optimize(f, out=tmp_path / "o", workers=0)
    assert (tmp_path / "o" / "pareto.csv").is_file() and (tmp_path / "o" / "pareto.png").is_file()
    p, t = r.pareto, r.trials
    assert len(p) >= 1
    # no trial dominates a Pareto member
    for _, row in p.iterrows():
        better = (
            (t["monthly_spend"] <= row["monthly_spend"])
            & (t["chance_all_targets"] >= row["chance_all_targets"])
            & ((t["monthly_spend"] < row["monthly_spend"]) | (t["chance_all_targets"] > row["chance_all_targets"]))
        )
        assert not better.any()


def test_pareto_front_by_hand():
    df = pd.DataFrame({"a": [1, 2, 3, 2], "b": [3, 2, 1, 3]})
    front = pareto_front(df, ["a", "b"], [1.0, 1.0])
    assert sorted(front.index) == [0, 1, 2]  # (2, 3) is dominated by (2, 2)


@pytest.mark.parametrize(
    "patch, words",
    [
        (
            "  objectives: [{metric: monthly_spend, direction: minimize}]",
            "  objectives: [{metric: monthly_spendd, direction: minimize}]",
        ),
    ],
)
def test_bad_metric_is_a_located_error(tmp_path, capsys, patch, words):
    f = study_file(tmp_path)
    f.write_text(f.read_text().replace(patch, words))
    assert main(["optimize", str(f), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert f"{f}:" in err and "optimize.objectives.0.metric" in err and "unknown metric 'monthly_spendd'" in err


def test_chance_of_targets_without_targets_is_refused(tmp_path):
    f = study_file(tmp_path)
    scen = tmp_path / "scen.yaml"
    scen.write_text(scen.read_text().split("targets:")[0])
    with pytest.raises(UserError, match="needs stage targets"):
        load_optimization(f)


# --------------------------------------------------------------------------- evidence


def _best(trials: pd.DataFrame) -> float:
    f = trials[trials["feasible"]]
    return float(f["monthly_spend"].min()) if len(f) else float("inf")


@pytest.mark.slow
def test_small_space_optimiser_is_within_noise_of_the_exhaustive_grid(tmp_path):
    """4 x 5 = 20 plans; the grid with 20 trials sees them all, so its best is the true
    best (on these replicate seeds). TPE gets the same 20-trial budget. Tolerance: one
    admin's salary (600 CNY/month), the smallest step between distinct plans' spend —
    i.e. TPE must find the best plan or one a single step away."""
    grid = optimize(
        study_file(tmp_path, sampler="grid", trials=20, batch=10, replicates=3, finalists=0, name="g"),
        out=tmp_path / "g",
        workers=0,
        charts=False,
    )
    assert len(grid.trials.drop_duplicates(["staff.admin.count", "channels.ads.daily_budget"])) == 20
    assert (grid.trials["repeat_of"] == -1).sum() == 20
    tpe = optimize(
        study_file(tmp_path, sampler="tpe", trials=20, batch=5, replicates=3, finalists=0, name="t"),
        out=tmp_path / "t",
        workers=0,
        charts=False,
    )
    g, t = _best(grid.trials), _best(tpe.trials)
    assert np.isfinite(g) and t <= g + 600.0 + 1e-6, (t, g)


@pytest.mark.slow
def test_larger_space_optimiser_beats_random_search_of_the_same_budget(tmp_path):
    """Seven levers (five continuous) and a tight budget: the most members by day 60 for
    at most 2,000 CNY/month, where a weak second ad channel and a check-in cashback cost
    money for little effect. 40 plans each, the same replicate seeds and the same
    per-trial sampler seeds (the first 10 TPE trials equal random search's), on the
    benchmark's experiment seeds 1 and 2 (fixed before the comparison was run). Tolerance:
    none — TPE's best feasible plan must have at least as many members as random search's
    on each seed (measured: 204 vs 75 and 169 vs 164 members; benchmarks/bench_optimize.py
    prints the runs each needs)."""
    got = []
    for seed in (1, 2):
        best = {}
        for method in ("tpe", "random"):
            f = study_file(
                tmp_path,
                factors=SEVEN_LEVERS,
                sampler=method,
                name=f"{method}{seed}",
                trials=40,
                batch=10,
                replicates=3,
                finalists=0,
                objectives="[{metric: members_final, direction: maximize}]",
                constraints="{max_monthly_spend: 2000}",
            )
            (tmp_path / "scen.yaml").write_text(scenario_yaml("opt-test", 4, extra=TARGETS, seven_levers=True))
            f.write_text(f.read_text().replace("seed: 5", f"seed: {seed}"))
            t = optimize(f, out=tmp_path / f"{method}{seed}", workers=0, charts=False).trials
            best[method] = float(t.loc[t["feasible"], "members_final"].max())
        got.append((best["tpe"], best["random"]))
    assert all(t >= r for t, r in got), got


@pytest.mark.slow
def test_sigkilled_process_resumes_to_the_uninterrupted_study(tmp_path, twelve_trials):
    """A real kill (SIGKILL of a `growthsim optimize` process mid-study), then --resume."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time

    f, full = twelve_trials["file"], twelve_trials["result"]
    cut = tmp_path / "cut"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "growthsim.cli",
            "optimize",
            str(f),
            "--out",
            str(cut),
            "--workers",
            "0",
            "--no-progress",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    journal = cut / "study.journal"

    def told() -> int:  # trials finished so far, from the journal's log lines
        if not journal.exists():
            return 0
        n = 0
        for line in journal.read_text().splitlines():
            try:
                op = json.loads(line)
            except json.JSONDecodeError:
                continue
            n += op.get("op_code") == 6 and op.get("state") == 1  # SET_TRIAL_STATE_VALUES -> COMPLETE
        return n

    deadline = time.time() + 240
    while told() < 4 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the study finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    n_cut = told()
    assert 4 <= n_cut < 12
    resumed = optimize(f, out=cut, resume=True, workers=0, charts=False)
    cols = [
        "trial",
        "repeat_of",
        "staff.admin.count",
        "channels.ads.daily_budget",
        "monthly_spend",
        "chance_all_targets",
        "feasible",
    ]
    pd.testing.assert_frame_equal(full.trials[cols], resumed.trials[cols])


def test_the_worked_study_files_load():
    root = Path(__file__).resolve().parents[1] / "experiments" / "launch_100_groups"
    for name, groups in (("optimize.yaml", 100), ("reachable.yaml", 11)):
        opt = load_optimization(root / name)
        (t,) = opt.experiment.base.targets
        assert (t.kpi, t.checkpoint, t.at_least) == ("groups", 90, groups)
        assert opt.section.constraints.max_monthly_spend == 5000
        assert opt.section.constraints.min_chance_all_targets == 0.8


def _cut_journal(src: Path, dst: Path, keep) -> None:
    """Copy a study folder's manifest and the first lines of its journal that ``keep``
    accepts (``keep(trials_created, params_of_last)`` per line), as a kill at that line
    leaves them (the journal is an append-only log of JSON lines)."""
    dst.mkdir()
    (dst / "manifest.json").write_bytes((src / "manifest.json").read_bytes())
    out, created, params = [], 0, 0
    for line in (src / "study.journal").read_text().splitlines():
        op = json.loads(line)
        if op.get("op_code") == 4:
            created, params = created + 1, 0
        elif op.get("op_code") == 5:
            params += 1
        if not keep(created, params):
            break
        out.append(line)
    (dst / "study.journal").write_text("\n".join(out) + "\n")


@pytest.mark.parametrize(
    "where, keep",
    [
        # asking trial 7 (the second of the batch 6-8), one of its two parameters stored
        ("in the middle of an ask", lambda created, params: created < 7 or params < 1),
        # trials 6 and 7 asked, trial 8 not yet
        ("between two asks of a batch", lambda created, params: created < 9),
        # trial 6 asked with one parameter: the batch's first trial, not yet marked
        ("in the first ask of a batch", lambda created, params: created < 6 or params < 1),
    ],
)
def test_a_study_cut_while_asking_resumes_to_the_uninterrupted_study(tmp_path, twelve_trials, where, keep):
    """A kill can land anywhere in the journal, also while a batch's trials are being
    asked (the last of them with only some parameters): the resumed study asks the rest
    of that batch as the uninterrupted one did and ends with the same trials."""
    f, full = twelve_trials["file"], twelve_trials["result"]
    cut = tmp_path / "cut"
    _cut_journal(twelve_trials["out"], cut, keep)
    resumed = optimize(f, out=cut, resume=True, workers=0, charts=False)
    cols = ["trial", "repeat_of", "staff.admin.count", "channels.ads.daily_budget", "monthly_spend"]
    pd.testing.assert_frame_equal(full.trials[cols], resumed.trials[cols], obj=where)
