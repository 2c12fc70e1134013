"""Sensitivity of KPIs to an experiment's factors.

- Sobol' designs: first-order ``S1`` and total ``ST`` indices with bootstrap confidence
  intervals (SALib.analyze.sobol); ``S1`` is the share of a KPI's variance due to the
  factor alone, ``ST`` includes its interactions.
- Morris designs: ``mu_star`` (mean absolute elementary effect, in KPI units per unit of
  the factor's scaled range), ``mu`` and ``sigma`` (spread of effects: interactions or
  non-linearity), with a confidence interval of ``mu_star`` (SALib.analyze.morris).
- Tornado: one-at-a-time runs (each factor at its low and high end, the others at base)
  show each factor's swing of a KPI in KPI units.

Replicates of a point are averaged before the analysis, so the indices describe the
expected KPI; Monte Carlo noise left in that mean adds to the unexplained variance.

Output folder::

    OUT/sweep/                 the sweep (results.parquet, ...) unless --results given
    OUT/sensitivity.parquet    (+ .csv) one row per KPI x factor
    OUT/sensitivity_<kpi>.png  bar chart per KPI
    OUT/tornado/               the one-at-a-time sweep
    OUT/tornado.parquet        (+ .csv) one row per KPI x factor: low, base, high values
    OUT/tornado_<kpi>.png      tornado chart per KPI
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from growthsim.errors import UserError, located
from growthsim.experiments.design import DesignTable, expected_points
from growthsim.experiments.schema import Design, Experiment, load_experiment
from growthsim.experiments.sweep import (
    RunFn,
    SweepError,
    plan_sweep,
    read_sweep,
    run_sweep,
    write_parquet,
)
from growthsim.i18n import _
from growthsim.io import atomic_write_bytes, atomic_write_png

INDEX_METHODS = ("sobol", "morris")


def _kpi_columns(exp: Experiment, results: pd.DataFrame) -> list[str]:
    if exp.spec.outputs.kpis:
        return list(exp.spec.outputs.kpis)
    skip = {"run", "point", "replicate", "seed", "status", "error", *exp.factor_names}
    return [c for c in results.columns if c not in skip and pd.api.types.is_numeric_dtype(results[c])]


def point_means(results: pd.DataFrame, kpis: list[str], n_points: int) -> pd.DataFrame:
    """Mean of each KPI over a point's successful replicates; index 0..n_points-1
    (NaN where every replicate of the point failed)."""
    ok = results[results["status"] == "ok"]
    means = ok.groupby("point")[kpis].mean()
    return means.reindex(range(n_points))


def _indices_for(
    method: str,
    problem: dict[str, Any],
    design: DesignTable,
    y: np.ndarray,
    exp: Experiment,
    num_resamples: int,
    conf_level: float,
) -> dict[str, np.ndarray]:
    seed = exp.spec.seed % (2**32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "sobol":
            from SALib.analyze import sobol

            r = sobol.analyze(
                problem,
                y,
                calc_second_order=exp.spec.design.calc_second_order,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=seed,
            )
            return {k: np.asarray(r[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        from SALib.analyze import morris

        r = morris.analyze(
            problem,
            design.sample,
            y,
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=exp.spec.design.num_levels,
            seed=seed,
        )
        return {k: np.asarray(r[k], dtype=float) for k in ("mu", "mu_star", "mu_star_conf", "sigma")}


def _check_method(exp: Experiment) -> None:
    method = exp.spec.design.type
    if method not in INDEX_METHODS:
        line = exp.lines.get(("design", "type")) or exp.lines.get(("design",))
        raise UserError(
            located(
                str(exp.path) if exp.path else None,
                line,
                "design.type",
                _("sensitivity indices need a 'sobol' or 'morris' design, found '{method}'").format(method=method),
            )
        )


def sensitivity_indices(
    exp: Experiment,
    design: DesignTable,
    results: pd.DataFrame,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sobol' or Morris indices of every KPI, one row per KPI x factor.

    Columns: ``kpi, factor, method`` then ``S1, S1_conf, ST, ST_conf`` (Sobol') or
    ``mu, mu_star, mu_star_conf, sigma`` (Morris), ``note`` (why a KPI has no indices:
    failed points, or a KPI that does not vary).
    """
    method = exp.spec.design.type
    _check_method(exp)
    kpis = _kpi_columns(exp, results)
    means = point_means(results, kpis, design.n_points)
    cols = ("S1", "S1_conf", "ST", "ST_conf") if method == "sobol" else ("mu", "mu_star", "mu_star_conf", "sigma")
    rows = []
    for kpi in kpis:
        y = means[kpi].to_numpy(dtype=float)
        note = ""
        if not np.all(np.isfinite(y)):
            bad = int((~np.isfinite(y)).sum())
            note = f"{bad} of {len(y)} points have no value (failed runs or undefined KPI)"
            vals = {c: np.full(len(exp.factor_names), np.nan) for c in cols}
        elif np.ptp(y) == 0:
            note = "the KPI does not vary over the design"
            vals = {c: np.zeros(len(exp.factor_names)) for c in cols}
        else:
            vals = _indices_for(method, design.problem, design, y, exp, num_resamples, conf_level)
        for i, f in enumerate(exp.factor_names):
            rows.append(
                {"kpi": kpi, "factor": f, "method": method, **{c: float(vals[c][i]) for c in cols}, "note": note}
            )
    return pd.DataFrame(rows)


