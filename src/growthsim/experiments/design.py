"""Expanding an experiment's design into points, and deriving each run's seed.

A *point* is one combination of factor values; a *run* is one replicate of one point.
Runs are numbered ``run = point * replicates + replicate``.

Samplers: scipy.stats.qmc.LatinHypercube (``lhs``), SALib.sample.sobol (``sobol``),
SALib.sample.morris (``morris``). They draw in a continuous space described by a SALib
``problem`` (names + bounds); values are then mapped onto the factors:

- float range ``[low, high]``: used as is;
- int range ``low..high``: bounds ``[low, high + 1)``, value ``floor(x)`` (every integer
  equally likely), capped at ``high``;
- list of values: bounds ``[0, len)``, value ``values[floor(x)]``.

The sampled matrix is deterministic given the experiment's seed, so the sensitivity
analysis re-derives it instead of storing it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from growthsim.experiments.schema import Experiment

SEED_MASK = (1 << 63) - 1  # seeds stay within the scenario schema's 0..2**63-1


@dataclass
class DesignTable:
    """An expanded design.

    Attributes:
        points: one row per point: ``point`` then one column per factor (dotted path).
        sample: the sampler's matrix (points x factors) in the SALib problem's space;
            None for grid and oat designs.
        problem: the SALib problem (``num_vars``, ``names``, ``bounds``).
    """

    points: pd.DataFrame
    sample: np.ndarray | None
    problem: dict[str, Any]

    @property
    def n_points(self) -> int:
        return len(self.points)

    def overrides(self, point: int, names: list[str]) -> dict[str, Any]:
        """Factor values of one point as ``{dotted path: python value}``."""
        row = self.points.iloc[point]
        return {n: _py(row[n]) for n in names}


def _py(value: Any) -> Any:
    """numpy scalar -> plain Python (so pydantic and YAML see ints and floats)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def run_seed(experiment_seed: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate): ``SeedSequence(experiment_seed,
    spawn_key=(point, replicate)).generate_state(1, uint64)[0]`` masked to 63 bits.

    ``growthsim run SCENARIO --seed SEED --replicates 1`` with the point's factor values
    reproduces the run exactly (the sweep calls ``simulate(plan, seed=SEED, replicate=0)``).
    """
    ss = np.random.SeedSequence(int(experiment_seed), spawn_key=(int(point), int(replicate)))
    return int(ss.generate_state(1, np.uint64)[0]) & SEED_MASK


def problem_of(exp: Experiment) -> dict[str, Any]:
    """SALib problem: one variable per factor, bounds as described in the module doc."""
    names, bounds = [], []
    for name, fac in exp.spec.factors.items():
        kind = exp.kinds[name]
        if kind == "values":
            b = [0.0, float(len(fac.values or []))]
        elif kind == "int":
            b = [float(fac.low), float(fac.high) + 1.0]
        else:
            b = [float(fac.low), float(fac.high)]
        names.append(name)
        bounds.append(b)
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _map_column(exp: Experiment, name: str, x: np.ndarray) -> list[Any]:
    fac = exp.spec.factors[name]
    kind = exp.kinds[name]
    if kind == "float":
        return [float(v) for v in np.clip(x, float(fac.low), float(fac.high))]
    if kind == "int":
        return [int(v) for v in np.clip(np.floor(x), int(fac.low), int(fac.high))]
    vals = list(fac.values or [])
    idx = np.clip(np.floor(x).astype(np.int64), 0, len(vals) - 1)
    return [vals[i] for i in idx]


def _grid_levels(exp: Experiment, name: str) -> list[Any]:
    fac = exp.spec.factors[name]
    kind = exp.kinds[name]
    if kind == "values":
        return list(fac.values or [])
    n = fac.levels or exp.spec.design.levels
    xs = np.linspace(float(fac.low), float(fac.high), n)
    if kind == "int":
        return list(dict.fromkeys(int(round(v)) for v in xs))
    return [float(v) for v in xs]


def _oat_ends(exp: Experiment, name: str) -> tuple[Any, Any]:
    fac = exp.spec.factors[name]
    kind = exp.kinds[name]
    if kind == "values":
        vals = list(fac.values or [])
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            return min(vals), max(vals)
        return vals[0], vals[-1]
    cast = int if kind == "int" else float
    return cast(fac.low), cast(fac.high)


def expand(exp: Experiment) -> DesignTable:
    """All points of the experiment's design, in a fixed order."""
    d = exp.spec.design
    names = exp.factor_names
    problem = problem_of(exp)
    sample: np.ndarray | None = None
    if d.type == "grid":
        rows = list(itertools.product(*(_grid_levels(exp, n) for n in names)))
        cols = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    elif d.type == "oat":
        base = {n: exp.base_values[n] for n in names}
        rows_d = [dict(base)]
        for n in names:
            lo, hi = _oat_ends(exp, n)
            rows_d.append({**base, n: lo})
            rows_d.append({**base, n: hi})
        cols = {n: [r[n] for r in rows_d] for n in names}
    else:
        if d.type == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(exp.spec.seed)).random(d.n)
            lo = np.array([b[0] for b in problem["bounds"]])
            hi = np.array([b[1] for b in problem["bounds"]])
            sample = qmc.scale(unit, lo, hi) if len(names) else unit
        elif d.type == "sobol":
            from SALib.sample import sobol as sobol_sample

            sample = sobol_sample.sample(
                problem, d.n, calc_second_order=d.calc_second_order, seed=exp.spec.seed % (2**32)
            )
        elif d.type == "morris":
            from SALib.sample import morris as morris_sample

            sample = morris_sample.sample(problem, d.n, num_levels=d.num_levels, seed=exp.spec.seed % (2**32))
        else:  # pragma: no cover - guarded by the schema
            raise ValueError(d.type)
        cols = {n: _map_column(exp, n, sample[:, i]) for i, n in enumerate(names)}
    n_points = len(next(iter(cols.values()))) if cols else 0
    points = pd.DataFrame({"point": np.arange(n_points, dtype=np.int64)})
    for n in names:
        points[n] = pd.Series(cols[n], dtype=_dtype(exp.kinds[n], cols[n]))
    return DesignTable(points=points, sample=sample, problem=problem)


