"""Run folders: atomic writes, and saving / loading a RunSet.

A run folder holds ``timeseries.parquet`` and ``timeseries.csv`` (one row per plan x
replicate x day), ``scalars.parquet``, ``cohorts.parquet``, ``ledger.parquet``,
``scenario.resolved.yaml`` (label -> fully resolved plan), ``summary.json``,
``checkpoints.csv`` (KPIs at the checkpoint days), ``group_health.csv`` (every group's
size, activity and warning level at the checkpoints, :mod:`growthsim.report.health`) and,
when plans have targets, ``targets.csv`` (:mod:`growthsim.metrics.targets`). Every file
is written under a temporary name in the same folder and renamed into place, so an
interrupted run never leaves a half file that looks whole.
"""

from __future__ import annotations

import io as _io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from growthsim.errors import ScenarioError, UserError, located
from growthsim.i18n import _
from growthsim.results import RunSet
from growthsim.scenario.loader import validate_plan

# Columns a run folder's time series must hold for report and summary to mean anything.
TIMESERIES_COLUMNS = (
    "variant",
    "replicate",
    "day",
    "members",
    "active",
    "paying",
    "churned",
    "revenue",
    "gross_margin",
    "cost",
    "new_members",
)
SUMMARY_COLUMNS = ("members", "active", "paying", "churned", "revenue", "gross_margin", "cost")


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file beside it, fsynced, then
    renamed over it; the folder is created if needed); return the path. The file gets the
    usual mode (``0o666`` less the umask), not ``mkstemp``'s ``0o600``. Every growthsim
    output file is written through here."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_png(path: str | Path, fig: Any, **savefig_kw: Any) -> Path:
    """Render a matplotlib figure as PNG (``savefig_kw``: e.g. ``dpi``, ``bbox_inches``) and
    write it with :func:`atomic_write_bytes`; return the path."""
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", **savefig_kw)
    return atomic_write_bytes(path, buf.getvalue())


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_parquet(path: str | Path, df: pd.DataFrame) -> Path:
    buf = _io.BytesIO()
    df.to_parquet(buf, index=False)
    return atomic_write_bytes(path, buf.getvalue())


def write_csv(path: str | Path, df: pd.DataFrame) -> Path:
    return atomic_write_text(path, df.to_csv(index=False, float_format="%.10g", lineterminator="\n"))


def json_safe(x: Any) -> Any:
    """``x`` made JSON-safe: NaN / inf -> None, numpy scalars -> Python numbers, numpy
    arrays and tuples -> lists, mapping keys -> strings (recursively)."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, np.ndarray):
        return json_safe(x.tolist())
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON (through :func:`json_safe`), atomically."""
    return atomic_write_text(path, json.dumps(json_safe(data), indent=2, ensure_ascii=False) + "\n")


def summary(runset: RunSet) -> dict[str, Any]:
    """End-of-horizon figures per plan: mean and P10 / P50 / P90 over replicates."""
    from growthsim.metrics.targets import target_results, targets_summary

    out: dict[str, Any] = {}
    ts = runset.timeseries
    targets = targets_summary(target_results(runset).table)
    for label, plan in runset.plans.items():
        t = ts[ts["variant"] == label]
        last = t[t["day"] == t["day"].max()]
        totals = t.groupby("replicate")[
            ["new_members", "revenue", "gross_margin", "cost", "purchases", "invites_accepted"]
        ].sum()
        figures: dict[str, Any] = {}

        def band(values: np.ndarray) -> dict[str, float]:
            v = np.asarray(values, dtype=float)
            return {
                "mean": float(v.mean()),
                "p10": float(np.percentile(v, 10)),
                "p50": float(np.percentile(v, 50)),
                "p90": float(np.percentile(v, 90)),
            }

        for col in ("members", "active", "dormant", "paying", "churned", "groups", "vip_members"):
            figures[f"{col}_end"] = band(last[col].to_numpy())
        for col in totals.columns:
            figures[f"{col}_total"] = band(totals[col].to_numpy())
        profit = totals["gross_margin"] - totals["cost"]
        figures["profit_total"] = band(profit.to_numpy())
        sc = runset.scalars[runset.scalars["variant"] == label] if len(runset.scalars) else runset.scalars
        budget = {"ran_out_share": 0.0, "day_p50": None}
        if "budget_exhausted_day" in sc:
            days = sc["budget_exhausted_day"].to_numpy(dtype=float)
            hit = np.isfinite(days)
            budget = {
                "ran_out_share": float(hit.mean()) if len(days) else 0.0,
                "day_p50": float(np.median(days[hit])) if hit.any() else None,
            }
        out[label] = {
            "targets": targets.get(label, []),
            "budget_exhausted": budget,
            "replicates": int(t["replicate"].nunique()),
            "horizon_days": plan.horizon_days,
            "currency": plan.economics.currency,
            "figures": figures,
        }
    return out


