"""Every worked plan in scenarios/ validates; each variant changes the outcome and the books balance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from growthsim.runner import run_plans
from growthsim.scenario import ScenarioFile

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_library_has_the_practice_plans():
    names = {f.stem for f in FILES}
    assert {
        "baseline",
        "health_food_brand",
        "neighbourhood_store",
        "training_school_parents",
        "interest_community",
    } <= names


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_variant_runs_changes_the_outcome_and_keeps_the_books(path):
    """Each plan and each of its variants over the plan's horizon, 2 replicates: every
    variant changes the time series of the base plan (no variant is a no-op: with common
    random numbers an unchanged plan would give identical rows); people and money add up
    (members = initial + joins - leavers every day, joins = the sum over sources, cost =
    the sum of its categories = the ledger)."""
    sf = ScenarioFile(path)
    assert sf.variants, f"{path.name} should offer variants to compare"
    plans = sf.plans()
    rs = run_plans(plans, replicates=2)
    ts = rs.timeseries
    assert set(ts["variant"]) == set(sf.names)
    cols = [c for c in ts.columns if c not in ("variant", "replicate", "day")]
    base = ts[ts["variant"] == "base"].reset_index(drop=True)
    for name, plan in plans.items():
        v = ts[ts["variant"] == name].reset_index(drop=True)
        if name != "base":
            shared = [c for c in cols if c in base.columns and v[c].notna().all() and base[c].notna().all()]
            assert not v[shared].equals(base[shared]), f"variant {name} changes nothing"
        for _, run in v.groupby("replicate"):
            joined = plan.members.initial + run["new_members"].cumsum()
            assert (run["members"] == joined - run["churned"]).all(), name
            sources = [c for c in run.columns if c.startswith("new_") and c != "new_members" and run[c].notna().all()]
            assert (run[sources].sum(axis=1) == run["new_members"]).all(), name
            cats = [c for c in run.columns if c.startswith("cost_") and run[c].notna().all()]
            np.testing.assert_allclose(run[cats].sum(axis=1), run["cost"], atol=1e-6)
        assert v.groupby("replicate")["members"].last().min() > 0
    led = rs.ledger.groupby(["variant", "replicate"])["amount"].sum()
    np.testing.assert_allclose(
        led.to_numpy(), ts.groupby(["variant", "replicate"])["cost"].sum()[led.index].to_numpy(), rtol=1e-9
    )


@pytest.mark.slow
def test_launch_plan_targets_core_share_and_its_points_programme_raises_it():
    """The launch plan's targets hold the practice's three stage targets (groups, 1% paying,
    5% core by month 3). Its points programme raises the day-90 core share on paired runs:
    measured 6.2% vs 5.0% (8 replicates, P10–P90 spans ~0.6 points), so with common random
    numbers each of 2 pairs is required to gain at least 0.5 points; the programme's
    rewards are booked under ``points``."""
    from growthsim.metrics.kpis import kpi_table

    sf = ScenarioFile(ROOT / "scenarios" / "launch_100_groups.yaml")
    plans = sf.plans()
    kpis = {t.kpi: t for t in plans["base"].targets}
    assert {"groups", "conversion_rate", "core_share"} <= set(kpis)
    assert kpis["core_share"].checkpoint == 90 and kpis["core_share"].at_least == 0.05
    rs = run_plans({k: plans[k] for k in ("base", "no_points")}, replicates=2)
    t = kpi_table(rs).set_index(["variant", "replicate"])
    gain = t.loc["base", "core_share"] - t.loc["no_points", "core_share"]
    assert (gain >= 0.005).all(), gain
    assert (t.loc["base", "cost_points"] > 0).all() and (t.loc["no_points", "cost_points"].fillna(0) == 0).all()