def _dtype(kind: str, values: list[Any]) -> Any:
    if kind == "int":
        return "int64"
    if kind == "float":
        return "float64"
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int64"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float64"
    return "object"


def expected_points(exp: Experiment) -> int:
    """Number of points the design yields, without sampling."""
    d = exp.spec.design
    k = len(exp.factor_names)
    if d.type == "grid":  # Python ints: 512 levels over 8 factors overflow int64
        return math.prod(len(_grid_levels(exp, n)) for n in exp.factor_names)
    if d.type == "oat":
        return 2 * k + 1
    if d.type == "lhs":
        return int(d.n)
    if d.type == "sobol":
        return int(d.n) * (2 * k + 2 if d.calc_second_order else k + 2)
    return int(d.n) * (k + 1)  # morris


def run_table(exp: Experiment, design: DesignTable) -> pd.DataFrame:
    """One row per run: ``run, point, replicate, seed`` (runs numbered point-major).
    With ``common_random_numbers`` the seed of (point, replicate) is that of (0, replicate)."""
    reps = exp.spec.replicates
    n = design.n_points
    point = np.repeat(np.arange(n, dtype=np.int64), reps)
    rep = np.tile(np.arange(reps, dtype=np.int64), n)
    crn = exp.spec.common_random_numbers
    seeds = [run_seed(exp.spec.seed, 0 if crn else p, r) for p, r in zip(point, rep)]
    return pd.DataFrame(
        {
            "run": np.arange(n * reps, dtype=np.int64),
            "point": point,
            "replicate": rep,
            "seed": np.array(seeds, dtype=np.int64),
        }
    )
