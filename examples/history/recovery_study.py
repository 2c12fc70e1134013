"""Parameter recovery over many synthetic histories: how close the fit lands to the known
parameters and how often the bootstrap P5–P95 interval covers them.

Same tiny community and settings as tests/test_calibrate_fit.py::test_parameter_recovery
(2,000 people, 40 days, invite_prob 0.05 and base_hazard 0.02 to recover from first
guesses 0.01 and 0.005). Run: python examples/history/recovery_study.py [N_HISTORIES]
"""

import datetime as dt
import sys

import numpy as np
import pandas as pd

from growthsim.calibrate.fit import fit
from growthsim.calibrate.history import History, periods_from_columns
from growthsim.calibrate.sim import run_columns
from growthsim.calibrate.spec import FitSpec, check_against_scenario
from growthsim.scenario import Scenario, apply_overrides

TRUTH = {"members.referral.invite_prob": 0.05, "members.churn.base_hazard": 0.02}
START = Scenario.model_validate(
    {
        "name": "tiny",
        "seed": 3,
        "horizon_days": 40,
        "replicates": 4,
        "market": {"size": 2000, "graph": {"model": "well_mixed", "mean_degree": 10}},
        "members": {
            "initial": 100,
            "organic_join_prob": 0.0,
            "referral": {"invite_prob": 0.01, "accept_prob": 0.3},
            "engagement": {"initial": 0.8, "daily_decay": 0.0, "habit_gain": 0.0, "stimulus_response": 0.0},
            "churn": {"base_hazard": 0.005, "engagement_sensitivity": 0.0, "silent_days": 60},
            "propensity": {"distribution": "constant", "value": 0.3},
        },
    }
)
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
        cols = run_columns(truth, ["new_members", "active", "members"], 1, 1000 + k)
        obs = periods_from_columns(cols, ["new_members", "members"], 1, 40)
        days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(40)]
        h = History("synthetic", 1, days, pd.DataFrame({s: v[0] for s, v in obs.items()}), list(range(2, 42)))
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
