"""Coverage of the posterior-predictive forecast bands on synthetic truths drawn from the prior.

    python examples/coverage/coverage_study.py [N] [--out DIR]

N (default 20) synthetic cohorts of 400 customers joining over the first 10 days, each
with a truth (order-rate alpha, dropout hazard) drawn from the prior of `fit` below; ABC-SMC
on the first 84 days, posterior-predictive forecast of the next 28 days (40 runs drawn from 200 candidates over 20
posterior draws, selected for their closeness to the end of training, as the engine forecasts); the
held-out points are the 4 weekly order counts and their running totals. Prints and writes
`coverage.json` and `coverage.png` (default into docs/figures/). See docs/calibration.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from growthsim.calibrate.coverage import coverage_study  # noqa: E402
from growthsim.calibrate.spec import FitSpec  # noqa: E402
from growthsim.scenario import Scenario  # noqa: E402

# the cohort and its fit are shared with the fast version of this study (tests/)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from helpers.cohort import cohort_plan, cohort_spec  # noqa: E402

TRAIN, HOLDOUT = 84, 28
JOINS = [40] * 10 + [0] * (TRAIN + HOLDOUT - 10)


def plan() -> Scenario:
    return cohort_plan(400, TRAIN + HOLDOUT, name="coverage cohort")


def spec(population: int = 50, max_simulations: int = 600) -> FitSpec:
    return cohort_spec(population, generations=6, max_simulations=max_simulations, posterior_draws=20)


def figure(res: dict, path: Path) -> None:
    pts = [p for r in res["records"] for p in r["points"] if p["kind"] == "cumulative"]
    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    for k, (lo, hi, label) in enumerate((("p10", "p90", "P10–P90"), ("p2_5", "p97_5", "P2.5–P97.5"))):
        # probability integral transform-like view: where the actual falls in its band
        rel = [(p["actual"] - p[lo]) / max(p[hi] - p[lo], 1e-9) for p in pts]
        ax[k].hist(np.clip(rel, -0.5, 1.5), bins=20, range=(-0.5, 1.5), color="#4C72B0")
        ax[k].axvline(0, color="k", lw=1)
        ax[k].axvline(1, color="k", lw=1)
        ax[k].set_title(f"{label} band: where the actual falls")
        ax[k].set_xlabel("(actual − low) / (high − low); 0..1 = inside")
        ax[k].set_ylabel("held-out running totals")
    fig.suptitle(
        f"{res['histories']} synthetic truths: P10–P90 covers {res['coverage_p10_p90']:.0%}, "
        f"P2.5–P97.5 covers {res['coverage_p2_5_p97_5']:.0%} of {res['points']} held-out points"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=20)
    ap.add_argument("--replot", action="store_true", help="redraw the figure from calibration_coverage.json")
    ap.add_argument("--unconditioned", action="store_true", help="leave out the end-of-training selection")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "docs" / "figures"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        figure(json.loads((out / "calibration_coverage.json").read_text()), out / "calibration_coverage.png")
        return
    res = coverage_study(
        plan(),
        spec(),
        args.n,
        TRAIN,
        HOLDOUT,
        seed=2026,
        draws=40,
        daily_joins=JOINS,
        conditioned=not args.unconditioned,
        log=print,
    )
    print(
        f"P10–P90 coverage {res['coverage_p10_p90']:.3f} (weekly {res['coverage_p10_p90_weekly']:.3f}, "
        f"cumulative {res['coverage_p10_p90_cumulative']:.3f}); P2.5–P97.5 {res['coverage_p2_5_p97_5']:.3f} "
        f"(weekly {res['coverage_p2_5_p97_5_weekly']:.3f}, cumulative {res['coverage_p2_5_p97_5_cumulative']:.3f}); "
        f"{res['points']} points, {res['seconds']:.0f} s"
    )
    (out / "calibration_coverage.json").write_text(json.dumps(res, indent=1, default=float))
    figure(res, out / "calibration_coverage.png")


if __name__ == "__main__":
    main()
