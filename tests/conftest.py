"""Shared fixtures: small plans that run in well under a second.

``plan`` is a quiet community (default member rules: ~2 active members a day and almost
no purchases); use it where a test needs little to happen. ``lively`` is a busy one
(~45 active members, ~2 orders and ~3 joins a day, staff running the groups) for tests of
money, conversion, activity windows and referral, where a quiet plan would leave the
checked quantities at zero or hang them on a single event.
"""

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


LIVELY_MEMBERS = {
    "initial": 300,
    "organic_join_prob": 0.0005,
    "propensity": {"alpha": 1.0, "beta": 4.0},  # mean 0.2 (default Beta(0.2, 1.8): 0.1, mostly ~0)
    "referral": {"invite_prob": 0.03},
    "conversion": {"first_purchase_prob": 0.05, "repurchase_prob": 0.08},
}


def lively_plan(**over) -> Scenario:
    """The small market with a busy community: 300 initial members of mean propensity 0.2,
    organic and referral joins, frequent buyers, two admins running three groups of 60
    each. Measured (seed 3, replicates 0-1): ~45 active members, ~2 orders (~250 money of
    revenue), ~3 joins and ~9 invitations a day; ~130 orders in 60 days. Sections given in
    ``over`` replace the defaults whole (``members=...`` replaces ``LIVELY_MEMBERS``)."""
    data = {
        "members": dict(LIVELY_MEMBERS),
        "groups": {"target_size": 60},
        "staff": {"admin": {"count": 2, "salary_per_month": 3000, "groups_each": 3, "hours_per_day": 2}},
    }
    data.update(over)
    return small_plan(name="lively", **data)


@pytest.fixture
def plan() -> Scenario:
    return small_plan()


@pytest.fixture
def lively() -> Scenario:
    return lively_plan()


@pytest.fixture(autouse=True)
def _english_unless_a_test_asks():
    """Tests read English output unless they switch language themselves, whatever the
    machine's locale (growthsim.i18n otherwise follows LANG / LC_ALL)."""
    from growthsim.i18n import use_language

    with use_language("en"):
        yield
