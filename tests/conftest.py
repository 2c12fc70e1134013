"""Shared fixtures: small plans that run in well under a second."""

from __future__ import annotations

import pytest

from growthsim.scenario import Scenario


def small_plan(**over) -> Scenario:
    """A few-thousand-person market with every default member rule."""
    data = {
        "name": "small",
        "seed": 7,
        "horizon_days": 60,
        "replicates": 3,
        "market": {"size": 3000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        "members": {"initial": 100},
    }
    for k, v in over.items():
        data[k] = v
    return Scenario.model_validate(data)


@pytest.fixture
def plan() -> Scenario:
    return small_plan()
