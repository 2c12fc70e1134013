"""Common random numbers for lever decisions.

Lever draws (a channel's reach rounding, lottery winners, the groups a KOL post reaches) are
keyed like member draws — ``(seed, day, purpose, person or group, lever stream)`` with the
stream a hash of the lever's name — so a lever that does nothing cannot shift another
lever's dice. The checks are exact: every column the added lever does not own is byte for
byte the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthsim.kernels import rng as KR
from growthsim.model.community import CommunityModel
from growthsim.scenario import Scenario


def lively(**extra) -> dict:
    """A small plan whose levers all draw: fractional channel reach, a lottery (winners
    drawn among participants), a KOL reaching 2 of the groups, a VIP programme."""
    data = {
        "name": "crn",
        "seed": 11,
        "horizon_days": 100,
        "replicates": 1,
        "market": {"size": 3000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        "members": {"initial": 120, "organic_join_prob": 0.0005, "referral": {"invite_prob": 0.03}},
        "groups": {"target_size": 40, "vip": {"enabled": True, "start_day": 30}},
        "staff": {"admin": {"count": 2, "groups_each": 2}},
        "channels": {"ads": {"daily_budget": 50, "max_reach": 37.3, "half_saturation_spend": 80, "join_rate": 0.2}},
        "campaigns": {
            "draw": {"kind": "lottery", "schedule": {"start_day": 10, "every_days": 15}, "win_prob": 0.3, "prize": 1.5}
        },
        "kols": {"star": {"kind": "external", "schedule": {"per_week": 2}, "cost_per_post": 20, "groups_reached": 2}},
    }
    for section, items in extra.items():
        data[section] = {**data[section], **items}
    return data


def run(plan) -> tuple[pd.DataFrame, dict]:
    sc = plan if isinstance(plan, Scenario) else Scenario.model_validate(plan)
    m = CommunityModel(sc)
    m.run()
    return m.timeseries(), m.scalars()


def assert_same_except(a: pd.DataFrame, b: pd.DataFrame, own: set[str]) -> None:
    shared = [c for c in a.columns if c not in own]
    assert set(shared) <= set(b.columns)
    for c in shared:
        assert a[c].to_numpy().tobytes() == b[c].to_numpy().tobytes(), c


def test_base_plan_uses_every_lever_draw():
    """The base plan makes the draws the other tests rely on: lottery winners paid, KOL
    posts to part of the groups, fractional reach."""
    ts, _ = run(lively())
    assert ts["cost_campaign:draw"].sum() > 0
    assert ts["cost_kol:star"].sum() > 0
    assert ts["groups"].max() > 2  # the KOL reaches only some of the groups
    assert ts["new_ads"].sum() > 0


def test_channel_bringing_nobody_changes_nothing_else():
    base, base_sc = run(lively())
    # reaches people every day (fractional reach: its own rounding draws) but nobody joins
    nobody = {"void": {"kind": "content", "base_reach": 12.5, "max_reach": 0, "join_rate": 0.0}}
    ts, sc = run(lively(channels=nobody))
    assert ts["new_void"].sum() == 0
    assert_same_except(base, ts, {"new_void", "cost_channel:void"})
    assert (ts["cost_channel:void"] == 0).all()
    assert sc == base_sc or all((np.isnan(sc[k]) and np.isnan(base_sc[k])) or sc[k] == base_sc[k] for k in base_sc)
    # placed first, before the existing channel, it still changes nothing
    data = lively()
    data["channels"] = {**nobody, **data["channels"]}
    first, _ = run(data)
    assert_same_except(base, first, {"new_void", "cost_channel:void"})


def test_campaign_outside_the_horizon_changes_nothing_else():
    base, _ = run(lively())
    # a second lottery whose draws fall after the horizon: validated on a longer horizon,
    # then run on the base one (a plan cut short by a shorter horizon)
    late = Scenario.model_validate(
        {
            **lively(campaigns={"late": {"kind": "lottery", "schedule": {"days": [130, 140]}, "prize": 3}}),
            "horizon_days": 150,
        }
    ).model_copy(update={"horizon_days": 100})
    ts, _ = run(late)
    assert_same_except(base, ts, {"cost_campaign:late"})
    assert (ts["cost_campaign:late"] == 0).all()


def test_kol_added_on_the_last_day_changes_only_that_day():
    base, _ = run(lively())
    ts, _ = run(lively(kols={"late": {"kind": "external", "schedule": {"days": [99]}, "groups_reached": 1}}))
    assert_same_except(base.iloc[:99], ts.iloc[:99], {"cost_kol:late"})


def test_lever_streams_are_stable_name_hashes():
    assert KR.stream_key("channel:ads") == KR.stream_key("channel:ads")
    assert KR.stream_key("channel:ads") != KR.stream_key("channel:ads2")
    u = KR.uniform_keys(np.uint64(5), 3, KR.P_KOL_REACH, 4, 9)
    assert u.tolist() == [KR.uniform(np.uint64(5), 3, KR.P_KOL_REACH, a, 9) for a in range(4)]
    ids = np.arange(20_000, dtype=np.int64)
    # a binomial(20000, 0.3) count: sd ~ 65, the bound is 6 sd
    k = KR.count_below(np.uint64(5), 3, KR.P_LOTTERY, ids, 1, 0.3)
    assert abs(k - 6000) < 390
