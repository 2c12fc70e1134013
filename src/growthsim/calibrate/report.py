"""Markdown summaries of a calibration and of a forecast."""

from __future__ import annotations

import math
from typing import Any

from growthsim.i18n import N_, _

# diagnostics.json keeps these words in English (data); the report shows them translated
WORDS = {
    "pinned down": N_("pinned down"),
    "weak": N_("weak"),
    "running total": N_("running total"),
    "level": N_("level"),
}


def _word(text: str) -> str:
    if text.startswith("confounded with "):
        return _("confounded with {name}").format(name=text[len("confounded with ") :])
    return _(WORDS[text]) if text in WORDS else text


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
    out = ["# " + _("Calibration of '{name}'").format(name=diag["scenario"]["name"]), ""]
    h = diag["history"]
    out.append(
        (
            _("History: `{file}` — {periods} daily rows, {first} .. {last} ({days} days); series: {series}.")
            if h["period_days"] == 1
            else _("History: `{file}` — {periods} weekly rows, {first} .. {last} ({days} days); series: {series}.")
        ).format(
            file=h["file"],
            periods=h["periods"],
            first=h["first_date"],
            last=h["last_date"],
            days=h["days"],
            series=", ".join(h["series"]),
        )
    )
    out.append(
        _(
            "Joins: **{joins}**; fitted on {periods} periods with {replicates} replicates per candidate (seed "
            "{seed}, common random numbers), {method}, {evaluations} candidates in {secs:.1f} s; distance "
            "{distance} (weighted normalised RMSE)."
        ).format(
            joins=diag["spec"]["joins"],
            periods=fit["fitted_periods"],
            replicates=diag["spec"]["replicates"],
            seed=fit["seed"],
            method=diag["spec"]["method"],
            evaluations=fit["evaluations"],
            secs=fit["seconds"],
            distance=_f(fit["distance"]),
        )
    )
    out.append("")
    idf = fit.get("identifiability")
    if idf:
        out.append("## " + _("Identifiability (before fitting)"))
        out.append(
            _(
                "Screen at the start values: each parameter moved ±{step:.0%} of its prior range with "
                "common random numbers ({replicates} replicates). Sensitivity/noise: change of the "
                "compared series per tenth of the prior range over one history's randomness (< 1: the history "
                "says little); |cos|: how alike two parameters move the series (≥ 0.99: only a combination "
                "is pinned down). Collinearity index of all: {index}."
            ).format(step=idf["step"], replicates=idf["replicates"], index=_f(idf["collinearity_index"]))
        )
        out.append("")
        fixed = fit.get("fixed") or {}
        rows = [
            [
                f"`{n}`",
                f"**{_word(p['verdict'])}**",
                _f(p["snr"]),
                _f(p["max_abs_cosine"]),
                _("fixed at {value}").format(value=_f(fixed[n])) if n in fixed else _("fitted"),
            ]
            for n, p in idf["parameters"].items()
        ]
        out.append(
            _table([_("parameter"), _("verdict"), _("sensitivity/noise"), _("max abs. cosine"), _("then")], rows)
        )
        out.append("")
    post = fit.get("posterior")
    if post:
        out.append("## " + _("Posterior (ABC-SMC)"))
        gens = post["generations"]
        out.append(
            _(
                "{method}: {generations} generations, {simulations} simulations, {particles} particles (ESS "
                "{ess:.0f}), {secs:.1f} s; final tolerance ε = {eps}. Point estimate = weighted "
                "marginal median; shrinkage = 1 − posterior variance / prior variance (unit cube): near 1 the "
                "history pins the parameter down, near 0 it adds little to the prior."
            ).format(
                method=post["method"],
                generations=len(gens),
                simulations=post["simulations"],
                particles=post["particles"],
                ess=post["ess"],
                secs=post["seconds"],
                eps=_f(gens[-1]["epsilon"]) if gens else "–",
            )
        )
        out.append("")
        rows = [
            [f"`{n}`", _f(v["median"]), _f(v["sd"]), f"{_f(v['p5'])} – {_f(v['p95'])}", _f(v["shrinkage"])]
            for n, v in post["summary"].items()
        ]
        out.append(_table([_("parameter"), _("posterior median"), _("SD"), "P5–P95", _("shrinkage")], rows))
        if len(post["names"]) > 1:
            out.append("")
            out.append(
                _("Posterior correlations (unit cube): ")
                + "; ".join(
                    f"`{a}` × `{b}` {post['correlation'][i][j]:+.2f}"
                    for i, a in enumerate(post["names"])
                    for j, b in enumerate(post["names"])
                    if j > i
                )
                + "."
            )
        out.append("")
    out.append("## " + _("Fitted parameters"))
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
        if fit.get("posterior"):
            cols = [_("posterior SD"), _("posterior bias"), _("posterior P5–P95")]
        else:
            cols = [_("bootstrap SD"), _("bootstrap bias"), _("bootstrap P5–P95")]
        out.append(_table([_("parameter"), _("scenario value"), _("fitted"), *cols, _("bounds")], rows))
        out.append("")
        if post:
            out.append(
                _(
                    "Uncertainty: the ABC-SMC posterior above (SD and P5–P95 columns; bias = mean − median); "
                    "{draws} parameter sets drawn from it for the forecast."
                ).format(draws=post["draws"])
            )
        else:
            out.append(
                _(
                    "Uncertainty: parametric bootstrap, {n} synthetic histories simulated "
                    "from the fitted values and re-fitted."
                ).format(n=diag["spec"]["bootstrap"])
            )
        pd_ = fit.get("parameter_draws")
        if pd_:
            out.append(
                (
                    _(
                        "The point estimate and the {n} posterior draws are in `{file}`: "
                        "`growthsim forecast` spreads its runs over them (`--point-estimate` to use the fitted "
                        "values only)."
                    )
                    if post
                    else _(
                        "The point estimate and the {n} re-fits are in `{file}`: "
                        "`growthsim forecast` spreads its runs over them (`--point-estimate` to use the fitted "
                        "values only)."
                    )
                ).format(n=pd_["refits"], file=pd_["file"])
            )
    else:
        out.append(_("No parameters fitted: the scenario is evaluated as it is."))
    out.append("")
    out.append("## " + _("Fit quality per series"))
    rows = []
    for s, q in fit["quality"].items():
        rows.append(
            [
                s,
                f"{_f(fit['weights'].get(s, 0))}",
                _f(q["nrmse"]),
                _word(q["nrmse_basis"]),
                _f(q["mape_pct"]),
                _f(q["bias_pct"]),
                _f(q["coverage_p10_p90"]),
            ]
        )
    out.append(
        _table(
            [_("series"), _("weight"), "NRMSE", _("compared as"), "MAPE %", _("bias %"), _("P10–P90 coverage")], rows
        )
    )
    out.append("")
    bt = diag.get("backtest")
    if bt:
        out.append("## " + _("Backtest: last {days} days held out").format(days=bt["holdout_days"]))
        out.append(
            _(
                "Point forecast = simulated median; MASE scales the error by the training part's mean "
                "one-period change. `engine` continues the simulated histories drawn for their closeness "
                "to the observed end of the training part; `engine_unconditioned` is simulated from day 0 "
                "without that selection; `engine_anchored` is the unconditioned median shifted to the last "
                "training value."
            )
            + (
                " "
                + _(
                    "The engine's runs spread over the training fit's point estimate and its bootstrap re-fits or "
                    "posterior draws (below); `engine_point_estimate` is the conditioned engine with every run at "
                    "the point estimate."
                )
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
                _(
                    "Conditioning: {drawn} of {pool} candidates drawn ({distinct} distinct), effective sample size "
                    "{ess:.1f} ({share:.0%}); median gap to the observed end state, all candidates → drawn: {gaps}."
                ).format(
                    drawn=c["replicates"],
                    pool=c["pool"],
                    distinct=c["distinct"],
                    ess=c["ess"],
                    share=c["ess_share"],
                    gaps=gaps or _("nothing observed"),
                )
            )
            if c.get("parameter_sets"):
                out.append("")
                out.append(parameter_sets_markdown(c["parameter_sets"]))
            if c["warning"]:
                out.append("")
                out.append("**" + _("Warning:") + f"** {c['warning']}.")
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
                    _("series"),
                    _("forecast"),
                    "MAPE %",
                    _("cumulative MAPE %"),
                    _("weekly MAPE %"),
                    _("end error %"),
                    "MASE",
                    _("P10–P90 coverage"),
                    _("cumulative P10–P90 coverage"),
                    _("end total P50 (P10–P90), actual inside"),
                ],
                rows,
            )
        )
        if bt.get("bgnbd"):
            g = bt["bgnbd"]
            out.append("")
            out.append(
                "`bgnbd`: "
                + _(
                    "{model} fitted to {customers} customers' {orders} training repeat orders: r {r}, alpha "
                    "{alpha}, a {a}, b {b} (penalizer {penalizer})."
                ).format(
                    model=g["model"],
                    customers=g["customers"],
                    orders=g["repeat_orders_train"],
                    r=_f(g["r"]),
                    alpha=_f(g["alpha"]),
                    a=_f(g["a"]),
                    b=_f(g["b"]),
                    penalizer=g["penalizer"],
                )
            )
        out.append("")
        if bt["not_beaten"]:
            out.append(
                "**" + _("Where the engine does not beat a baseline") + "** " + _("(baseline MAE ≤ engine MAE):")
            )
            for nb in bt["not_beaten"]:
                out.append(
                    "- "
                    + _("{series}: {baseline} vs {engine} (MAE {baseline_mae} vs {engine_mae})").format(
                        series=nb["series"],
                        baseline=nb["baseline"],
                        engine=nb["engine"],
                        baseline_mae=_f(nb["baseline_mae"]),
                        engine_mae=_f(nb["engine_mae"]),
                    )
                )
        else:
            out.append(_("The engine beats every baseline on every series (lower MAE on the held-out periods)."))
        out.append("")
    out.append("## " + _("Charts"))
    out += [f"![{c}]({c})" for c in charts]
    out.append("")
    out.append("## " + _("Files"))
    out.append(
        "- `calibrated.yaml`: " + _("the scenario with the fitted values (usable by run / compare / sweep / forecast)")
    )
    out.append("- `history.csv`: " + _("the history as used (read by `growthsim forecast`)"))
    if fit.get("parameter_draws"):
        out.append(
            f"- `{fit['parameter_draws']['file']}`: "
            + _("the point estimate and the bootstrap re-fits (read by `growthsim forecast`)")
        )
    out.append("- `diagnostics.json`: " + _("everything above as data"))
    return "\n".join(out) + "\n"


