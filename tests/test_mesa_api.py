"""The Mesa-facing API of the engine: package exports, ``rng=`` honoured, ``batch_run``,
the horizon guard, member views, and a ``DataCollector`` on Mesa's public API."""

from __future__ import annotations

import mesa
import mesa.experimental.scenarios
import numpy as np
import pandas as pd
import pytest

import growthsim.kernels
import growthsim.metrics
import growthsim.model
from growthsim.model import CommunityModel, MemberSet, PastHorizonError
from growthsim.vocab import MEMBER, STATUS_NAMES

from conftest import small_plan


def _run(**kw) -> CommunityModel:
    m = CommunityModel(small_plan(horizon_days=15, market={"size": 1500}), **kw)
    m.run()
    return m


@pytest.mark.parametrize("package", [growthsim.model, growthsim.kernels, growthsim.metrics])
def test_packages_export_what_they_hold(package):
    assert package.__all__ and all(hasattr(package, name) for name in package.__all__)
    assert len(set(package.__all__)) == len(package.__all__)


def test_model_package_exports():
    from growthsim.model import CommunityModel as A
    from growthsim.model.community import CommunityModel as B

    assert A is B
    assert "replicate_kpis" in growthsim.metrics.__all__ and "churn_pass" in growthsim.kernels.__all__


def test_mesa_scenario_is_not_shadowed():
    m = CommunityModel(small_plan(horizon_days=5))
    assert isinstance(m.scenario, mesa.experimental.scenarios.Scenario)
    assert m.scenario.model is m
    assert m.plan.name == "small"


def test_rng_integer_is_the_seed():
    a, b = _run(rng=11), _run(seed=11)
    assert a.base_seed == 11
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())


def test_rng_generator_is_used_not_ignored():
    runs = [_run(rng=np.random.default_rng(s)) for s in (1, 1, 2)]
    assert runs[0].base_seed == runs[1].base_seed != runs[2].base_seed
    pd.testing.assert_frame_equal(runs[0].timeseries(), runs[1].timeseries())
    # a different generator gives a different run, not the plan's seed
    plan_seed = _run()
    assert not runs[2].timeseries().equals(runs[0].timeseries())
    assert not runs[0].timeseries().equals(plan_seed.timeseries())
    # the base seed reproduces the run
    again = _run(seed=runs[2].base_seed)
    pd.testing.assert_frame_equal(again.timeseries(), runs[2].timeseries())


def test_rng_none_is_fresh_randomness_and_absent_rng_the_plans_seed():
    a, b, c = _run(rng=None), _run(rng=None), _run(seed=None)  # seed=None: what batch_run passes
    assert len({a.base_seed, b.base_seed, c.base_seed}) == 3  # ~2**-62 chance of a clash
    assert not a.timeseries().equals(b.timeseries())
    assert _run().base_seed == small_plan().seed


def test_rng_and_seed_together_or_a_bad_rng_raise():
    plan = small_plan(horizon_days=5)
    with pytest.raises(ValueError, match="seed or rng, not both"):
        CommunityModel(plan, seed=1, rng=2)
    with pytest.raises(ValueError, match="between 0 and 2\\*\\*63-1"):
        CommunityModel(plan, rng=-1)
    with pytest.raises(TypeError, match="seed / rng must be"):
        CommunityModel(plan, rng="seven")


