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


@pytest.fixture(autouse=True)
def _english_unless_a_test_asks():
    """Tests read English output unless they switch language themselves, whatever the
    machine's locale (growthsim.i18n otherwise follows LANG / LC_ALL)."""
    from growthsim.i18n import use_language

    with use_language("en"):
        yield