def tornado_table(exp: Experiment, oat_results: pd.DataFrame) -> pd.DataFrame:
    """Swing of each KPI between each factor's low and high end (others at base), from
    a sweep of ``exp`` under an ``oat`` design (point 0 = base, then low/high pairs).

    Columns: ``kpi, factor, low, high, base`` (factor values), ``kpi_base, kpi_low,
    kpi_high`` (replicate means), ``swing = |kpi_high - kpi_low|``.
    """
    names = exp.factor_names
    kpis = _kpi_columns(exp, oat_results)
    means = point_means(oat_results, kpis, 2 * len(names) + 1)
    pts = oat_results.drop_duplicates("point").set_index("point")
    rows = []
    for kpi in kpis:
        base = float(means.loc[0, kpi])
        for i, f in enumerate(names):
            lo_p, hi_p = 1 + 2 * i, 2 + 2 * i
            lo, hi = float(means.loc[lo_p, kpi]), float(means.loc[hi_p, kpi])
            rows.append(
                {
                    "kpi": kpi,
                    "factor": f,
                    "low": _value(pts, lo_p, f),
                    "high": _value(pts, hi_p, f),
                    "base": _value(pts, 0, f),
                    "kpi_base": base,
                    "kpi_low": lo,
                    "kpi_high": hi,
                    "swing": abs(hi - lo),
                }
            )
    df = pd.DataFrame(rows)
    for c in ("low", "high", "base"):
        vals = df[c].tolist() if len(df) else []
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            df[c] = df[c].astype(float)
        else:
            df[c] = df[c].map(str)
    return df


def _value(pts: pd.DataFrame, point: int, f: str) -> Any:
    if point not in pts.index:
        return np.nan
    v = pts.loc[point, f]
    return v.item() if isinstance(v, np.generic) else v


# --------------------------------------------------------------------------- charts


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _short(factor: str) -> str:
    parts = factor.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else factor


