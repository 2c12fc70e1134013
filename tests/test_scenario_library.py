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
