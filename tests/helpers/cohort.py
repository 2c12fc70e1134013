"""A customer cohort for calibration studies: shared by ``tests/test_calibrate_coverage.py``,
``tests/test_calibrate_abc.py`` and ``examples/coverage/coverage_study.py``.

Nobody joins by themselves or by word of mouth (the joins are replayed), engagement is
flat, every active day is an order, and members leave with a constant hazard: the order
count is driven by two parameters, the propensity's ``alpha`` (order rate) and
``churn.base_hazard`` (dropout), which :func:`cohort_spec` fits.
"""

from __future__ import annotations

from growthsim.calibrate.spec import FitSpec
from growthsim.scenario import Scenario

__all__ = ["cohort_plan", "cohort_spec"]


def cohort_plan(size: int, horizon: int, name: str = "cohort") -> Scenario:
    """``size`` people in a well-mixed market over ``horizon`` days (2 replicates, seed 11)."""
    return Scenario.model_validate(
        {
            "name": name,
            "seed": 11,
            "horizon_days": horizon,
            "replicates": 2,
            "market": {"size": size, "graph": {"model": "well_mixed", "mean_degree": 8}},
            "members": {
                "initial": 0,
                "organic_join_prob": 0.0,
                "referral": {"invite_prob": 0.0},
                "propensity": {"alpha": 0.05, "beta": 2.0},
                "engagement": {
                    "initial": 1.0,
                    "daily_decay": 0.0,
                    "stimulus_response": 0.0,
                    "habit_gain": 0.0,
                    "baseline_stimulus": 0.0,
                },
                "conversion": {"first_purchase_prob": 1.0, "repurchase_prob": 1.0},
                "churn": {
                    "base_hazard": 0.003,
                    "engagement_sensitivity": 0.0,
                    "silent_days": 365,
                    "dormant_activity_factor": 1.0,
                },
            },
            "groups": {"crowding_penalty": 0.0, "unmanaged_decay_multiplier": 1.0, "unmanaged_churn_multiplier": 1.0},
        }
    )


def cohort_spec(population: int, generations: int, max_simulations: int, posterior_draws: int) -> FitSpec:
    """ABC-SMC of the order rate (``alpha``) and the dropout hazard on weekly purchases,
    with the joins replayed; the prior ranges are those the coverage study draws truths from."""
    return FitSpec.model_validate(
        {
            "parameters": {
                "members.propensity.alpha": {"min": 0.02, "max": 0.5, "scale": "log"},
                "members.churn.base_hazard": {"min": 0.001, "max": 0.05, "scale": "log"},
            },
            "series": {"purchases": 1},
            "joins": "replay",
            "replicates": 1,
            "method": "abc_smc",
            "abc": {
                "population": population,
                "generations": generations,
                "max_simulations": max_simulations,
                "posterior_draws": posterior_draws,
            },
        }
    )
