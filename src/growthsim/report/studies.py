"""Readable summaries of sweeps and sensitivity studies: ``summary.html`` (and PNG
heatmaps) next to the parquet tables, in the active language.

Sweep: per KPI, the mean over replicates of every design point (a heatmap when the
design has exactly two factors, else a table), and the best points of each KPI in its
direction (higher or lower is better). Sensitivity: Sobol' S1/ST or Morris mu*/sigma per
KPI and factor with their confidence intervals, and a warning when the sample is too small
for the indices to mean much: fewer than :data:`SOBOL_MIN_BASE` Sobol' base samples or
:data:`MORRIS_MIN_TRAJECTORIES` Morris trajectories, or confidence intervals wider than
:data:`WIDE_CI` (on a 0–1 index).
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from growthsim.i18n import _
from growthsim.i18n.errors import translate_text
from growthsim.i18n.terms import kpi_label
from growthsim.io import atomic_write_bytes, atomic_write_text
from growthsim.metrics.kpis import kpi_direction
from growthsim.report.html import fmt, render_template

SOBOL_MIN_BASE = 256
"""Sobol' base samples below which the indices are flagged as rough (Saltelli's estimator's
confidence intervals shrink as 1/sqrt(N); with N < 256 they are typically ±0.1 or wider)."""
MORRIS_MIN_TRAJECTORIES = 10
"""Morris trajectories below which mu* rankings are flagged as unreliable."""
WIDE_CI = 0.1
"""A Sobol' confidence half-width above this (on an index between 0 and 1) is flagged."""
KEYS = ("run", "point", "replicate", "seed", "status", "error")


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _heatmap(means: pd.DataFrame, fx: str, fy: str, kpi: str) -> bytes:
    import matplotlib  # noqa: PLC0415
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    from growthsim.report.fonts import font_rc  # noqa: PLC0415

    grid = means.pivot_table(index=fy, columns=fx, values=kpi, aggfunc="mean")
    with matplotlib.rc_context(font_rc()):  # type: ignore[arg-type]  # font_rc's keys are rc names
        fig = Figure(figsize=(7.5, 4.6), layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        cmap = "viridis" if kpi_direction(kpi) >= 0 else "viridis_r"
        im = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", origin="lower", cmap=cmap)
        ax.set_xticks(range(len(grid.columns)), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns])
        ax.set_yticks(range(len(grid.index)), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index])
        ax.set_xlabel(fx)
        ax.set_ylabel(fy)
        vals = grid.to_numpy(dtype=float)
        for i in range(vals.shape[0]):
            for j in range(vals.shape[1]):
                if np.isfinite(vals[i, j]):
                    ax.text(j, i, fmt(kpi, vals[i, j]), ha="center", va="center", fontsize=8, color="white")
        fig.colorbar(im, ax=ax, label=kpi_label(kpi))
        ax.set_title(_("{kpi}: mean over replicates per design point").format(kpi=kpi_label(kpi)))
        return _png(fig)


def sweep_tables(results: pd.DataFrame, factors: list[str], kpis: list[str]) -> pd.DataFrame:
    """Mean of each KPI per design point (successful runs only), with the factor values."""
    frame = results.copy(deep=False)
    frame.attrs = {}  # a sweep's attrs hold frames (series), which pandas cannot compare when combining
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    return (
        ok.groupby("point", sort=True).agg({**{f: "first" for f in factors}, **{k: "mean" for k in kpis}}).reset_index()
    )


def write_sweep_summary(
    out_dir: str | Path,
    results: pd.DataFrame,
    factors: list[str] | None = None,
    kpis: list[str] | None = None,
    title: str | None = None,
) -> Path:
    """Write ``summary.html`` (and ``summary_<kpi>.png`` heatmaps for two-factor designs)."""
    out = Path(out_dir)
    results = results.copy(deep=False)
    results.attrs = {}
    factors = factors or [c for c in results.columns if "." in c]
    kpis = kpis or [
        c for c in results.columns if c not in KEYS and c not in factors and pd.api.types.is_numeric_dtype(results[c])
    ]
    means = sweep_tables(results, factors, kpis)
    n_rep = int(results.groupby("point").size().max()) if len(results) else 0
    failed = int((results["status"] != "ok").sum()) if "status" in results else 0
    blocks = []
    for k in kpis:
        d = kpi_direction(k)
        order = means.sort_values(k, ascending=d < 0, na_position="last")
        best = order.head(3) if d != 0 else order.head(0)
        block: dict[str, Any] = {
            "kpi": k,
            "label": kpi_label(k),
            "direction": _("higher is better")
            if d > 0
            else (_("lower is better") if d < 0 else _("neither higher nor lower is better")),
            "best": [
                {"point": int(r["point"]), "factors": [str(r[f]) for f in factors], "value": fmt(k, r[k])}
                for r in best.to_dict("records")
            ],
            "rows": [
                {"point": int(r["point"]), "factors": [str(r[f]) for f in factors], "value": fmt(k, r[k])}
                for r in means.to_dict("records")
            ],
            "image": None,
        }
        if len(factors) == 2 and len(means) > 1:
            png = _heatmap(means, factors[0], factors[1], k)
            atomic_write_bytes(out / f"summary_{_safe(k)}.png", png)
            block["image"] = base64.b64encode(png).decode("ascii")
        blocks.append(block)
    page = render_template(
        "study.html",
        kind="sweep",
        title=title or _("Sweep summary"),
        factors=factors,
        blocks=blocks,
        n_points=len(means),
        n_rep=n_rep,
        failed=failed,
        warnings=[],
        sens=[],
    )
    return atomic_write_text(out / "summary.html", page)