def write_run_dir(out_dir: str | Path, runset: RunSet) -> Path:
    """Save a RunSet as a run folder (atomic per file; ``run-manifest.json`` last, see
    :mod:`growthsim.rundir`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    resolved = {label: plan.model_dump(mode="json") for label, plan in runset.plans.items()}
    atomic_write_text(out / "scenario.resolved.yaml", yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True))
    write_parquet(out / "timeseries.parquet", runset.timeseries)
    write_csv(out / "timeseries.csv", runset.timeseries)
    write_parquet(out / "scalars.parquet", runset.scalars)
    write_parquet(out / "cohorts.parquet", runset.cohorts)
    write_parquet(out / "ledger.parquet", runset.ledger)
    from growthsim.metrics.targets import target_results

    tr = target_results(runset)
    write_csv(out / "checkpoints.csv", tr.checkpoint_summary())
    if len(tr.table):
        write_csv(out / "targets.csv", tr.table)
    from growthsim.report.health import write_group_health

    write_group_health(out, runset)
    from growthsim.decide import verdict_of

    write_json(out / "summary.json", {**summary(runset), "decision": verdict_of(runset).to_dict()})
    from growthsim.rundir import write_manifest

    write_manifest(out)  # last: its presence marks a complete folder
    return out


def read_run_dir(path: str | Path) -> RunSet:
    """Load a run folder written by :func:`write_run_dir`."""
    p = Path(path)
    need = ["scenario.resolved.yaml", "timeseries.parquet", "scalars.parquet", "cohorts.parquet", "ledger.parquet"]
    missing = [f for f in need if not (p / f).is_file()]
    if missing:
        raise UserError(_("{p}: not a growthsim run folder (missing {value})").format(p=p, value=", ".join(missing)))
    from growthsim.inputs import read_parquet_file, read_yaml_mapping
    from growthsim.rundir import check_manifest

    check_manifest(p)
    yf = p / "scenario.resolved.yaml"
    resolved, lines = read_yaml_mapping(yf, "resolved scenario (plan label -> plan)", ScenarioError)
    plans = {}
    for k, v in resolved.items():
        if not isinstance(v, dict):
            raise ScenarioError(
                located(
                    str(yf),
                    lines.get((str(k),)),
                    str(k),
                    _("expected a plan mapping, found {kind}").format(kind=type(v).__name__),
                )
            )
        plans[str(k)] = validate_plan(v, str(yf), lines, prefix=(str(k),))
    timeseries = read_parquet_file(p / "timeseries.parquet", "time series", TIMESERIES_COLUMNS)
    labels = set(map(str, timeseries["variant"].unique()))
    if labels != set(plans):
        raise UserError(
            located(
                str(p / "timeseries.parquet"),
                None,
                "variant",
                _("plan labels do not match scenario.resolved.yaml: expected {value}, found {value2}").format(
                    value=sorted(plans), value2=sorted(labels)
                ),
            )
        )
    return RunSet(
        plans=plans,
        timeseries=timeseries,
        scalars=read_parquet_file(p / "scalars.parquet", "scalars table", ("variant", "replicate")),
        cohorts=read_parquet_file(p / "cohorts.parquet", "cohorts table"),
        ledger=read_parquet_file(p / "ledger.parquet", "ledger table"),
    )
