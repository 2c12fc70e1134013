"""Every worked plan in scenarios/ validates, and runs (short horizon, few replicates)."""

from __future__ import annotations

from pathlib import Path

import pytest

from growthsim.runner import run_plans
from growthsim.scenario import ScenarioFile

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_library_has_the_practice_plans():
    names = {f.stem for f in FILES}
    assert {"baseline", "health_food_brand", "neighbourhood_store", "training_school_parents", "interest_community"} <= names


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario_runs_every_variant(path):
    sf = ScenarioFile(path)
    assert sf.variants, f"{path.name} should offer variants to compare"
    rs = run_plans(sf.plans(), replicates=2)
    ts = rs.timeseries
    assert set(ts["variant"]) == set(sf.names)
    assert (ts.groupby("variant")["members"].last() > 0).all()
    assert (ts["cost"] >= 0).all()
