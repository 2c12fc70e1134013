"""A tiny community with two known rates to recover by fitting: shared by
``tests/test_calibrate_fit.py`` and ``examples/history/recovery_study.py``."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from growthsim.calibrate.history import History, periods_from_columns
from growthsim.calibrate.sim import run_columns
from growthsim.scenario import Scenario

__all__ = ["TRUTH", "synthetic_history", "tiny"]

TRUTH = {"members.referral.invite_prob": 0.05, "members.churn.base_hazard": 0.02}


def tiny(**over) -> Scenario:
    """2,000 people, well mixed, 40 days; engagement held constant, no newcomer interest, no
    core/KOC lift and churn independent of engagement, so members = joins - leaves is
    driven by the two fitted parameters."""
    data = {
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
            # no newcomer interest and no core/KOC lift: only the two fitted rates move
            "lifecycle": {"initial_interest": 0.0},
            "tiers": {"core_stimulus": 0.0, "koc_referral": 0.0},
        },
    }
    data.update(over)
    return Scenario.model_validate(data)


def synthetic_history(plan: Scenario, seed: int, series=("new_members", "active_members", "members")) -> History:
    cols = run_columns(plan, ["new_members", "active", "members"], 1, seed)
    obs = periods_from_columns(cols, list(series), 1, plan.horizon_days)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(plan.horizon_days)]
    return History(
        "synthetic.csv", 1, days, pd.DataFrame({s: v[0] for s, v in obs.items()}), list(range(2, plan.horizon_days + 2))
    )
