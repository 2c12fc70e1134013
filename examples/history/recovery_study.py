"""Parameter recovery over many synthetic histories: how close the fit lands to the known
parameters and how often the bootstrap P5–P95 interval covers them.

The tiny community of tests/test_calibrate_fit.py::test_parameter_recovery, from the
module both use (tests/helpers/recovery.py: 2,000 people, 40 days, invite_prob 0.05 and base_hazard 0.02 to recover from first
guesses 0.01 and 0.005). Run: python examples/history/recovery_study.py [N_HISTORIES]
"""

import sys
from pathlib import Path

import pandas as pd

from growthsim.calibrate.fit import fit
from growthsim.calibrate.spec import FitSpec, check_against_scenario
from growthsim.scenario import apply_overrides

# the community and its synthetic histories are shared with the test (tests/)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from helpers.recovery import TRUTH, synthetic_history, tiny  # noqa: E402

START = tiny()
SPEC = FitSpec.model_validate(
    {
        "parameters": {p: {"min": 0.002, "max": 0.1, "scale": "log"} for p in TRUTH},
        "series": {"members": 1, "new_members": 1},
        "replicates": 2,
        "max_evaluations": 100,
        "bootstrap": 5,
    }
)


def main(n: int) -> None:
    truth = apply_overrides(START, TRUTH)
    ints = check_against_scenario(SPEC, START)
    rows = []
    for k in range(n):
        h = synthetic_history(truth, seed=1000 + k, series=("new_members", "members"))
        r = fit(START, h, SPEC, ints, quality_replicates=4)
        for name, true in TRUTH.items():
            u = r.uncertainty[name]
            rows.append((k, name, r.values[name], r.values[name] / true - 1, u["p5"] <= true <= u["p95"]))
    df = pd.DataFrame(rows, columns=["history", "parameter", "fitted", "rel_error", "covered"])
    for name, g in df.groupby("parameter"):
        print(
            f"{name}: truth {TRUTH[name]}, median fitted {g['fitted'].median():.4g}, "
            f"median |rel. error| {100 * g['rel_error'].abs().median():.0f}%, "
            f"max |rel. error| {100 * g['rel_error'].abs().max():.0f}%, "
            f"P5–P95 covers truth in {int(g['covered'].sum())}/{len(g)}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