def _save(fig: Any, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    atomic_write_png(path, fig, dpi=110, bbox_inches="tight")


def _cjk_font(draw):
    """Draw ``draw``'s chart with fonts that render Chinese too."""
    import functools

    @functools.wraps(draw)
    def wrapped(*args: Any, **kw: Any) -> None:
        import matplotlib

        from growthsim.report.fonts import font_rc

        with matplotlib.rc_context(font_rc()):  # type: ignore[arg-type]  # rc keys typed as Literal names
            draw(*args, **kw)

    return wrapped


@_cjk_font
def bar_chart(indices: pd.DataFrame, kpi: str, path: Path) -> None:
    """Sobol' S1/ST (with confidence intervals) or Morris mu*/sigma bars of one KPI."""
    from matplotlib.figure import Figure

    from growthsim.i18n.errors import translate_text
    from growthsim.i18n.terms import kpi_label

    d = indices[indices["kpi"] == kpi]
    method = d["method"].iloc[0]
    labels = [_short(f) for f in d["factor"]]
    x = np.arange(len(d))
    fig = Figure(figsize=(1.2 * len(d) + 3, 3.6))
    ax = fig.add_subplot()
    w = 0.38
    if method == "sobol":
        ax.bar(x - w / 2, d["S1"], w, yerr=d["S1_conf"], capsize=3, label=_("S1 (first order)"))
        ax.bar(x + w / 2, d["ST"], w, yerr=d["ST_conf"], capsize=3, label=_("ST (total)"))
        ax.set_ylabel(_("Sobol' index (share of variance)"))
    else:
        ax.bar(x - w / 2, d["mu_star"], w, yerr=d["mu_star_conf"], capsize=3, label=_("mu* (mean |effect|)"))
        ax.bar(x + w / 2, d["sigma"], w, label=_("sigma (spread of effects)"))
        ax.set_ylabel(_("elementary effect ({kpi} units)").format(kpi=kpi_label(kpi)))
    ax.set_xticks(x, labels, rotation=20, ha="right")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_title(_("Sensitivity of {kpi} ({method})").format(kpi=kpi_label(kpi), method=method))
    note = d["note"].iloc[0]
    if note:
        ax.text(0.5, 0.5, translate_text(note), transform=ax.transAxes, ha="center", va="center", fontsize=9)
    ax.legend(fontsize=8)
    _save(fig, path)


@_cjk_font
def tornado_chart(table: pd.DataFrame, kpi: str, path: Path) -> None:
    """Horizontal bars from the base KPI to the KPI with each factor at its low end
    and at its high end (others at base), the largest swing on top."""
    from matplotlib.figure import Figure

    from growthsim.i18n.terms import kpi_label

    d = table[table["kpi"] == kpi].sort_values("swing", ascending=True)
    base = float(d["kpi_base"].iloc[0]) if len(d) else 0.0
    fig = Figure(figsize=(7, 0.55 * len(d) + 1.6))
    ax = fig.add_subplot()
    y = np.arange(len(d))
    lo = d["kpi_low"].to_numpy(dtype=float) - base
    hi = d["kpi_high"].to_numpy(dtype=float) - base
    # low and high ends side by side, so a factor whose two ends move the KPI the same
    # way shows both bars
    ax.barh(y - 0.2, lo, height=0.4, left=base, color="#4c72b0", label=_("factor at low end"))
    ax.barh(y + 0.2, hi, height=0.4, left=base, color="#dd8452", label=_("factor at high end"))
    ax.axvline(base, color="black", linewidth=0.8)
    ax.set_yticks(y, [f"{_short(f)}  [{lo_v} .. {hi_v}]" for f, lo_v, hi_v in zip(d["factor"], d["low"], d["high"])])
    ax.set_xlabel(_("{kpi} (base {base})").format(kpi=kpi_label(kpi), base=f"{base:.4g}"))
    ax.set_title(_("Tornado: {kpi}, one factor at a time").format(kpi=kpi_label(kpi)))
    ax.legend(fontsize=8, loc="lower right")
    _save(fig, path)


# --------------------------------------------------------------------------- driver


def _load_results(exp: Experiment, results: pd.DataFrame | str | Path) -> pd.DataFrame:
    if isinstance(results, pd.DataFrame):
        return results
    p = Path(results)
    df = read_sweep(p)
    mf = p / "manifest.json"
    if mf.exists():
        try:
            doc = json.loads(mf.read_text(encoding="utf-8"))
            fp = doc.get("fingerprint") if isinstance(doc, dict) else None
        except (OSError, ValueError) as exc:
            raise SweepError(_("--results {path}: cannot read manifest.json ({why})").format(path=p, why=exc)) from None
        if fp != exp.fingerprint():
            raise SweepError(
                _(
                    "--results {path}: that sweep was run from a different experiment or scenario "
                    "(fingerprint {found}, expected {expected})"
                ).format(path=p, found=fp, expected=exp.fingerprint())
            )
    n_points = expected_points(exp)
    pts = pd.to_numeric(df["point"], errors="coerce")
    if pts.isna().any() or len(df) and not (0 <= pts.min() and pts.max() < n_points):
        raise SweepError(
            located(
                str(p / "results.parquet"),
                None,
                "point",
                _("expected point numbers 0..{last} of this experiment's design, found {lo}..{hi}").format(
                    last=n_points - 1, lo=pts.min(), hi=pts.max()
                ),
            )
        )
    for k in exp.spec.outputs.kpis:
        if k in df.columns and not pd.api.types.is_numeric_dtype(df[k]):
            raise SweepError(
                located(
                    str(p / "results.parquet"),
                    None,
                    k,
                    _("expected a numeric KPI column, found {dtype}").format(dtype=df[k].dtype),
                )
            )
    return df


def _sweep_into(exp: Experiment, folder: Path | None, **kw: Any) -> pd.DataFrame:
    """Run a sweep into ``folder``, resuming (or just reading) what is already there."""
    if folder is None:
        return run_sweep(exp, **kw)
    if (folder / "manifest.json").exists():
        return run_sweep(exp, resume=folder, **kw)
    return run_sweep(exp, out=folder, **kw)


def sensitivity(
    experiment: Experiment | str | Path,
    *,
    results: pd.DataFrame | str | Path | None = None,
    out: str | Path | None = None,
    tornado: bool = True,
    tornado_replicates: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    yes: bool = False,
    progress: bool = False,
    run_fn: RunFn | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Sensitivity indices of every KPI to every factor (see the module doc).

    Args:
        experiment: an experiment file or :class:`Experiment` with a sobol or morris design.
        results: the sweep's results (a DataFrame or a sweep folder); default: run the
            sweep (into ``OUT/sweep``, resuming whatever is already there).
        out: folder for tables and charts; None writes nothing.
        tornado: also run the one-at-a-time design and compute the tornado table. Its
            runs use common random numbers (replicate r of every point shares a seed),
            so each bar shows the factor's effect rather than chance.
        tornado_replicates: replicates per one-at-a-time point (default: the experiment's).
        workers, scheduler, yes, progress, run_fn: as for :func:`run_sweep`.
        num_resamples, conf_level: bootstrap of the confidence intervals.

    Returns:
        One row per KPI x factor (columns in :func:`sensitivity_indices`);
        ``attrs["tornado"]`` holds the tornado table when ``tornado``.
    """
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    _check_method(exp)
    plan = plan_sweep(exp, yes=yes)
    out_dir = Path(out) if out is not None else None
    kw: dict[str, Any] = dict(workers=workers, scheduler=scheduler, yes=yes, progress=progress, run_fn=run_fn)
    if results is None:
        res = _sweep_into(exp, out_dir / "sweep" if out_dir else None, **kw)
    else:
        res = _load_results(exp, results)
    if len(res) != plan.n_runs:
        raise SweepError(_("the results hold {n} runs but the experiment has {m}").format(n=len(res), m=plan.n_runs))
    indices = sensitivity_indices(exp, plan.design, res, num_resamples, conf_level)
    table = None
    if tornado:
        oat = exp.with_design(Design(type="oat"), replicates=tornado_replicates, common_random_numbers=True)
        oat_res = _sweep_into(oat, out_dir / "tornado" if out_dir else None, **kw)
        table = tornado_table(oat, oat_res)
        indices.attrs["tornado"] = table
    if out_dir is not None:
        write_parquet(out_dir / "sensitivity.parquet", indices)
        atomic_write_bytes(out_dir / "sensitivity.csv", indices.to_csv(index=False).encode())
        for kpi in indices["kpi"].unique():
            bar_chart(indices, kpi, out_dir / f"sensitivity_{_safe(kpi)}.png")
        if table is not None:
            write_parquet(out_dir / "tornado.parquet", table)
            atomic_write_bytes(out_dir / "tornado.csv", table.to_csv(index=False).encode())
            for kpi in table["kpi"].unique():
                tornado_chart(table, kpi, out_dir / f"tornado_{_safe(kpi)}.png")
    return indices
