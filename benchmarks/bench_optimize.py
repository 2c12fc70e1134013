"""Runs needed to get within 2% of the best plan: Optuna TPE vs random search vs a grid.

Two worked problems, measured in one run, on a 2,500-person market with 3 common-random-
number replicates per plan; the objective is the most members by day 60 (median of the
3 futures) for at most 2,000 CNY a month:

- ``four``: four levers (admins, their hours, the paid-ads daily budget, the invite
  reward); 60 plans per method; the grid is a 5 x 3 x 2 x 2 lattice (60 plans,
  exhaustive at that budget).
- ``seven``: seven levers and a tight budget: also a weak second ad channel and a check-in
  cashback (reward, streak length), which cost money for little effect; 40 plans per
  method; no grid (even 2 levels per lever is 128 plans, more than the budget).

Each method gets the same budget on the same replicate seeds. The reference "best" is
the best feasible plan any method found for that problem and seed. For each method and
experiment seed the table gives the runs (plans x replicates) until its best-so-far is
within 2% of that reference ("never" = not within the budget), and the ratio of the mean
runs to random search's, measured in the same run.

    .venv/bin/python benchmarks/bench_optimize.py              # both problems, seeds 1-3
    .venv/bin/python benchmarks/bench_optimize.py --problems seven --seeds 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from growthsim.experiments.optimize import optimize

# the problem is shared with tests/test_optimize.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers.optimize_problem import FOUR_LEVERS, SEVEN_LEVERS, scenario_yaml  # noqa: E402

SCENARIO = scenario_yaml("bench-optimize", 3)

SPACE = {
    "tpe": FOUR_LEVERS,
    "grid": """\
  staff.admin.count: {low: 0, high: 4}
  staff.admin.hours_per_day: {values: [1.0, 2.5, 4.0]}
  channels.ads.daily_budget: {values: [20, 60]}
  campaigns.invite_reward.reward: {values: [0.0, 15.0]}
""",
}
SPACE["random"] = SPACE["tpe"]

SEVEN_SCENARIO = scenario_yaml("bench-optimize", 3, seven_levers=True)
SEVEN_SPACE = SEVEN_LEVERS
PROBLEMS = {
    "four": {"scenario": SCENARIO, "space": SPACE, "plans": 60, "methods": ("tpe", "random", "grid")},
    "seven": {
        "scenario": SEVEN_SCENARIO,
        "space": {"tpe": SEVEN_SPACE, "random": SEVEN_SPACE},
        "plans": 40,
        "methods": ("tpe", "random"),
    },
}


def study(folder: Path, method: str, seed: int, plans: int, problem: str = "four") -> Path:
    pr = PROBLEMS[problem]
    (folder / "scen.yaml").write_text(pr["scenario"], encoding="utf-8")
    p = folder / f"{method}-{seed}.yaml"
    p.write_text(
        f"""\
name: {method}-{seed}
scenario: scen.yaml
factors:
{pr["space"][method]}replicates: 3
seed: {seed}
optimize:
  trials: {plans}
  batch_size: 10
  sampler: {method}
  objectives: [{{metric: members_final, direction: maximize}}]
  constraints: {{max_monthly_spend: 2000}}
  finalists: 0
""",
        encoding="utf-8",
    )
    return p


def runs_to_within(trials, ref: float, tol: float, replicates: int) -> int | None:
    """Runs (plans actually run x replicates) until the best feasible plan so far has at
    least ``ref * (1 - tol)`` members; None if never."""
    run = trials[trials["repeat_of"] == -1].reset_index(drop=True)
    best = -np.inf
    for i, r in run.iterrows():
        if r["feasible"]:
            best = max(best, r["members_final"])
        if best >= ref * (1 - tol) - 1e-9:
            return (i + 1) * replicates
    return None


def measure(problem: str, seeds: int, tmp: str) -> None:
    pr = PROBLEMS[problem]
    methods, plans = pr["methods"], pr["plans"]
    print(f"\nproblem '{problem}': {plans} plans per method, 3 replicates each; within 2% of the best any method found")
    rows = []
    for seed in range(1, seeds + 1):
        res = {}
        for m in methods:
            folder = Path(tmp) / f"{problem}-{m}{seed}"
            folder.mkdir()
            res[m] = optimize(
                study(folder, m, seed, plans, problem), out=folder / "out", workers=0, charts=False
            ).trials
        ref = float(np.nanmax([r.loc[r["feasible"], "members_final"].max() for r in res.values()]))
        need = {m: runs_to_within(res[m], ref, 0.02, 3) for m in methods}
        best = {m: float(res[m].loc[res[m]["feasible"], "members_final"].max()) for m in methods}
        feas = {m: int(res[m]["feasible"].sum()) for m in methods}
        rows.append((seed, ref, need, best, feas))
    print(
        f"{'seed':>4}  {'best':>6}  "
        + "  ".join(f"{m + ' runs':>12} {m + ' best':>11} {'feasible':>8}" for m in methods)
    )
    for seed, ref, need, best, feas in rows:
        print(
            f"{seed:>4}  {ref:>6.1f}  "
            + "  ".join(f"{(str(need[m]) if need[m] else 'never'):>12} {best[m]:>11.1f} {feas[m]:>8}" for m in methods)
        )
    budget = plans * 3
    mean = {m: float(np.mean([r[2][m] or budget for r in rows])) for m in methods}
    for m in methods:
        print(
            f"{m:>7}: mean runs to within 2% = {mean[m]:.0f} ('never' counts as the full budget, {budget}); "
            f"within 2% on {sum(1 for r in rows if r[2][m])}/{len(rows)} seeds; mean best "
            f"{np.mean([r[3][m] for r in rows]):.1f} members"
        )
    print(
        "ratio to random search (mean runs needed): "
        + ", ".join(f"{m} {mean[m] / mean['random']:.2f}" for m in methods)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--problems", default="four,seven", help="comma-separated: four, seven")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for problem in args.problems.split(","):
            measure(problem.strip(), args.seeds, tmp)
    print(f"\nwall {time.perf_counter() - t0:.0f} s on this machine (shared cores: wall times are inflated)")


if __name__ == "__main__":
    main()