def _safe(name: str) -> str:
    import re  # noqa: PLC0415

    return re.sub(r"[^\w\-]+", "_", name).strip("_") or "kpi"


def sensitivity_warnings(indices: pd.DataFrame, method: str, n: int | None) -> list[str]:
    """Sentences on why the indices may not mean much (empty: no warning)."""
    out = []
    if method == "sobol" and n is not None and n < SOBOL_MIN_BASE:
        out.append(
            _(
                "Only {n} Sobol' base samples: indices from fewer than {m} are rough; read the "
                "confidence intervals before ranking the factors."
            ).format(n=n, m=SOBOL_MIN_BASE)
        )
    if method == "morris" and n is not None and n < MORRIS_MIN_TRAJECTORIES:
        out.append(
            _("Only {n} Morris trajectories: rankings from fewer than {m} are unreliable.").format(
                n=n, m=MORRIS_MIN_TRAJECTORIES
            )
        )
    if method == "sobol" and len(indices):
        wide = indices[(indices["S1_conf"] > WIDE_CI) | (indices["ST_conf"] > WIDE_CI)]
        if len(wide):
            out.append(
                _(
                    "{k} of {n} indices have a confidence interval wider than ±{w}: the sample is too "
                    "small to tell those factors apart."
                ).format(k=len(wide), n=len(indices), w=WIDE_CI)
            )
    return out


def write_sensitivity_summary(
    out_dir: str | Path, indices: pd.DataFrame, n: int | None = None, title: str | None = None
) -> Path:
    """Write ``summary.html``: the indices per KPI with confidence intervals, the charts
    already in ``out_dir`` embedded, and the small-sample warnings."""
    out = Path(out_dir)
    method = str(indices["method"].iloc[0]) if len(indices) else ""
    sens = []
    for kpi, d in indices.groupby("kpi", sort=False):
        rows = []
        for r in d.to_dict("records"):
            if method == "sobol":
                cells = [_ci(r["S1"], r["S1_conf"]), _ci(r["ST"], r["ST_conf"])]
                flag = r["S1_conf"] > WIDE_CI or r["ST_conf"] > WIDE_CI
            else:
                cells = [_ci(r["mu_star"], r["mu_star_conf"]), f"{r['sigma']:.3g}"]
                flag = False
            rows.append({"factor": r["factor"], "cells": cells, "wide": bool(flag)})
        chart = out / f"sensitivity_{_safe(str(kpi))}.png"
        tornado = out / f"tornado_{_safe(str(kpi))}.png"
        sens.append(
            {
                "kpi": kpi,
                "label": kpi_label(str(kpi)),
                "rows": rows,
                "note": translate_text(d["note"].iloc[0]),
                "images": [base64.b64encode(p.read_bytes()).decode("ascii") for p in (chart, tornado) if p.is_file()],
            }
        )
    head = (
        [_("S1, first order (95% CI)"), _("ST, total (95% CI)")]
        if method == "sobol"
        else [_("mu*, mean |effect| (95% CI)"), _("sigma, spread of effects")]
    )
    page = render_template(
        "study.html",
        kind="sensitivity",
        title=title or _("Sensitivity summary"),
        method=method,
        head=head,
        sens=sens,
        n=n,
        warnings=sensitivity_warnings(indices, method, n),
        blocks=[],
        factors=[],
    )
    return atomic_write_text(out / "summary.html", page)


def _ci(value: float, half: float) -> str:
    if not np.isfinite(value):
        return "–"
    if not np.isfinite(half):
        return f"{value:.2f}"
    from growthsim.report.numbers import number, span  # noqa: PLC0415

    return f"{number(value, 2)} ({span(number(value - half, 2), number(value + half, 2))})"
