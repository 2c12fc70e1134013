"""Markdown summaries of a calibration and of a forecast."""

from __future__ import annotations

import math
from typing import Any


def _f(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, int):
        return f"{x:,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def calibration_markdown(diag: dict[str, Any], charts: list[str]) -> str:
    """The fit report: fitted values with uncertainty, fit quality, backtest, charts."""
    fit = diag["fit"]
    out = [f"# Calibration of '{diag['scenario']['name']}'", ""]
    h = diag["history"]
    out.append(
        f"History: `{h['file']}` — {h['periods']} {'daily' if h['period_days'] == 1 else 'weekly'} rows, "
        f"{h['first_date']} .. {h['last_date']} ({h['days']} days); series: {', '.join(h['series'])}."
    )
    out.append(
        f"Joins: **{diag['spec']['joins']}**; fitted on {fit['fitted_periods']} periods with "
        f"{diag['spec']['replicates']} replicates per candidate (seed {fit['seed']}, common random numbers), "
        f"{diag['spec']['method']}, {fit['evaluations']} candidates in {fit['seconds']:.1f} s; "
        f"distance {_f(fit['distance'])} (weighted normalised RMSE)."
    )
    out.append("")
    idf = fit.get("identifiability")
    if idf:
        out.append("## Identifiability (before fitting)")
        out.append(
            f"Screen at the start values: each parameter moved ±{idf['step']:.0%} of its prior range with "
            f"common random numbers ({idf['replicates']} replicates). Sensitivity/noise: change of the "
            "compared series per tenth of the prior range over one history's randomness (< 1: the history "
            "says little); |cos|: how alike two parameters move the series (≥ 0.99: only a combination "
            f"is pinned down). Collinearity index of all: {_f(idf['collinearity_index'])}."
        )
        out.append("")
        fixed = fit.get("fixed") or {}
        rows = [
            [
                f"`{n}`",
                f"**{p['verdict']}**",
                _f(p["snr"]),
                _f(p["max_abs_cosine"]),
                f"fixed at {_f(fixed[n])}" if n in fixed else "fitted",
            ]
            for n, p in idf["parameters"].items()
        ]
        out.append(_table(["parameter", "verdict", "sensitivity/noise", "max abs. cosine", "then"], rows))
        out.append("")
    post = fit.get("posterior")
    if post:
        out.append("## Posterior (ABC-SMC)")
        gens = post["generations"]
        out.append(
            f"{post['method']}: {len(gens)} generations, {post['simulations']} simulations, "
            f"{post['particles']} particles (ESS {post['ess']:.0f}), {post['seconds']:.1f} s; "
            f"final tolerance ε = {_f(gens[-1]['epsilon']) if gens else '–'}. Point estimate = weighted "
            "marginal median; shrinkage = 1 − posterior variance / prior variance (unit cube): near 1 the "
            "history pins the parameter down, near 0 it adds little to the prior."
        )
        out.append("")
        rows = [
            [f"`{n}`", _f(v["median"]), _f(v["sd"]), f"{_f(v['p5'])} – {_f(v['p95'])}", _f(v["shrinkage"])]
            for n, v in post["summary"].items()
        ]
        out.append(_table(["parameter", "posterior median", "SD", "P5–P95", "shrinkage"], rows))
        if len(post["names"]) > 1:
            out.append("")
            out.append(
                "Posterior correlations (unit cube): "
                + "; ".join(
                    f"`{a}` × `{b}` {post['correlation'][i][j]:+.2f}"
                    for i, a in enumerate(post["names"])
                    for j, b in enumerate(post["names"])
                    if j > i
                )
                + "."
            )
        out.append("")
    out.append("## Fitted parameters")
    if fit["values"]:
        rows = []
        for name, v in fit["values"].items():
            u = fit["uncertainty"].get(name, {})
            b = diag["spec"]["parameters"][name]
            rows.append(
                [
                    f"`{name}`",
                    _f(fit["start"].get(name)),
                    _f(v),
                    _f(u.get("sd")),
                    _f(u.get("bias")),
                    f"{_f(u.get('p5'))} – {_f(u.get('p95'))}",
                    f"[{_f(b['min'])}, {_f(b['max'])}] {b['scale']}",
                ]
            )
        src = "posterior" if fit.get("posterior") else "bootstrap"
        out.append(
            _table(
                ["parameter", "scenario value", "fitted", f"{src} SD", f"{src} bias", f"{src} P5–P95", "bounds"], rows
            )
        )
        out.append("")
        if post:
            out.append(
                f"Uncertainty: the ABC-SMC posterior above (SD and P5–P95 columns; bias = mean − median); "
                f"{post['draws']} parameter sets drawn from it for the forecast."
            )
        else:
            out.append(
                f"Uncertainty: parametric bootstrap, {diag['spec']['bootstrap']} synthetic histories simulated "
                "from the fitted values and re-fitted."
            )
        pd_ = fit.get("parameter_draws")
        if pd_:
            out.append(
                f"The point estimate and the {pd_['refits']} {'posterior draws' if post else 're-fits'} are in `{pd_['file']}`: "
                "`growthsim forecast` spreads its runs over them (`--point-estimate` to use the fitted "
                "values only)."
            )
    else:
        out.append("No parameters fitted: the scenario is evaluated as it is.")
    out.append("")
    out.append("## Fit quality per series")
    rows = []
    for s, q in fit["quality"].items():
        rows.append(
            [
                s,
                f"{_f(fit['weights'].get(s, 0))}",
                _f(q["nrmse"]),
                q["nrmse_basis"],
                _f(q["mape_pct"]),
                _f(q["bias_pct"]),
                _f(q["coverage_p10_p90"]),
            ]
        )
    out.append(_table(["series", "weight", "NRMSE", "compared as", "MAPE %", "bias %", "P10–P90 coverage"], rows))
    out.append("")
    bt = diag.get("backtest")
    if bt:
        out.append(f"## Backtest: last {bt['holdout_days']} days held out")
        out.append(
            "Point forecast = simulated median; MASE scales the error by the training part's mean "
            "one-period change. `engine` continues the simulated histories drawn for their closeness "
            "to the observed end of the training part; `engine_unconditioned` is simulated from day 0 "
            "without that selection; `engine_anchored` is the unconditioned median shifted to the last "
            "training value."
            + (
                " The engine's runs spread over the training fit's point estimate and its bootstrap re-fits or posterior draws "
                "(below); `engine_point_estimate` is the conditioned engine with every run at the point "
                "estimate."
                if (bt.get("conditioning") or {}).get("parameter_sets")
                else ""
            )
        )
        out.append("")
        c = bt.get("conditioning")
        if c:
            gaps = ", ".join(
                f"{t['name']} {100 * t['median_gap_unconditioned']:+.1f}% → {100 * t['median_gap_conditioned']:+.1f}%"
                for t in c["targets"]
            )
            out.append(
                f"Conditioning: {c['replicates']} of {c['pool']} candidates drawn ({c['distinct']} distinct), "
                f"effective sample size {c['ess']:.1f} ({c['ess_share']:.0%}); median gap to the observed "
                f"end state, all candidates → drawn: {gaps or 'nothing observed'}."
            )
            if c.get("parameter_sets"):
                out.append("")
                out.append(parameter_sets_markdown(c["parameter_sets"]))
            if c["warning"]:
                out.append("")
                out.append(f"**Warning:** {c['warning']}.")
            out.append("")
        rows = []
        for s, row in bt["series"].items():
            for name, sc in row.items():
                end = ""
                if "end_p10" in sc:
                    end = (
                        f"{_f(sc['end_p50'])} ({_f(sc['end_p10'])}–{_f(sc['end_p90'])})"
                        f"{' ✓' if sc['end_in_p10_p90'] else ' ✗'}"
                    )
                rows.append(
                    [
                        s,
                        name,
                        _f(sc["mape_pct"]),
                        _f(sc.get("mape_cum_pct")),
                        _f(sc.get("mape_weekly_pct")),
                        _f(sc.get("end_error_pct")),
                        _f(sc["mase"]),
                        _f(sc.get("coverage_p10_p90")),
                        _f(sc.get("coverage_cum_p10_p90")),
                        end,
                    ]
                )
        out.append(
            _table(
                [
                    "series",
                    "forecast",
                    "MAPE %",
                    "cumulative MAPE %",
                    "weekly MAPE %",
                    "end error %",
                    "MASE",
                    "P10–P90 coverage",
                    "cumulative P10–P90 coverage",
                    "end total P50 (P10–P90), actual inside",
                ],
                rows,
            )
        )
        if bt.get("bgnbd"):
            g = bt["bgnbd"]
            out.append("")
            out.append(
                f"`bgnbd`: {g['model']} fitted to {g['customers']} customers' {g['repeat_orders_train']} "
                f"training repeat orders: r {_f(g['r'])}, alpha {_f(g['alpha'])}, a {_f(g['a'])}, "
                f"b {_f(g['b'])} (penalizer {g['penalizer']})."
            )
        out.append("")
        if bt["not_beaten"]:
            out.append("**Where the engine does not beat a baseline** (baseline MAE ≤ engine MAE):")
            for nb in bt["not_beaten"]:
                out.append(
                    f"- {nb['series']}: {nb['baseline']} vs {nb['engine']} (MAE {_f(nb['baseline_mae'])} "
                    f"vs {_f(nb['engine_mae'])})"
                )
        else:
            out.append("The engine beats every baseline on every series (lower MAE on the held-out periods).")
        out.append("")
    out.append("## Charts")
    out += [f"![{c}]({c})" for c in charts]
    out.append("")
    out.append("## Files")
    out.append("- `calibrated.yaml`: the scenario with the fitted values (usable by run / compare / sweep / forecast)")
    out.append("- `history.csv`: the history as used (read by `growthsim forecast`)")
    if fit.get("parameter_draws"):
        out.append(
            f"- `{fit['parameter_draws']['file']}`: the point estimate and the bootstrap re-fits (read by "
            "`growthsim forecast`)"
        )
    out.append("- `diagnostics.json`: everything above as data")
    return "\n".join(out) + "\n"


