"""The calibration spec: which scenario parameters to fit, within which bounds, on which series.

A YAML file (validated like scenario files: unknown keys are errors naming file, line and
field), or the equivalent ``--param`` / ``--replay-joins`` command-line options::

    parameters:                              # dotted scenario paths -> bounds
      members.referral.invite_prob: {min: 0.002, max: 0.05, scale: log}
      members.churn.base_hazard:    {min: 0.001, max: 0.05}
    series: {members: 1, active_members: 1}  # weights; default: every history column, weight 1
    joins: fit                               # fit | replay
    replicates: 4                            # simulations per candidate (common random numbers)
    seed: 7                                  # default: the scenario's seed
    method: differential_evolution           # or nelder_mead
    max_evaluations: 300                     # candidate parameter sets at most
    bootstrap: 8                             # parametric-bootstrap refits (0: no uncertainty)
    identifiability: report                  # report | fix (fix the parameters the screen flags)

``method: abc_smc`` gives a parameter posterior by ABC-SMC (pyabc) instead of a search plus
bootstrap; its settings sit under ``abc:`` (population, generations, max_simulations,
min_acceptance_rate, posterior_draws). See :mod:`growthsim.calibrate.abc`.

Every parameter not listed keeps its scenario value. Bounds act as a uniform prior
(uniform in the logarithm with ``scale: log``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from growthsim.calibrate.history import SERIES
from growthsim.errors import ScenarioError, located
from growthsim.i18n import _
from growthsim.scenario.loader import apply_overrides, format_errors, read_yaml, scenario_to_dict


class _Strict(BaseModel):
    # NaN or infinite bounds and weights would make every distance NaN
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class ParamSpec(_Strict):
    """Bounds of one fitted parameter (in the parameter's own unit)."""

    min: float = Field(description="lower bound")
    max: float = Field(description="upper bound")
    scale: Literal["linear", "log"] = Field("linear", description="search uniformly in the value or its log")
    start: float | None = Field(None, description="starting value (Nelder–Mead); default the scenario's value")

    @model_validator(mode="after")
    def _check(self) -> "ParamSpec":
        if not self.min < self.max:
            raise ValueError(_("min ({min:g}) must be below max ({max:g})").format(min=self.min, max=self.max))
        if self.scale == "log" and self.min <= 0:
            raise ValueError(_("scale 'log' needs min > 0, found {min:g}").format(min=self.min))
        if self.start is not None and not self.min <= self.start <= self.max:
            raise ValueError(f"start ({self.start:g}) is outside [{self.min:g}, {self.max:g}]")
        return self


class AbcSpec(_Strict):
    """Settings of ``method: abc_smc`` (see :mod:`growthsim.calibrate.abc`)."""

    population: int = Field(100, ge=10, le=5000, description="accepted particles per generation")
    generations: int = Field(8, ge=1, le=50, description="SMC generations at most")
    max_simulations: int = Field(2000, ge=20, le=200000, description="model runs at most (all generations)")
    min_acceptance_rate: float = Field(0.02, gt=0, le=1, description="stop when fewer are accepted")
    posterior_draws: int = Field(20, ge=2, le=500, description="parameter sets drawn for the forecast")


class FitSpec(_Strict):
    """What to fit and how (see the module docstring)."""

    parameters: dict[str, ParamSpec] = Field(default_factory=dict, description="dotted scenario path -> bounds")
    series: dict[str, float] | None = Field(None, description="history series -> weight (>= 0)")
    joins: Literal["fit", "replay"] = Field(
        "fit",
        description="fit: joins are simulated (and compared); replay: observed joins are replayed "
        "as they happened and are the only joins during the history",
    )
    replicates: int = Field(4, ge=1, le=64, description="simulations per candidate, seeds fixed across candidates")
    seed: int | None = Field(None, ge=0, description="base seed of the fit; default the scenario's")
    method: Literal["differential_evolution", "nelder_mead", "abc_smc"] = "differential_evolution"
    abc: AbcSpec = Field(default_factory=AbcSpec, description="settings of method abc_smc")
    identifiability: Literal["report", "fix"] = Field(
        "report",
        description="report: screen the parameters before fitting and say which the history pins "
        "down; fix: also keep the weakly identified ones at their scenario values",
    )
    max_evaluations: int = Field(300, ge=10, le=20000, description="candidate parameter sets at most")
    bootstrap: int = Field(8, ge=0, le=200, description="parametric-bootstrap refits for uncertainty")

    @model_validator(mode="after")
    def _check(self) -> "FitSpec":
        if len(self.parameters) > 8:
            raise ValueError(
                _("at most 8 parameters can be fitted at once, found {n_parameters}").format(
                    n_parameters=len(self.parameters)
                )
            )
        for name, w in (self.series or {}).items():
            if name not in SERIES:
                raise ValueError(
                    _("series '{name}' is not a history series ({value})").format(name=name, value=", ".join(SERIES))
                )
            if w < 0:
                raise ValueError(_("series weight of '{name}' must be >= 0, found {w:g}").format(name=name, w=w))
        if self.joins == "replay" and any(p.startswith("members.organic_join_prob") for p in self.parameters):
            raise ValueError(_("members.organic_join_prob cannot be fitted when joins are replayed"))
        return self


def load_fit_spec(path: str | Path) -> tuple[FitSpec, dict[tuple, int]]:
    """Read and validate a calibration spec YAML file."""
    data, lines = read_yaml(path, "calibration spec")
    try:
        return FitSpec.model_validate(data), lines
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, str(path), lines)) from None


