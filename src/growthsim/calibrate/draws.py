"""Parameter sets that carry a fit's uncertainty into forecasts.

``growthsim calibrate`` fits θ̂ and re-fits ``bootstrap`` synthetic histories (a parametric
bootstrap; see :mod:`growthsim.calibrate.fit`). The point estimate and the re-fits are
written next to ``calibrated.yaml`` as ``parameter_draws.csv`` (scenario files forbid
unknown keys, so they cannot live inside it)::

    draw,source,members.referral.invite_prob,members.churn.base_hazard
    0,fit,0.0296655,0.050239
    1,bootstrap,0.0183,0.0139
    ...

Row 0 is the point estimate (the values in ``calibrated.yaml``); rows 1..B are the re-fits.
A forecast run with replicate index ``r`` uses parameter set ``r mod D`` (D = B + 1 rows):
a deterministic round-robin, the same for every plan (common random numbers), so the
end-of-history conditioning weighs the parameter sets together with the paths.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from growthsim.calibrate.history import finite_number
from growthsim.errors import InputFileError, ScenarioError, located
from growthsim.i18n import _, gettext  # gettext where a function keeps `_` for a discarded value
from growthsim.io import atomic_write_text
from growthsim.scenario.loader import apply_overrides, scenario_to_dict
from growthsim.scenario.schema import Scenario

DRAWS_SIDECAR = "parameter_draws.csv"
REL_TOL = 1e-9  # the point estimate must equal the scenario's value up to this


def _get(doc: dict[str, Any], dotted: str) -> Any:
    cur: Any = doc
    for k in dotted.split("."):
        if not isinstance(cur, dict) or k not in cur:
            raise KeyError(dotted)
        cur = cur[k]
    return cur


def _same(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=1e-12)


@dataclass(frozen=True)
class ParameterDraws:
    """The point estimate (row 0) and the bootstrap re-fits (rows 1..B).

    Attributes:
        names: dotted scenario paths.
        values: (D, P) parameter values, row 0 the point estimate.
        sources: per row, ``fit`` (row 0), then ``bootstrap`` (re-fits) or ``posterior`` (ABC-SMC draws).
        path: the file read, if any.
    """

    names: tuple[str, ...]
    values: np.ndarray
    sources: tuple[str, ...]
    path: str | None = None

    def __len__(self) -> int:
        return int(self.values.shape[0])

    # ---------------------------------------------------------------- making and storing

    @classmethod
    def from_fit(cls, values: dict[str, Any], uncertainty: dict[str, dict[str, Any]]) -> "ParameterDraws | None":
        """From a fit's values and its bootstrap re-fits; None without re-fits."""
        # parameters without draws (fixed by the identifiability screen) keep their value
        names = tuple(n for n in values if uncertainty.get(n, {}).get("refits"))
        if not names:
            return None
        refits = np.asarray([uncertainty[n]["refits"] for n in names], dtype=float).T
        rows = np.vstack([np.asarray([float(values[n]) for n in names]), refits])
        source = uncertainty[names[0]].get("source", "bootstrap")
        return cls(names, rows, ("fit",) + (source,) * len(refits))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.values, columns=list(self.names))
        df.insert(0, "source", list(self.sources))
        df.insert(0, "draw", np.arange(len(self)))
        return df

    def write(self, path: str | Path) -> Path:
        return atomic_write_text(path, self.frame().to_csv(index=False, float_format="%.17g", lineterminator="\n"))

    @classmethod
    def read(cls, path: str | Path) -> "ParameterDraws":
        """Read and check a ``parameter_draws.csv``; errors name file, line and column."""
        from growthsim.inputs import MAX_DRAWS_BYTES, MAX_DRAWS_ROWS, check_file

        f = str(path)
        check_file(path, MAX_DRAWS_BYTES, "parameter draws")
        rows: list = []
        try:
            with open(path, newline="", encoding="utf-8") as fh:
                for row in csv.reader(fh):
                    if len(rows) > MAX_DRAWS_ROWS:
                        raise InputFileError(
                            located(
                                f,
                                len(rows) + 1,
                                None,
                                _("expected at most {MAX_DRAWS_ROWS:,} parameter sets, found more").format(
                                    MAX_DRAWS_ROWS=MAX_DRAWS_ROWS
                                ),
                            )
                        )
                    rows.append(row)
        except UnicodeDecodeError as exc:
            raise InputFileError(
                located(
                    f,
                    None,
                    None,
                    _("not a UTF-8 text file ({reason} at byte {start})").format(reason=exc.reason, start=exc.start),
                )
            ) from None
        except csv.Error as exc:
            raise InputFileError(located(f, None, None, _("not a readable CSV file: {exc}").format(exc=exc))) from None
        except OSError as exc:
            raise InputFileError(
                located(f, None, None, _("cannot read the parameter draws: {strerror}").format(strerror=exc.strerror))
            ) from None
        if not rows or rows[0][:2] != ["draw", "source"] or len(rows[0]) < 3:
            raise InputFileError(located(f, 1, None, "expected a header 'draw,source,<parameter>,...'"))
        names = tuple(c.strip() for c in rows[0][2:])
        if len(set(names)) != len(names) or any(not n for n in names):
            raise InputFileError(located(f, 1, None, _("parameter columns must be named and distinct")))
        values: list[list[float]] = []
        sources: list[str] = []
        for i, row in enumerate(rows[1:]):
            line = i + 2
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(rows[0]):
                raise InputFileError(located(f, line, None, f"expected {len(rows[0])} cells, found {len(row)}"))
            if row[0].strip() != str(len(values)):
                raise InputFileError(located(f, line, "draw", f"expected {len(values)}, found {row[0]!r}"))
            src = row[1].strip()
            want = ("fit",) if not values else (sources[1],) if len(sources) > 1 else ("bootstrap", "posterior")
            if src not in want:
                raise InputFileError(
                    located(f, line, "source", f"expected {' or '.join(map(repr, want))}, found {src!r}")
                )
            values.append([finite_number(cell, f, line, name) for name, cell in zip(names, row[2:])])
            sources.append(src)
        if not values:
            raise InputFileError(located(f, None, None, _("no parameter sets")))
        return cls(names, np.asarray(values, dtype=float), tuple(sources), f)

    # ---------------------------------------------------------------- using

    def mismatch(self, scenario: Scenario) -> str | None:
        """Why the point estimate does not match ``scenario`` (None if it does)."""
        doc = scenario_to_dict(scenario)
        for j, name in enumerate(self.names):
            try:
                cur = _get(doc, name)
            except KeyError:
                return f"{name} is not a field of the scenario"
            if not isinstance(cur, (int, float)) or isinstance(cur, bool):
                return f"{name} is not a numeric field of the scenario"
            if not _same(cur, self.values[0, j]):
                return f"{name} is {cur:.6g} in the scenario but {self.values[0, j]:.6g} in the point estimate"
        return None

    def set_of(self, replicate: int) -> int:
        """The parameter set of replicate ``replicate`` (round-robin)."""
        return int(replicate) % len(self)

    def held(self, plan: Scenario) -> tuple[list[str], list[str]]:
        """(drawn, kept): the parameters ``plan`` holds at the point estimate (their draws are
        used) and those it sets to a value of its own (a variant changing a fitted field;
        kept as the plan says)."""
        doc = scenario_to_dict(plan)
        drawn: list[str] = []
        kept: list[str] = []
        for j, name in enumerate(self.names):
            (drawn if _same(_get(doc, name), self.values[0, j]) else kept).append(name)
        return drawn, kept

    def plans(self, plan: Scenario) -> list[Scenario]:
        """``plan`` with each parameter set (set 0 = ``plan`` itself), integer fields rounded;
        fields the plan sets to a value of its own are left alone (:meth:`held`)."""
        doc = scenario_to_dict(plan)
        drawn, _ = self.held(plan)
        idx = [self.names.index(n) for n in drawn]
        out = [plan]
        for row in self.values[1:]:
            over: dict[str, Any] = {}
            for j in idx:
                cur = _get(doc, self.names[j])
                over[self.names[j]] = int(round(row[j])) if isinstance(cur, int) else float(row[j])
            try:
                out.append(apply_overrides(plan, over) if over else plan)
            except ScenarioError as exc:
                raise ScenarioError(
                    located(
                        self.path, None, None, gettext("a parameter set is not a valid plan: {exc}").format(exc=exc)
                    )
                ) from None
        return out

    def summary(self, runs: np.ndarray, weights: np.ndarray | None = None) -> dict[str, Any]:
        """What the forecast's runs (replicate indices, repeats counted) used: the sets, how
        many distinct ones, each parameter's range among them; with the pool's conditioning
        ``weights``, the weight each set received."""
        runs = np.asarray(runs, dtype=int)
        sets = runs % len(self)
        out: dict[str, Any] = {
            "file": self.path,
            "sets": len(self),
            "refits": len(self) - 1,
            "assignment": "round-robin: the run with replicate index r uses set r mod sets (set 0 = point estimate)",
            "selected_sets": [int(s) for s in sets],
            "distinct_selected": int(len(np.unique(sets))),
            "parameters": {},
        }
        if weights is not None:
            w = np.asarray(weights, dtype=float)
            out["weight_by_set"] = [float(w[np.arange(len(w)) % len(self) == j].sum()) for j in range(len(self))]
        for j, name in enumerate(self.names):
            v = self.values[sets, j]
            out["parameters"][name] = {
                "point_estimate": float(self.values[0, j]),
                "draws_min": float(self.values[:, j].min()),
                "draws_max": float(self.values[:, j].max()),
                "selected_min": float(v.min()),
                "selected_median": float(np.median(v)),
                "selected_max": float(v.max()),
            }
        return out
