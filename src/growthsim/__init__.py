"""growthsim: agent-based simulation and forecasting of community growth strategy.

Public API::

    from growthsim import load_scenario, simulate, run_plans
    plan = load_scenario("scenarios/baseline.yaml")
    result = simulate(plan, seed=1)            # one replicate
    runs = run_plans({"base": plan}, replicates=10)

``CommunityModel`` is the fast engine; ``ReferenceModel`` the same member rules as a plain
one-agent-per-person Mesa model (slow, for docking and as a baseline).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from growthsim.errors import InputFileError, ScenarioError, UserError

# The engine (mesa, numba, pandas) loads on first use of a name below, not on
# ``import growthsim``: the command line answers --help and check without it.
_LAZY = {
    "Graph": "growthsim.graph",
    "build_graph": "growthsim.graph",
    "CommunityModel": "growthsim.model.community",
    "ReferenceModel": "growthsim.reference",
    "RunResult": "growthsim.results",
    "RunSet": "growthsim.results",
    "run_plans": "growthsim.runner",
    "run_replicates": "growthsim.runner",
    "simulate": "growthsim.runner",
    "Scenario": "growthsim.scenario",
    "ScenarioFile": "growthsim.scenario",
    "apply_overrides": "growthsim.scenario",
    "load_scenario": "growthsim.scenario",
    "load_scenario_variants": "growthsim.scenario",
}

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.graph import Graph, build_graph
    from growthsim.model.community import CommunityModel
    from growthsim.reference import ReferenceModel
    from growthsim.results import RunResult, RunSet
    from growthsim.runner import run_plans, run_replicates, simulate
    from growthsim.scenario import Scenario, ScenarioFile, apply_overrides, load_scenario, load_scenario_variants


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'growthsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))


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
