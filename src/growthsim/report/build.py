"""Build a run folder's report: ``kpis.json``, ``charts/*.png`` and ``report.html``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from growthsim.errors import InputFileError, located
from growthsim.i18n import _
from growthsim.i18n.terms import kpi_description, kpi_label
from growthsim.io import atomic_write_text, json_safe
from growthsim.metrics.kpis import kpi_columns, kpi_info, kpi_table, paired_differences, summarise
from growthsim.report.charts import make_charts, plan_colours
from growthsim.report.html import render_html
from growthsim.report.periods import monthly_blocks, weekly_blocks

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

REPORT_FILES = ("kpis.json", "report.html", "key_figures.xlsx", "key_figures.csv", "monthly.csv", "weekly.csv")
CHARTS_DIR = "charts"


def kpis_document(runset: "RunSet", table: pd.DataFrame, summary: pd.DataFrame) -> dict[str, Any]:
    """The content of ``kpis.json``: definitions, per-plan statistics, paired comparisons
    of every plan against the first, and the per-replicate KPI rows."""
    plans = list(runset.plans)
    stats: dict[str, dict[str, Any]] = {}
    for rec in summary.to_dict("records"):
        stats.setdefault(rec["variant"], {})[rec["kpi"]] = {
            k: rec[k] for k in ("mean", "p10", "p50", "p90", "n", "n_finite")
        }
    comparisons = []
    for other in plans[1:]:
        d = paired_differences(table, plans[0], other)
        comparisons.append(
            {
                "a": plans[0],
                "b": other,
                "kpis": {r["kpi"]: {k: r[k] for k in d.columns if k != "kpi"} for r in d.to_dict("records")},
            }
        )
    first = runset.plans.get(plans[0]) if plans else None
    doc = {
        "plans": plans,
        "currency": first.economics.currency if first is not None else None,
        "horizon_days": first.horizon_days if first is not None else None,
        "definitions": {
            k: {"label": kpi_label(k), "unit": i.unit, "direction": i.direction, "description": kpi_description(k)}
            for k in kpi_columns(table)
            for i in [kpi_info(k)]
        },
        "summary": stats,
        "comparisons": comparisons,
        "targets": _targets_and_decision(runset),
        "replicates": table.to_dict("records"),
    }
    return json_safe(doc)


def _targets_and_decision(runset: "RunSet") -> dict[str, Any]:
    """Stage targets per plan (targets.csv rows) and the verdict (growthsim.decide)."""
    from growthsim.decide import verdict_of  # noqa: PLC0415
    from growthsim.metrics.targets import target_results, targets_summary  # noqa: PLC0415

    return {"per_plan": targets_summary(target_results(runset).table), "decision": verdict_of(runset).to_dict()}


def write_report(runset: "RunSet", run_dir: str | Path, title: str | None = None) -> list[Path]:
    """Write ``kpis.json``, ``charts/*.png`` and ``report.html`` for ``runset`` into
    ``run_dir``; return the written paths."""
    out = Path(run_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = kpi_table(runset)
    summary = summarise(table)
    written: list[Path] = []
    doc = kpis_document(runset, table, summary)
    written.append(atomic_write_text(out / "kpis.json", json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False)))
    charts = make_charts(runset, out / CHARTS_DIR, table=table)
    written.extend(charts.values())
    from growthsim.i18n import _  # noqa: PLC0415
    from growthsim.progress import step  # noqa: PLC0415

    step(_("writing {file}").format(file="report.html"))
    periods = monthly_blocks(runset, plan_colours(list(runset.plans)))
    weeks = weekly_blocks(runset, plan_colours(list(runset.plans)))
    page = render_html(runset, table, charts, title=title, summary=summary, periods=periods, weeks=weeks)
    written.append(atomic_write_text(out / "report.html", page))
    from growthsim.report.exports import write_exports  # noqa: PLC0415

    step(_("writing {file}").format(file="key_figures.xlsx"))
    written.extend(write_exports(out, runset, table, summary))
    return written


def read_run(run_dir: str | Path) -> "RunSet":
    """Read a run folder written by ``growthsim run`` / ``compare`` (via
    :func:`growthsim.io.read_run_dir`); a missing folder is an InputFileError."""
    from growthsim.io import read_run_dir  # noqa: PLC0415

    path = Path(run_dir)
    if not path.is_dir():
        raise InputFileError(located(str(path), None, None, _("no such run folder")))
    return read_run_dir(path)


def build_report(run_dir: str | Path, runset: "RunSet | None" = None, title: str | None = None) -> list[Path]:
    """(Re)build ``kpis.json``, ``charts/*.png`` and ``report.html`` in a run folder.

    Args:
        run_dir: the run folder.
        runset: the results, when the caller has them in memory; read from ``run_dir``
            otherwise (no simulation is re-run).
        title: report title; default names the plans.

    Returns:
        The written files.
    """
    if runset is None:
        runset = read_run(run_dir)
    if runset.timeseries is None or len(runset.timeseries) == 0:
        raise InputFileError(located(str(run_dir), None, None, _("the run folder holds no timeseries rows")))
    return write_report(runset, run_dir, title=title)
