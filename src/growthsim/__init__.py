"""growthsim: agent-based simulation and forecasting of community growth strategy.

Public API::

    from growthsim import load_scenario, simulate, run_plans
    plan = load_scenario("scenarios/baseline.yaml")
    result = simulate(plan, seed=1)            # one replicate
    runs = run_plans({"base": plan}, replicates=10)

``CommunityModel`` is the fast engine; ``ReferenceModel`` the same member rules as a plain
one-agent-per-person Mesa model (slow, for docking and as a baseline).
"""

from growthsim.errors import InputFileError, ScenarioError, UserError
from growthsim.graph import Graph, build_graph
from growthsim.model.community import CommunityModel
from growthsim.reference import ReferenceModel
from growthsim.results import RunResult, RunSet
from growthsim.runner import run_plans, run_replicates, simulate
from growthsim.scenario import Scenario, ScenarioFile, apply_overrides, load_scenario, load_scenario_variants

__version__ = "0.1.0"

__all__ = [
    "CommunityModel",
    "Graph",
    "InputFileError",
    "ReferenceModel",
    "RunResult",
    "RunSet",
    "Scenario",
    "ScenarioError",
    "ScenarioFile",
    "UserError",
    "apply_overrides",
    "build_graph",
    "load_scenario",
    "load_scenario_variants",
    "run_plans",
    "run_replicates",
    "simulate",
]