def parameter_sets_markdown(ps: dict[str, Any]) -> str:
    """The parameter sets a forecast's runs used: how many survived, each parameter's range."""
    head = (
        f"Parameter uncertainty: the runs spread round-robin over {ps['sets']} parameter sets (the point "
        f"estimate and {ps['refits']} bootstrap re-fits or posterior draws); **{ps['distinct_selected']} of {ps['sets']}** are "
        "among the forecast's runs."
    )
    w = ps.get("weight_by_set")
    if w:
        head += " Conditioning weight per set: " + ", ".join(f"{i}: {x:.0%}" for i, x in enumerate(w)) + "."
    rows = [
        [
            f"`{k}`",
            _f(v["point_estimate"]),
            f"{_f(v['draws_min'])} – {_f(v['draws_max'])}",
            f"{_f(v['selected_min'])} – {_f(v['selected_max'])}",
            _f(v["selected_median"]),
        ]
        for k, v in ps["parameters"].items()
    ]
    return (
        head + "\n\n" + _table(["parameter", "point estimate", "all sets", "forecast's runs", "median of runs"], rows)
    )


def forecast_markdown(
    meta: dict[str, Any],
    summary: dict[str, Any],
    charts: list[str],
    conditioning: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
) -> str:
    out = [f"# Forecast: {meta['scenario']}", ""]
    out.append(
        f"{meta['days']} days after the history ({meta['history_days']} days"
        + (f", to {meta['history_end']}" if meta.get("history_end") else "")
        + f"), {meta['replicates']} "
        f"replicates, seed {meta['seed']}. The history is simulated"
        + (" with the observed joins replayed" if meta.get("replay") else "")
        + ", then each plan goes on."
    )
    out.append("")
    c = conditioning
    out.append("## Conditioning on the end of the history")
    if c is None:
        out.append(
            f"Not conditioned ({meta.get('not_conditioned_because') or 'no history'}): replicates "
            f"0..{meta['replicates'] - 1} simulated from day 0, so the band also holds the spread the "
            "model allows over the history itself."
        )
    else:
        out.append(
            f"{c['pool']} candidate histories of the first plan were simulated and weighed by their "
            f"closeness to the observed end state (kernel, relative tolerance {_f(c['tolerance'])}); "
            f"{c['replicates']} were drawn by systematic resampling ({c['distinct']} distinct) and continued. "
            f"Every plan continues the same drawn replicates. **Effective sample size: {c['ess']:.1f} of "
            f"{c['pool']}** ({c['ess_share']:.0%})."
        )
        out.append("")
        rows = [
            [
                t["name"],
                _f(t["observed"]),
                f"{100 * t['median_gap_unconditioned']:+.1f}%",
                f"{100 * t['median_gap_conditioned']:+.1f}%",
            ]
            for t in c["targets"]
        ]
        out.append(_table(["end state", "observed", "median gap, all candidates", "median gap, drawn"], rows))
        if c["warning"]:
            out.append("")
            out.append(f"**Warning:** {c['warning']}.")
        for n in c.get("notes", []):
            out.append(f"- {n}")
    out.append("")
    out.append("## Parameters")
    if parameters:
        out.append(parameter_sets_markdown(parameters))
    else:
        out.append(
            "Every run at the scenario's values (the point estimate): "
            f"{meta.get('no_parameter_uncertainty_because') or 'no parameter draws'}. The band holds the "
            "simulation's randomness only, not the parameters' uncertainty."
        )
    for n in meta.get("notes", []):
        out.append("")
        out.append(f"Note: {n}.")
    out.append("")
    out.append(f"## Last forecast {'day' if meta['period_days'] == 1 else 'week'}: median (P10–P90)")
    series = list(next(iter(summary.values())).keys()) if summary else []
    rows = []
    for label, s in summary.items():
        rows.append([label] + [f"{_f(s[k]['p50'])} ({_f(s[k]['p10'])}–{_f(s[k]['p90'])})" for k in series])
    out.append(_table(["plan"] + series, rows))
    out.append("")
    out += [f"![{c}]({c})" for c in charts]
    return "\n".join(out) + "\n"
