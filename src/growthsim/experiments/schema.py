"""Experiment files: which scenario, which factors, which design, which outputs.

An experiment file is a YAML mapping validated by the pydantic models below (unknown keys
are errors). Example::

    name: reward_x_staffing
    scenario: ../scenarios/baseline.yaml   # relative to this file
    variant: null                           # or a variant name of that file
    overrides:                              # fixed changes applied to every run
      horizon_days: 120
    factors:
      campaigns.invite_reward.reward: {low: 0, high: 20, levels: 5}
      staff.part_time_admin.count: {values: [0, 2, 4, 8]}
    design: {type: grid}                    # grid | lhs | sobol | morris | oat
    replicates: 5
    outputs:
      kpis: [members_end, paying_end, roi]
      series: [members, active]
    seed: 42
    max_runs: 10000

Validation goes beyond the shape of the file: every factor path must exist in the
scenario, and the ends of every range (or every listed value) must be accepted by the
scenario schema (checked by applying them with :func:`growthsim.scenario.apply_overrides`).
Every mistake raises :class:`growthsim.errors.InputFileError` naming the file, the line,
the dotted field path, what was expected and what was found.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from growthsim.errors import InputFileError, UserError, located
from growthsim.i18n import _
from growthsim.inputs import MAX_ERRORS_SHOWN, join_errors, read_yaml_mapping
from growthsim.scenario import ScenarioFile, apply_overrides, scenario_to_dict
from growthsim.scenario.loader import problem_text
from growthsim.scenario.schema import Name, Scenario
from growthsim.vocab import (
    SERIES_GROUPS,
    SERIES_LIFE,
    SERIES_MEMBERS,
    SERIES_MONEY,
    SERIES_PREFIXES,
    SERIES_TIERS,
)

DEFAULT_MAX_RUNS = 10_000
# Runs one sweep may hold at all, even with --yes: each run is a row of results (and the
# run table derives one seed per run), so a million runs is ~10 days of simulation at 1
# run/s; max_runs cannot be set above it.
HARD_MAX_RUNS = 1_000_000

# Daily series a run produces (growthsim.results.RunResult.timeseries), besides the
# per-source ``new_<source>`` and per-category ``cost_<category>`` columns.
SERIES_NAMES = SERIES_MEMBERS + SERIES_MONEY + SERIES_GROUPS + SERIES_LIFE + SERIES_TIERS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Factor(_Strict):
    """One varied scenario field. Give either a range (``low``/``high``) or ``values``.

    A range is continuous for ``type: float`` and covers every integer from ``low`` to
    ``high`` (inclusive) for ``type: int``; the type defaults to ``int`` when both ends are
    integers and the scenario field holds an integer, else ``float``. ``levels`` is the
    number of evenly spaced values a grid design takes from a range (default: the
    design's ``levels``). ``base`` is the value used when the factor is held fixed in a
    one-at-a-time design (default: the scenario's own value).
    """

    low: float | int | None = None
    high: float | int | None = None
    type: Literal["int", "float"] | None = None
    levels: int | None = Field(None, ge=2, le=1000)
    values: list[Any] | None = Field(None, min_length=1)
    base: Any = None

    @model_validator(mode="after")
    def _check(self) -> "Factor":
        has_range = self.low is not None or self.high is not None
        if has_range and self.values is not None:
            raise ValueError(_("give either low/high or values, not both"))
        if not has_range and self.values is None:
            raise ValueError(_("give a range (low and high) or a list of values"))
        if has_range:
            if self.low is None or self.high is None:
                raise ValueError(_("a range needs both low and high"))
            if not (math.isfinite(self.low) and math.isfinite(self.high)):
                raise ValueError(
                    _("expected finite low and high, found low={low}, high={high}").format(
                        low=repr(self.low), high=repr(self.high)
                    )
                )
            if not self.high > self.low:
                raise ValueError(
                    _("high ({high}) must be greater than low ({low})").format(high=self.high, low=self.low)
                )
            if self.type == "int" and not (float(self.low).is_integer() and float(self.high).is_integer()):
                raise ValueError(
                    _("type int needs integer low/high, found {low}..{high}").format(
                        low=repr(self.low), high=repr(self.high)
                    )
                )
        elif self.levels is not None:
            raise ValueError(_("levels applies to a range, not to a list of values"))
        return self

    @property
    def is_range(self) -> bool:
        return self.values is None


class Design(_Strict):
    """How factor values are combined into points.

    - ``grid``: every combination (ranges take ``levels`` evenly spaced values).
    - ``lhs``: ``n`` Latin hypercube samples (scipy.stats.qmc.LatinHypercube).
    - ``sobol``: Saltelli/Sobol' sampling for Sobol' indices (SALib.sample.sobol);
      ``n`` base samples (a power of 2) give ``n*(k+2)`` points, or ``n*(2k+2)`` with
      ``calc_second_order``.
    - ``morris``: ``n`` Morris trajectories of ``k+1`` points (SALib.sample.morris) on
      a ``num_levels`` grid.
    - ``oat``: one at a time: the base point, then each factor at its low and its high end
      with the others at base (``2k+1`` points; what a tornado chart shows).
    """

    type: Literal["grid", "lhs", "sobol", "morris", "oat"] = "grid"
    n: int | None = Field(None, ge=1, le=10_000_000, description="samples / base samples / trajectories")
    levels: int = Field(3, ge=2, le=1000, description="grid: values per range factor")
    calc_second_order: bool = Field(False, description="sobol: also sample for second-order indices")
    num_levels: int = Field(4, ge=2, le=100, description="morris: grid levels")

    @model_validator(mode="after")
    def _check(self) -> "Design":
        if self.type in ("lhs", "sobol", "morris") and self.n is None:
            raise ValueError(_("design type '{type}' needs n (number of samples)").format(type=self.type))
        if self.type == "sobol" and self.n is not None and (self.n & (self.n - 1)) != 0:
            raise ValueError(_("sobol needs n to be a power of 2 (e.g. 64, 128, 256), found {n}").format(n=self.n))
        if self.type == "morris" and self.num_levels % 2:
            raise ValueError(_("morris needs an even num_levels, found {n}").format(n=self.num_levels))
        return self


class Outputs(_Strict):
    """What each run records: KPIs (one value per run) and daily series."""

    kpis: list[str] = Field(default_factory=list, description="KPI names; empty = all")
    series: list[str] = Field(default_factory=list, description="daily series (timeseries columns)")

    @model_validator(mode="after")
    def _check(self) -> "Outputs":
        for name in self.series:
            if name not in SERIES_NAMES and not name.startswith(SERIES_PREFIXES):
                raise ValueError(
                    _(
                        "unknown daily series '{name}'; expected one of {names}, or new_<source> / cost_<category>"
                    ).format(name=name, names=", ".join(SERIES_NAMES))
                )
        return self


class ExperimentSpec(_Strict):
    """The contents of an experiment file."""

    name: Name = Field(min_length=1, max_length=200)
    description: str = ""
    scenario: str = Field(min_length=1, description="scenario file, relative to the experiment file")
    variant: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict, description="dotted path -> value, every run")
    factors: dict[str, Factor] = Field(min_length=1)
    design: Design = Field(default_factory=Design)
    replicates: int = Field(1, ge=1, le=100_000)
    outputs: Outputs = Field(default_factory=Outputs)
    seed: int = Field(20261122, ge=0, le=2**63 - 1)
    common_random_numbers: bool = Field(
        False,
        description="replicate r of every point uses the same seed, so differences between "
        "points are due to the factors, not to chance (default: every run its own seed)",
    )
    max_runs: int = Field(DEFAULT_MAX_RUNS, ge=1, le=HARD_MAX_RUNS)


@dataclass
class Experiment:
    """A validated experiment: the spec plus its resolved base plan.

    Attributes:
        spec: the file's contents.
        path: the experiment file (None when built in code).
        base: the scenario plan with the fixed ``overrides`` applied; factors vary it.
        kinds: factor path -> ``"int"``, ``"float"`` or ``"values"``.
        base_values: factor path -> value held in one-at-a-time designs.
        lines: key path -> line in the experiment file.
    """

    spec: ExperimentSpec
    path: Path | None
    base: Scenario
    kinds: dict[str, str]
    base_values: dict[str, Any]
    lines: dict[tuple, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def factor_names(self) -> list[str]:
        return list(self.spec.factors)

    def fingerprint(self) -> str:
        """Hash of everything that decides the runs (spec + resolved base plan)."""
        blob = json.dumps(
            {"spec": self.spec.model_dump(mode="json"), "base": scenario_to_dict(self.base)},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def with_design(self, design: Design, **changes: Any) -> "Experiment":
        """The same experiment under another design (e.g. ``oat`` for a tornado chart),
        optionally with other top-level fields changed (``replicates=20``, ...)."""
        data = self.spec.model_dump()
        data["design"] = design.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return Experiment(
            spec=ExperimentSpec.model_validate(data),
            path=self.path,
            base=self.base,
            kinds=self.kinds,
            base_values=self.base_values,
            lines=self.lines,
        )


# --------------------------------------------------------------------------- loading


def _where(lines: dict[tuple, int], keys: tuple) -> int | None:
    for cut in range(len(keys), -1, -1):
        if keys[:cut] in lines:
            return lines[keys[:cut]]
    return None


def _read(path: Path) -> tuple[dict[str, Any], dict[tuple, int]]:
    return read_yaml_mapping(path, "experiment", InputFileError, not_found="experiment file not found")


def _format_validation(exc: ValidationError, file: str | None, lines: dict[tuple, int]) -> str:
    msgs = []
    for err in exc.errors()[:MAX_ERRORS_SHOWN]:
        loc = tuple(str(x) for x in err["loc"])
        if len(loc) > 1 and loc[-1] in ("float", "int"):  # the member of a number union
            loc = loc[:-1]
        line = _where(lines, loc)
        path = ".".join(loc) or "(top level)"
        kind = err["type"]
        if kind == "extra_forbidden":
            msg = "unknown key (check the spelling; see experiments/README.md for the fields)"
        else:
            msg = problem_text(err, found_mappings=False)
        msgs.append(located(file, line, path, msg))
    unique = list(dict.fromkeys(msgs))
    return join_errors(unique, total=exc.error_count() - (len(msgs) - len(unique)))


_MISSING = object()


def lookup(data: Any, dotted: str) -> Any:
    """The value at a dotted path of a plain-data scenario, or ``_MISSING``."""
    cur = data
    for key in dotted.split("."):
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif isinstance(cur, list) and key.isdigit() and int(key) < len(cur):
            cur = cur[int(key)]
        else:
            return _MISSING
    return cur


def _missing_path_message(data: dict[str, Any], dotted: str, scenario_file: str) -> str:
    keys = dotted.split(".")
    cur: Any = data
    for i, key in enumerate(keys):
        if isinstance(cur, dict) and key in cur:
            cur = cur[key]
            continue
        parent = ".".join(keys[:i]) or _("(top level)")
        if isinstance(cur, dict):
            have = ", ".join(sorted(map(str, cur))) or _("nothing")
            return _(
                "factor path does not exist in scenario {file}: no '{key}' under {parent} (expected one of: {have})"
            ).format(file=scenario_file, key=key, parent=parent, have=have)
        return _("factor path does not exist in scenario {file}: {parent} is not a section").format(
            file=scenario_file, parent=parent
        )
    return _("factor path does not exist in scenario {file}").format(file=scenario_file)


def _strip_location(message: str) -> str:
    """ScenarioError messages from apply_overrides start with 'file: ' when a source is
    given; we pass none, so the message is 'path: problem'."""
    return message.replace("\n", "; ")


def validate_experiment(
    spec: ExperimentSpec,
    path: Path | None = None,
    lines: dict[tuple, int] | None = None,
    root: Path | None = None,
) -> Experiment:
    """Resolve the scenario, apply the fixed overrides, check every factor against the
    scenario schema; return an :class:`Experiment` or raise InputFileError. The scenario
    path is relative to the experiment file (or ``root``, or the working folder)."""
    lines = lines or {}
    file = str(path) if path else None
    root = root if root is not None else (path.parent if path else Path.cwd())
    scen_path = Path(spec.scenario)
    if not scen_path.is_absolute():
        scen_path = (root / scen_path).resolve()
    if not scen_path.is_file():
        raise InputFileError(
            located(
                file,
                _where(lines, ("scenario",)),
                "scenario",
                _("scenario file not found: {path} (paths are relative to the experiment file)").format(path=scen_path),
            )
        )
    plan = ScenarioFile(scen_path).plan(spec.variant)
    if spec.overrides:
        for key, value in spec.overrides.items():
            try:
                apply_overrides(plan, {key: value})
            except UserError as exc:
                raise InputFileError(
                    located(file, _where(lines, ("overrides", key)), f"overrides.{key}", _strip_location(str(exc)))
                ) from None
        plan = apply_overrides(plan, dict(spec.overrides))
    _check_kpi_names(spec, file, lines)
    data = scenario_to_dict(plan)
    kinds: dict[str, str] = {}
    base_values: dict[str, Any] = {}
    for name, fac in spec.factors.items():
        fline = _where(lines, ("factors", name))
        where = f"factors.{name}"
        if name in spec.overrides:
            raise InputFileError(
                located(file, fline, where, _("is also fixed in overrides; vary it or fix it, not both"))
            )
        current = lookup(data, name)
        if current is _MISSING:
            raise InputFileError(located(file, fline, where, _missing_path_message(data, name, str(scen_path))))
        if isinstance(current, (dict, list)):
            raise InputFileError(
                located(
                    file,
                    fline,
                    where,
                    _("expected a path to a single value, found a section ({kind})").format(
                        kind=type(current).__name__
                    ),
                )
            )
        if fac.is_range:
            field_is_int = isinstance(current, int) and not isinstance(current, bool)
            if isinstance(current, bool) or not isinstance(current, (int, float)) and current is not None:
                raise InputFileError(
                    located(
                        file,
                        fline,
                        where,
                        _("a range needs a numeric field; the scenario holds {value} there (use values: [...])").format(
                            value=repr(current)
                        ),
                    )
                )
            ends_int = float(fac.low).is_integer() and float(fac.high).is_integer()
            kind = fac.type or ("int" if field_is_int and ends_int else "float")
            if field_is_int and kind == "float":
                raise InputFileError(
                    located(
                        file,
                        fline,
                        where,
                        _(
                            "the scenario field is an integer; expected integer low/high (or type: int), found "
                            "low={low}, high={high}"
                        ).format(low=repr(fac.low), high=repr(fac.high)),
                    )
                )
            kinds[name] = kind
            cast = int if kind == "int" else float
            probes = {"low": cast(fac.low), "high": cast(fac.high)}
        else:
            kinds[name] = "values"
            probes = {f"values[{i}]": v for i, v in enumerate(fac.values or [])}
        if fac.base is not None:
            probes["base"] = fac.base
        for label, value in probes.items():
            try:
                apply_overrides(plan, {name: value})
            except UserError as exc:
                raise InputFileError(
                    located(
                        file,
                        fline,
                        where,
                        _("{label} = {value} is not valid for the scenario: {why}").format(
                            label=label, value=repr(value), why=_strip_location(str(exc))
                        ),
                    )
                ) from None
        base_values[name] = fac.base if fac.base is not None else current
    return Experiment(spec=spec, path=path, base=plan, kinds=kinds, base_values=base_values, lines=lines)


def _check_kpi_names(spec: ExperimentSpec, file: str | None, lines: dict[tuple, int]) -> None:
    """Every requested KPI must be one growthsim.metrics.kpis computes."""
    from growthsim.metrics.kpis import KPIS, kpi_info

    for i, name in enumerate(spec.outputs.kpis):
        if name not in KPIS and kpi_info(name).label == name:
            raise InputFileError(
                located(
                    file,
                    _where(lines, ("outputs", "kpis", str(i))),
                    f"outputs.kpis.{i}",
                    _(
                        "unknown KPI {name}; expected one of {names} (or joins_<source>, cac_<channel>, "
                        "cost_<category>)"
                    ).format(name=repr(name), names=", ".join(KPIS)),
                )
            )


def read_spec[S: BaseModel](
    path: str | Path, model: type[S], error: type[Exception]
) -> tuple[S, Path, dict[tuple, int]]:
    """Read the YAML file ``path`` and validate it as ``model``: the spec, the path and the
    file's line map. A validation error is raised as ``error``, naming file, line and field."""
    p = Path(path)
    raw, lines = _read(p)
    try:
        return model.model_validate(raw), p, lines
    except ValidationError as exc:
        raise error(_format_validation(exc, str(p), lines)) from None


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and resolve an experiment file."""
    spec, p, lines = read_spec(path, ExperimentSpec, InputFileError)
    return validate_experiment(spec, p, lines)


def experiment_from_dict(data: dict[str, Any], base_dir: str | Path | None = None) -> Experiment:
    """Build an experiment from a mapping (the scenario path is relative to ``base_dir``)."""
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise InputFileError(_format_validation(exc, None, {})) from None
    return validate_experiment(spec, None, {}, Path(base_dir) if base_dir is not None else None)