def parse_param_option(text: str) -> tuple[str, ParamSpec]:
    """``PATH=MIN:MAX[:log]`` (the ``--param`` option) -> (path, bounds)."""
    if "=" not in text:
        raise ScenarioError(_("--param {text}: expected PATH=MIN:MAX or PATH=MIN:MAX:log").format(text=text))
    path, rng = text.split("=", 1)
    parts = rng.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("log", "linear")):
        raise ScenarioError(_("--param {text}: expected PATH=MIN:MAX or PATH=MIN:MAX:log").format(text=text))
    try:
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise ScenarioError(
            _("--param {text}: bounds must be numbers, found {value!r}, {value2!r}").format(
                text=text, value=parts[0], value2=parts[1]
            )
        ) from None
    try:
        return path.strip(), ParamSpec(min=lo, max=hi, scale=parts[2] if len(parts) == 3 else "linear")  # type: ignore[arg-type]  # validated
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ScenarioError(f"--param {text}: {msg}") from None


def _get(data: dict[str, Any], dotted: str) -> Any:
    cur: Any = data
    for key in dotted.split("."):
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        else:
            return None
    return cur


def check_against_scenario(
    spec: FitSpec, scenario, file: str | None = None, lines: dict[tuple, int] | None = None
) -> dict[str, bool]:
    """Check every fitted path exists, is numeric and accepts both bounds.

    Returns path -> whether the field is an integer (candidates are then rounded)."""
    data = scenario_to_dict(scenario)
    lines = lines or {}
    ints: dict[str, bool] = {}
    for path, ps in spec.parameters.items():
        line = lines.get(("parameters", path))
        where = f"parameters.{path}"
        cur = _get(data, path)
        if cur is None or isinstance(cur, (dict, list, str)) or isinstance(cur, bool):
            found = "not a field of the scenario" if cur is None else f"not a number (found {cur!r})"
            raise ScenarioError(
                located(
                    file,
                    line,
                    where,
                    _("{found}; expected a numeric scenario field such as members.referral.invite_prob").format(
                        found=found
                    ),
                )
            )
        ints[path] = isinstance(cur, int)
        for bound in (ps.min, ps.max):
            try:
                apply_overrides(scenario, {path: int(round(bound)) if ints[path] else bound})
            except ScenarioError as exc:
                raise ScenarioError(
                    located(
                        file, line, where, _("bound {bound:g} is not a valid value: {exc}").format(bound=bound, exc=exc)
                    )
                ) from None
    return ints