def parameter_sets_markdown(ps: dict[str, Any]) -> str:
    """The parameter sets a forecast's runs used: how many survived, each parameter's range."""
    head = _(
        "Parameter uncertainty: the runs spread round-robin over {sets} parameter sets (the point "
        "estimate and {refits} bootstrap re-fits or posterior draws); **{selected} of {sets}** are "
        "among the forecast's runs."
    ).format(sets=ps["sets"], refits=ps["refits"], selected=ps["distinct_selected"])
    w = ps.get("weight_by_set")
    if w:
        head += " " + _("Conditioning weight per set: ") + ", ".join(f"{i}: {x:.0%}" for i, x in enumerate(w)) + "."
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
        head
        + "\n\n"
        + _table([_("parameter"), _("point estimate"), _("all sets"), _("forecast's runs"), _("median of runs")], rows)
    )


def forecast_markdown(
    meta: dict[str, Any],
    summary: dict[str, Any],
    charts: list[str],
    conditioning: dict[str, Any] | None = None,
    parameters: dict[str, Any] | None = None,
) -> str:
    out = ["# " + _("Forecast: {name}").format(name=meta["scenario"]), ""]
    hist = (
        _("{days} days, to {end}").format(days=meta["history_days"], end=meta["history_end"])
        if meta.get("history_end")
        else _("{days} days").format(days=meta["history_days"])
    )
    out.append(
        (
            _(
                "{days} days after the history ({history}), {replicates} replicates, seed {seed}. The history is "
                "simulated with the observed joins replayed, then each plan goes on."
            )
            if meta.get("replay")
            else _(
                "{days} days after the history ({history}), {replicates} replicates, seed {seed}. The history is "
                "simulated, then each plan goes on."
            )
        ).format(days=meta["days"], history=hist, replicates=meta["replicates"], seed=meta["seed"])
    )
    out.append("")
    c = conditioning
    out.append("## " + _("Conditioning on the end of the history"))
    if c is None:
        out.append(
            _(
                "Not conditioned ({why}): replicates 0..{last} simulated from day 0, so the band also holds the "
                "spread the model allows over the history itself."
            ).format(why=meta.get("not_conditioned_because") or _("no history"), last=meta["replicates"] - 1)
        )
    else:
        out.append(
            _(
                "{pool} candidate histories of the first plan were simulated and weighed by their "
                "closeness to the observed end state (kernel, relative tolerance {tolerance}); "
                "{drawn} were drawn by systematic resampling ({distinct} distinct) and continued. "
                "Every plan continues the same drawn replicates. **Effective sample size: {ess:.1f} of "
                "{pool}** ({share:.0%})."
            ).format(
                pool=c["pool"],
                tolerance=_f(c["tolerance"]),
                drawn=c["replicates"],
                distinct=c["distinct"],
                ess=c["ess"],
                share=c["ess_share"],
            )
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
        out.append(
            _table([_("end state"), _("observed"), _("median gap, all candidates"), _("median gap, drawn")], rows)
        )
        if c["warning"]:
            out.append("")
            out.append("**" + _("Warning:") + f"** {c['warning']}.")
        for n in c.get("notes", []):
            out.append(f"- {n}")
    out.append("")
    out.append("## " + _("Parameters"))
    if parameters:
        out.append(parameter_sets_markdown(parameters))
    else:
        out.append(
            _(
                "Every run at the scenario's values (the point estimate): {why}. The band holds the "
                "simulation's randomness only, not the parameters' uncertainty."
            ).format(why=meta.get("no_parameter_uncertainty_because") or _("no parameter draws"))
        )
    for n in meta.get("notes", []):
        out.append("")
        out.append(_("Note: {note}.").format(note=n))
    out.append("")
    out.append(
        "## "
        + (
            _("Last forecast day: median (P10–P90)")
            if meta["period_days"] == 1
            else _("Last forecast week: median (P10–P90)")
        )
    )
    series = list(next(iter(summary.values())).keys()) if summary else []
    rows = []
    for label, s in summary.items():
        rows.append([label] + [f"{_f(s[k]['p50'])} ({_f(s[k]['p10'])}–{_f(s[k]['p90'])})" for k in series])
    out.append(_table([_("plan")] + series, rows))
    out.append("")
    out += [f"![{c}]({c})" for c in charts]
    return "\n".join(out) + "\n"
