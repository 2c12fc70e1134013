"""Runs behind the page: the edited plan beside the saved plan, streamed replicate by replicate.

Replicate ``r`` of both plans uses the same base seed and child ``r`` (common random
numbers, as :func:`growthsim.runner.run_plans`), so the paired differences are due to the
edits. The edited plan's replicate ``r`` runs first, then the saved plan's (taken from a
cache when the saved plan already ran with that seed), and the caller hears about each one
as it finishes. :func:`warm_up` runs the saved plan's first replicate when the server
starts, so the compiled kernels are loaded and the market graph is built before anyone
presses Run.
"""

from __future__ import annotations

import io
import json
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from growthsim.io import write_run_dir
from growthsim.metrics.kpis import kpi_info, kpi_table, paired_differences, summarise
from growthsim.results import RunResult, RunSet
from growthsim.runner import simulate
from growthsim.scenario.schema import Scenario

SAVED = "saved"
EDITED = "edited"

#: figures shown on the page (names of growthsim.metrics.kpis.KPIS), in order
HEADLINE: tuple[str, ...] = (
    "members_final",
    "groups",
    "dau",
    "paying",
    "revenue",
    "cost",
    "profit",
    "roi",
    "payback_day",
)

_cache_lock = threading.Lock()
_saved_cache: dict[tuple[str, int, int], RunResult] = {}


def _plan_key(plan: Scenario) -> str:
    return json.dumps(plan.model_dump(mode="json"), sort_keys=True)


def saved_replicate(plan: Scenario, seed: int, r: int) -> RunResult:
    """Replicate ``r`` of the saved plan (computed once per plan, seed and replicate)."""
    key = (_plan_key(plan), int(seed), int(r))
    with _cache_lock:
        hit = _saved_cache.get(key)
    if hit is not None:
        return hit
    res = simulate(plan, seed, r)
    with _cache_lock:
        if len(_saved_cache) > 2000:
            _saved_cache.clear()
        _saved_cache[key] = res
    return res


def warm_up(plan: Scenario) -> float:
    """Run the saved plan's replicate 0 (loads the kernels, builds the graph); seconds taken."""
    t0 = time.perf_counter()
    saved_replicate(plan, plan.seed, 0)
    return time.perf_counter() - t0


class Comparison:
    """The edited plan beside the saved plan, ``replicates`` replicates each."""

    def __init__(self, edited: Scenario, saved: Scenario, replicates: int | None = None, seed: int | None = None):
        self.edited = edited
        self.saved = saved
        self.replicates = int(replicates or saved.replicates)
        self.seed = int(saved.seed if seed is None else seed)
        self.results: dict[str, list[RunResult]] = {EDITED: [], SAVED: []}
        self._kpis: list[pd.DataFrame] = []  # one KPI row per finished replicate
        self.started = time.perf_counter()
        self.first_result_s: float | None = None
        self.elapsed_s: float | None = None

    @property
    def plans(self) -> dict[str, Scenario]:
        return {SAVED: self.saved, EDITED: self.edited}

    @property
    def done(self) -> int:
        """Replicates finished for the edited plan."""
        return len(self.results[EDITED])

    @property
    def pairs(self) -> int:
        """Replicates finished for both plans."""
        return min(len(self.results[EDITED]), len(self.results[SAVED]))

    def run(
        self, on_result: Callable[["Comparison"], None] | None = None, keep_going: Callable[[], bool] = lambda: True
    ) -> "Comparison":
        """Run every replicate (edited, then saved, replicate by replicate); call
        ``on_result`` after each; stop early when ``keep_going()`` turns false."""
        self.started = time.perf_counter()
        for r in range(self.replicates):
            for label in (EDITED, SAVED):
                if not keep_going():
                    return self
                if label == EDITED:
                    res = simulate(self.edited, self.seed, r)
                else:
                    res = saved_replicate(self.saved, self.seed, r)
                self.results[label].append(res)
                plan = self.plans[label]
                self._kpis.append(kpi_table(RunSet.from_results({label: plan}, {label: [res]})))
                if self.first_result_s is None:
                    self.first_result_s = time.perf_counter() - self.started
                if on_result is not None:
                    on_result(self)
        self.elapsed_s = time.perf_counter() - self.started
        return self

    def kpis(self) -> pd.DataFrame:
        """The KPI table (:func:`growthsim.metrics.kpis.kpi_table`) of the finished replicates,
        built one replicate at a time as they finish."""
        if not self._kpis:
            return pd.DataFrame()
        return pd.concat(self._kpis, ignore_index=True)

    def runset(self, paired_only: bool = False) -> RunSet:
        """The finished replicates as a RunSet (``paired_only``: replicates both plans have)."""
        n = self.pairs if paired_only else None
        res = {k: (v[:n] if n is not None else list(v)) for k, v in self.results.items()}
        plans = {k: p for k, p in self.plans.items() if res[k]}
        return RunSet.from_results(plans, {k: res[k] for k in plans})


def headline(table: pd.DataFrame, plans: list[str]) -> pd.DataFrame:
    """Median and P10–P90 of the headline figures of a KPI table, one row per figure, a
    column per plan (``{"p10", "p50", "p90"}``)."""
    s = summarise(table)
    rows = []
    for name in HEADLINE:
        row: dict[str, Any] = {"kpi": name, "label": kpi_info(name).label, "unit": kpi_info(name).unit}
        for label in plans:
            hit = s[(s["variant"] == label) & (s["kpi"] == name)]
            row[label] = hit.iloc[0][["p10", "p50", "p90"]].to_dict() if len(hit) else None
        rows.append(row)
    return pd.DataFrame(rows)


def paired(table: pd.DataFrame) -> pd.DataFrame:
    """Edited minus saved per headline figure, paired by replicate (replicates both have)."""
    if not len(table) or set(table["variant"]) != {SAVED, EDITED}:
        return pd.DataFrame()
    d = paired_differences(table, SAVED, EDITED)
    d = d[d["kpi"].isin(HEADLINE)].copy()
    d["order"] = d["kpi"].map({k: i for i, k in enumerate(HEADLINE)})
    return d.sort_values("order").drop(columns="order").reset_index(drop=True)


def target_chances(runset: RunSet) -> pd.DataFrame | None:
    """Per plan and target, the share of replicates hitting it (with its Wilson interval),
    where the scenario schema has ``targets:`` and a plan sets some; else None."""
    if not any(getattr(p, "targets", None) for p in runset.plans.values()):
        return None
    try:
        from growthsim.metrics.targets import checkpoint_table, target_hits, target_table
    except ImportError:  # a schema with targets but no targets module: nothing to show
        return None
    return target_table(target_hits(checkpoint_table(runset), runset.plans), runset.plans)


def run_folder_zip(runset: RunSet, name: str = "run") -> bytes:
    """A run folder (as ``growthsim run`` writes it) of ``runset``, zipped."""
    with tempfile.TemporaryDirectory(prefix="growthsim-app-") as tmp:
        folder = write_run_dir(Path(tmp) / name, runset)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    zf.write(f, f"{name}/{f.relative_to(folder).as_posix()}")
        return buf.getvalue()
