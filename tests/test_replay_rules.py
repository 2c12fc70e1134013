"""One ``simulate`` with the replay rule as a parameter (``growthsim.model.replay``)."""

from __future__ import annotations

import pandas as pd
import pytest

from growthsim.calibrate import sim as calibrate_sim
from growthsim.calibrate.sim import with_replay
from growthsim.model.community import CommunityModel
from growthsim.model.replay import ExclusiveReplayModel, model_class
from growthsim.runner import build_model, simulate
from growthsim.scenario import apply_overrides
from test_calibrate_fit import tiny

JOINS = [3, 0, 5, 1, 2] * 4  # 20 replayed days of a 30-day plan


def _replayed():
    plan = apply_overrides(tiny(horizon_days=30), {"members.referral.invite_prob": 0.05})
    return with_replay(plan, JOINS)


def test_calibrate_simulate_is_the_runner_with_exclusive_replay():
    rp = _replayed()
    a = calibrate_sim.simulate(rp, 9, 1)
    b = simulate(rp, 9, 1, replay="exclusive")
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert a.scalars == pytest.approx(b.scalars, nan_ok=True)


def test_the_two_rules_differ_only_where_a_plan_replays():
    rp = _replayed()
    added = simulate(rp, 9, 0).timeseries  # the default rule: replayed joins on top
    exclusive = simulate(rp, 9, 0, replay="exclusive").timeseries
    assert exclusive["new_members"].iloc[:20].tolist() == JOINS
    assert added["new_replay"].iloc[:20].tolist() == JOINS
    assert added["new_referral"].iloc[:20].sum() > 0  # the model's own joins as well
    assert (added["new_members"].iloc[:20] >= exclusive["new_members"].iloc[:20]).all()
    # without a replay block the rules are the same run
    plain = tiny(horizon_days=30)
    pd.testing.assert_frame_equal(
        simulate(plain, 4, 0).timeseries, simulate(plain, 4, 0, replay="exclusive").timeseries
    )


def test_model_class_and_build_model():
    rp = _replayed()
    assert model_class(rp, "exclusive") is ExclusiveReplayModel
    assert model_class(rp, "added") is CommunityModel
    assert model_class(tiny(), "exclusive") is CommunityModel
    assert type(build_model(rp, 1, 0, replay="exclusive")) is ExclusiveReplayModel
    with pytest.raises(ValueError, match="replay rule must be one of added, exclusive"):
        model_class(rp, "both")
