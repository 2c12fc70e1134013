"""Scenario files: schema, loading, variants and overrides."""

from growthsim.scenario.loader import (
    ScenarioFile,
    apply_overrides,
    deep_merge,
    load_scenario,
    load_scenario_variants,
    scenario_to_dict,
    validate_plan,
)
from growthsim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioFile",
    "apply_overrides",
    "deep_merge",
    "load_scenario",
    "load_scenario_variants",
    "scenario_to_dict",
    "validate_plan",
]