def test_batch_run_with_fresh_rngs_gives_distinct_runs():
    plan = small_plan(horizon_days=12, market={"size": 1500})
    res = mesa.batch_run(
        CommunityModel,
        parameters={"scenario": [plan]},
        rng=[None] * 3,
        max_steps=100,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    assert len(res) == 3  # one row per run: the last collected day
    assert [r["Step"] for r in res] == [12.0] * 3 and [r["day"] for r in res] == [11] * 3
    finals = {(r["members"], r["active"], r["invites_sent"], r["wau"]) for r in res}
    assert len(finals) == 3
    # seeded runs are reproducible through batch_run too
    seeded = mesa.batch_run(
        CommunityModel,
        parameters={"scenario": [plan]},
        rng=[5, 5],
        max_steps=100,
        number_processes=1,
        data_collection_period=1,
        display_progress=False,
    )
    assert len(seeded) == 24
    first = [r["members"] for r in seeded if r["RunId"] == 0]
    assert first == [r["members"] for r in seeded if r["RunId"] == 1]
    assert first == _run_plan(plan, 5)["members"].tolist()


def _run_plan(plan, seed):
    m = CommunityModel(plan, seed=seed)
    m.run()
    return m.timeseries()


def test_stepping_past_the_horizon_raises():
    m = CommunityModel(small_plan(horizon_days=4))
    m.run()
    assert not m.running and m.steps == 4
    with pytest.raises(PastHorizonError, match="day 4, past the plan's horizon of 4 days"):
        m.step()
    assert len(m.timeseries()) == 4  # nothing was collected for the refused day


def test_members_frame_is_a_consistent_snapshot():
    m = CommunityModel(small_plan(horizon_days=20, market={"size": 2000}), seed=3)
    m.run_until(10)
    df = m.members_frame()
    ts = m.timeseries()
    assert len(df) == int((m.pop.join_day >= 0).sum())
    assert (df["status"] == "member").sum() + (df["status"] == "dormant").sum() == ts["members"].iloc[-1]
    assert (df["status"] == "churned").sum() == ts["churned"].iloc[-1]
    assert set(df["source"].unique()) <= {"initial", "organic", "referral"}
    assert (df["source"] == "initial").sum() == m.plan.members.initial
    assert df["paying"].dtype == bool and df.index.name == "unique_id"
    everyone = m.members_frame(include_outsiders=True)
    assert len(everyone) == m.plan.market.size and (everyone["status"] == "outsider").sum() == m.plan.market.size - len(
        df
    )
    assert list(everyone["status"].cat.categories) == list(STATUS_NAMES.values())
    # a snapshot: stepping on does not change it
    before = df.copy()
    m.run_until(20)
    pd.testing.assert_frame_equal(df, before)


def test_member_set_is_agentset_like_and_read_only():
    m = CommunityModel(small_plan(horizon_days=20, market={"size": 2000}), seed=3)
    m.run()
    ms = m.members()
    df = m.members_frame()
    assert isinstance(ms, MemberSet) and len(ms) == len(df)
    alive = ms.select(status="member")
    assert len(alive) == int((m.pop.status == MEMBER).sum())
    assert all(x.status == "member" for x in alive)
    assert ms.agg("revenue", sum) == pytest.approx(df["revenue"].sum())
    assert ms.get("unique_id") == df.index.tolist()
    assert len(ms.select(lambda x: x.active_days > 5, at_most=3)) == 3
    groups = ms.groupby("source")
    assert sum(len(g) for g in groups.values()) == len(ms)
    top = ms.sort("active_days")
    assert top[0].active_days == df["active_days"].max()
    assert sorted(ms.shuffle().get("unique_id")) == ms.get("unique_id")
    pd.testing.assert_frame_equal(ms.to_frame(), df, check_dtype=False, check_categorical=False)
    with pytest.raises(AttributeError):
        ms[0].status = "churned"  # frozen records
    with pytest.raises(AttributeError, match="no field colour"):
        ms.select(colour="red")
    # inspecting does not move the model's random numbers
    state = m.rng.bit_generator.state
    ms.shuffle()
    assert m.rng.bit_generator.state == state


def test_member_set_refuses_large_models(monkeypatch):
    import growthsim.model.members as members

    monkeypatch.setattr(members, "MEMBER_SET_LIMIT", 10)
    m = CommunityModel(small_plan(horizon_days=2, market={"size": 1500}), seed=1)
    with pytest.raises(ValueError, match="use model.members_frame"):
        m.members()


def test_daily_series_uses_mesa_collect():
    m = _run(seed=2)
    dc = m.datacollector
    # Mesa's own collect ran each day: its bookkeeping of collection times is complete
    assert isinstance(dc, mesa.DataCollector)
    assert dc.model_vars["day"] == list(range(15))
    assert dict(dc.model_vars).keys() == set(dc.names)
    with pytest.raises(TypeError):
        dc.model_vars["members"] = []  # a read-only view of the table


def test_the_reference_model_refuses_steps_past_the_horizon_too():
    from growthsim.reference import ReferenceModel

    m = ReferenceModel(small_plan(horizon_days=3, market={"size": 300}, members={"initial": 20}), seed=1, network=False)
    m.run()
    with pytest.raises(PastHorizonError):
        m.step()
