"""The ``calibrate`` and ``forecast`` commands.

``growthsim calibrate SCENARIO --history FILE [--events FILE] [--fit SPEC | --param P=MIN:MAX]
[--replay-joins] [--holdout DAYS] [--out DIR]`` writes into DIR: ``calibrated.yaml``,
``history.csv``, ``parameter_draws.csv`` (point estimate and bootstrap re-fits, when there
are re-fits), ``fit_report.md``, ``diagnostics.json`` and ``fit_<series>.png``.

``growthsim forecast CALIBRATED --days N [--variant V | --all-variants] [--point-estimate]
[--out DIR]`` reads ``history.csv`` and ``parameter_draws.csv`` next to the scenario and writes
``forecast.csv``, ``forecast.json``, ``forecast.md``, ``timeseries.parquet`` and
``forecast_<series>.png``.

Both check DIR before any work and write into a hidden staging folder next to it, committed
as a whole with a ``run-manifest.json`` (:mod:`growthsim.rundir`), so a failed or
interrupted command leaves nothing half written.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from growthsim.calibrate import spec as S
from growthsim.calibrate.backtest import backtest
from growthsim.calibrate.charts import chart_fit, chart_forecast, period_dates
from growthsim.calibrate.draws import DRAWS_SIDECAR, ParameterDraws
from growthsim.calibrate.fit import fit
from growthsim.calibrate.forecast import (
    DEFAULT_TOLERANCE,
    FORECAST_SERIES,
    POOL_FACTOR,
    end_summary,
    forecast,
    forecast_bands,
    pool_size,
)
from growthsim.calibrate.history import (
    History,
    check_against_scenario,
    merge_histories,
    read_events,
    read_history,
)
from growthsim.calibrate.report import calibration_markdown, forecast_markdown
from growthsim.calibrate.transactions import read_transactions
from growthsim.cliargs import check_run_size, count, days_arg, positive_number, seed_arg
from growthsim.errors import ScenarioError, UserError
from growthsim.i18n import _
from growthsim.io import atomic_write_text, write_csv, write_json, write_parquet
from growthsim.rundir import RunFolder, check_manifest, default_run_dir
from growthsim.scenario.loader import ScenarioFile, apply_overrides, scenario_to_dict
from growthsim.scenario.schema import MAX_REPLICATES

HISTORY_SIDECAR = "history.csv"


def _default_out(kind: str, name: str) -> Path:
    return default_run_dir(name, kind)


# --------------------------------------------------------------------------- calibrate


def load_inputs(args: argparse.Namespace) -> tuple[ScenarioFile, Any, History, S.FitSpec, dict[str, bool]]:
    """Read and check everything before anything is computed or written."""
    sf = ScenarioFile(args.scenario)
    plan = sf.plan(args.variant)
    if args.fit and args.param:
        raise UserError(_("give either --fit SPEC or --param options, not both"))
    lines: dict = {}
    if args.fit:
        spec, lines = S.load_fit_spec(args.fit)
    else:
        spec = S.FitSpec(parameters=dict(S.parse_param_option(p) for p in (args.param or [])))
    update: dict[str, Any] = {}
    if args.replay_joins:
        update["joins"] = "replay"
    if args.seed is not None:
        update["seed"] = args.seed
    if args.bootstrap is not None:
        update["bootstrap"] = args.bootstrap
    if args.max_evaluations is not None:
        update["max_evaluations"] = args.max_evaluations
    if update:
        spec = S.FitSpec.model_validate({**spec.model_dump(), **update})
    ints = S.check_against_scenario(spec, plan, args.fit, lines)
    tx_file = getattr(args, "transactions", None)
    if not args.history and not args.events and not tx_file:
        raise UserError(_("give --history FILE (and/or --events FILE), or --transactions FILE"))
    if tx_file and args.events:
        raise UserError(_("give either --events FILE or --transactions FILE, not both"))
    hist = read_history(args.history) if args.history else None
    events = read_events(args.events, plan.members.initial) if args.events else None
    if tx_file:
        events = read_transactions(tx_file).history()
    history = merge_histories(hist, events)
    check_against_scenario(history, plan)
    if spec.joins == "replay":
        history.daily_joins()  # checks the column is there and complete
    return sf, plan, history, spec, ints


def calibrated_document(
    sf: ScenarioFile, plan, values: dict[str, Any], history: History, spec: S.FitSpec, note: str
) -> tuple[dict[str, Any], list[str]]:
    """The calibrated scenario file's content: the resolved plan with the fitted values, the
    history's horizon, replayed joins (when chosen) and the original file's variants."""
    notes = []
    cal = apply_overrides(plan, values) if values else plan
    doc = scenario_to_dict(cal)
    doc["name"] = f"{plan.name} (calibrated)"
    doc["description"] = note
    doc["replay"] = {"daily_joins": history.daily_joins(), "start_day": 0} if spec.joins == "replay" else None
    variants = {k: v for k, v in sf.variant_overrides.items()}
    for horizon in (history.days, plan.horizon_days):
        trial = {**doc, "horizon_days": horizon}
        if variants:
            trial["variants"] = variants
        try:
            _validate_document(trial)
        except ScenarioError as exc:
            if horizon == plan.horizon_days:
                raise
            notes.append(
                _("horizon_days kept at {days} (a lever is scheduled after the history: {why})").format(
                    days=plan.horizon_days, why=exc
                )
            )
            continue
        if trial.get("replay") is None:
            trial.pop("replay")
        return trial, notes
    raise AssertionError("unreachable")


def _validate_document(doc: dict[str, Any]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "calibrated.yaml"
        p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        ScenarioFile(p)


def _history_info(history: History) -> dict[str, Any]:
    return {
        "file": history.path,
        "period_days": history.period_days,
        "periods": history.n_periods,
        "days": history.days,
        "first_date": history.dates[0].isoformat(),
        "last_date": history.end_date.isoformat(),
        "series": history.series,
        "transactions": history.transactions.summary() if history.transactions is not None else None,
    }


def run_calibration(args: argparse.Namespace, log=print) -> Path:
    """The ``calibrate`` command's work; returns the output folder."""
    sf, plan, history, spec, ints = load_inputs(args)
    out = Path(args.out) if args.out else _default_out("calibration", plan.name)
    staging = RunFolder(out, force=getattr(args, "force", False))
    t0 = time.perf_counter()
    bt = None
    if args.holdout:
        result, bt = backtest(plan, history, spec, args.holdout, ints, log=log)
        fitted_periods = bt["train_periods"]
    else:
        result = fit(plan, history, spec, ints, log=log)
        fitted_periods = history.n_periods
    fitted = ", ".join(f"{k}={v:.6g}" for k, v in result.values.items()) or _("nothing fitted")
    draws = ParameterDraws.from_fit(result.values, result.uncertainty)
    note = _(
        "Calibrated on {file} ({first}..{last}, day 0 = {first}; {fitted} of {periods} periods fitted); {values}."
    ).format(
        file=Path(history.path).name,
        first=history.dates[0],
        last=history.end_date,
        fitted=fitted_periods,
        periods=history.n_periods,
        values=fitted,
    )
    doc, notes = calibrated_document(sf, plan, result.values, history, spec, note)
    problem_start = {}
    for name in spec.parameters:
        cur: Any = scenario_to_dict(plan)
        for k in name.split("."):
            cur = cur[k]
        problem_start[name] = cur
    diag: dict[str, Any] = {
        "scenario": {"file": str(sf.path), "name": plan.name, "variant": args.variant or "base"},
        "history": _history_info(history),
        "spec": spec.model_dump(mode="json"),
        "fit": {
            "values": result.values,
            "start": problem_start,
            "distance": result.distance,
            "evaluations": result.evaluations,
            "seconds": result.seconds,
            "seed": plan.seed if spec.seed is None else spec.seed,
            "uncertainty": result.uncertainty,
            "quality": result.quality,
            "weights": result.weights,
            "fitted_periods": fitted_periods,
            "identifiability": result.identifiability,
            "posterior": result.posterior,
            "fixed": result.fixed,
            "parameter_draws": (
                {"file": DRAWS_SIDECAR, "sets": len(draws), "refits": len(draws) - 1} if draws is not None else None
            ),
        },
        "notes": notes,
    }
    with staging as tmp:
        header = (
            f"# {doc['description']}\n# "
            + _("Written by `growthsim calibrate`; day 0 is {date}.").format(date=history.dates[0])
            + "\n"
        )
        atomic_write_text(tmp / "calibrated.yaml", header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        write_csv(tmp / HISTORY_SIDECAR, history.to_frame())
        if draws is not None:
            draws.write(tmp / DRAWS_SIDECAR)
        charts = []
        x = period_dates(history.dates[0], history.period_days, history.n_periods)
        for s in history.series:
            y = history.data[s].to_numpy(dtype=float)
            name = f"fit_{s}.png"
            if bt is not None:
                split = bt["train_periods"]
                chart_fit(
                    tmp / name,
                    s,
                    x,
                    y,
                    bt["bands"][s],
                    _("{series}: observed vs simulated (fit on the first {n} periods, rest held out)").format(
                        series=s, n=split
                    ),
                    split,
                    bt["baselines"].get(s),
                    bt["anchored"].get(s),
                    conditioned=True,
                )
            else:
                chart_fit(
                    tmp / name,
                    s,
                    x,
                    y,
                    result.bands[s],
                    _("{series}: observed vs simulated at the fit").format(series=s),
                )
            charts.append(name)
        if bt is not None:
            diag["backtest"] = {
                k: v for k, v in bt.items() if k not in ("bands", "bands_unconditioned", "baselines", "anchored")
            }
        write_json(tmp / "diagnostics.json", diag)
        atomic_write_text(tmp / "fit_report.md", calibration_markdown(diag, charts))
    if log:
        log(_("calibrated in {secs:.1f} s: {fitted}").format(secs=time.perf_counter() - t0, fitted=fitted))
        for s, q in result.quality.items():
            log(
                f"  {s:15s} "
                + _("NRMSE {nrmse:.3f}  MAPE {mape:.1f}%  P10–P90 coverage {cov:.2f}").format(
                    nrmse=q["nrmse"], mape=q["mape_pct"], cov=q["coverage_p10_p90"]
                )
            )
        if bt is not None:
            for s, row in bt["series"].items():
                cells = "  ".join(f"{k} MASE {v['mase']:.2f}" for k, v in row.items())
                log("  " + _("holdout {series} {cells}").format(series=f"{s:15s}", cells=cells))
            c = bt["conditioning"]
            log(
                "  "
                + _(
                    "holdout forecast conditioned on the end of the training part: effective sample size "
                    "{ess:.1f} of {pool} candidates"
                ).format(ess=c["ess"], pool=c["pool"])
            )
            for nb in bt["not_beaten"]:
                log(
                    "  "
                    + _("{engine} not better than {baseline} on {series}").format(
                        engine=nb["engine"], baseline=nb["baseline"], series=nb["series"]
                    )
                )
        files = "calibrated.yaml, fit_report.md, diagnostics.json, history.csv" + (
            f", {DRAWS_SIDECAR}" if draws is not None else ""
        )
        log(_("wrote {out}/ ({files}, charts)").format(out=out, files=files))
    return out


def cmd_calibrate(args: argparse.Namespace) -> int:
    run_calibration(args, log=None if args.quiet else print)
    return 0


# --------------------------------------------------------------------------- forecast


def _load_draws(args: argparse.Namespace, sf: ScenarioFile) -> tuple[ParameterDraws | None, str | None, str | None]:
    """The parameter sets to forecast with: (draws, why none, warning).

    ``--draws FILE`` or ``parameter_draws.csv`` next to the scenario; none with
    ``--point-estimate``. A file whose point estimate differs from the scenario's values is
    an error when given with ``--draws``; the sidecar is then left out with a warning (the
    scenario was edited after calibrating)."""
    if args.point_estimate:
        return None, "--point-estimate", None
    path = Path(args.draws) if args.draws else sf.path.parent / DRAWS_SIDECAR
    if not args.draws and not path.is_file():
        return None, _("no parameter draws ({path} not found; give --draws FILE)").format(path=path), None
    draws = ParameterDraws.read(path)
    why = draws.mismatch(sf.base)
    if why is not None:
        msg = _(
            "{path}: its point estimate does not match {scenario} ({why}); the parameter draws belong to "
            "another calibration"
        ).format(path=path, scenario=sf.path, why=why)
        if args.draws:
            raise UserError(msg)
        return None, _("parameter draws do not match the scenario"), msg + _(", so they are not used")
    if len(draws) < 2:
        return None, _("{path} holds the point estimate only (no bootstrap re-fits)").format(path=path), None
    return draws, None, None


def cmd_forecast(args: argparse.Namespace) -> int:
    # a calibration folder: the history forecast conditions on is the one calibrate wrote
    # (the draws carry their own check: their point estimate must match the scenario)
    check_manifest(Path(args.scenario).parent, required=False, only=(HISTORY_SIDECAR,))
    sf = ScenarioFile(args.scenario)
    plans = sf.plans() if args.all_variants else {args.variant or "base": sf.plan(args.variant)}
    base = next(iter(plans.values()))
    hist_path = Path(args.history) if args.history else sf.path.parent / HISTORY_SIDECAR
    history = read_history(hist_path) if (args.history or hist_path.is_file()) else None
    if history is not None:
        history_days = history.days
        check_against_scenario(history, base)
    elif base.replay is not None:
        history_days = base.replay.start_day + len(base.replay.daily_joins)
    else:
        history_days = base.horizon_days
    period = history.period_days if history is not None else 1
    out = Path(args.out) if args.out else _default_out("forecast", base.name)
    R = args.replicates or base.replicates
    seed = base.seed if args.seed is None else args.seed
    if args.tolerance is not None and args.tolerance <= 0:
        raise UserError(_("--tolerance must be above 0, found {value}").format(value=args.tolerance))
    K = pool_size(R, args.pool)  # checked before anything runs
    check_run_size(len(plans), K, history_days, "--pool" if args.pool else "--replicates")
    check_run_size(len(plans), R, history_days + args.days)
    staging = RunFolder(out, force=getattr(args, "force", False))
    draws, no_draws_because, draws_warning = _load_draws(args, sf)
    t0 = time.perf_counter()
    conditioned = history is not None and not args.unconditioned
    fc = forecast(
        plans,
        history_days,
        args.days,
        period,
        R,
        seed,
        history=history if conditioned else None,
        pool=args.pool,
        tolerance=args.tolerance or DEFAULT_TOLERANCE,
        draws=draws,
    )
    bands, table = forecast_bands(fc, args.days, period)
    n_fc = len(table["period"].unique())
    summary = end_summary(table)
    sel = fc.selection.summary() if fc.selection is not None else None
    why = None
    if sel is None:
        why = (
            "--unconditioned"
            if history is not None
            else _("no history ({path} not found; give --history FILE)").format(path=hist_path)
        )
    meta = {
        "scenario": base.name,
        "file": str(sf.path),
        "days": args.days,
        "history_days": history_days,
        "history_end": history.end_date.isoformat() if history else None,
        "period_days": period,
        "replicates": R,
        "seed": seed,
        "replay": base.replay is not None,
        "plans": list(plans),
        "conditioned": sel is not None,
        "not_conditioned_because": why,
        "parameter_uncertainty": fc.parameters is not None,
        "no_parameter_uncertainty_because": None if fc.parameters is not None else no_draws_because,
        "notes": fc.notes + ([draws_warning] if draws_warning else []),
    }
    with staging as tmp:
        start = history.dates[0] if history is not None else None
        n_hist = history_days // period
        x_hist = period_dates(start, period, n_hist)
        x_fc = period_dates(start, period, n_fc, offset=n_hist)
        charts = []
        for s in FORECAST_SERIES:
            obs = history.data[s].to_numpy(dtype=float) if history is not None and s in history.data else None
            name = f"forecast_{s}.png"
            chart_forecast(
                tmp / name,
                s,
                x_hist,
                obs,
                x_fc,
                bands[s],
                _("{series}: history and {days}-day forecast (median, P10–P90)").format(series=s, days=args.days),
            )
            charts.append(name)
        write_csv(tmp / "forecast.csv", table)
        write_parquet(tmp / "timeseries.parquet", fc.runset.timeseries)
        write_json(
            tmp / "forecast.json",
            {"meta": meta, "conditioning": sel, "parameter_sets": fc.parameters, "last_period": summary},
        )
        atomic_write_text(tmp / "forecast.md", forecast_markdown(meta, summary, charts, sel, fc.parameters))
    if sel is not None and sel["warning"]:
        print(_("warning: {message}").format(message=sel["warning"]), file=sys.stderr)
    if draws_warning:
        print(_("warning: {message}").format(message=draws_warning), file=sys.stderr)
    if not args.quiet:
        print(
            _(
                "{name}: {plans} plan(s) x {replicates} replicates, {history} history days + {days} "
                "forecast days, {secs:.1f} s"
            ).format(
                name=base.name,
                plans=len(plans),
                replicates=R,
                history=history_days,
                days=args.days,
                secs=time.perf_counter() - t0,
            )
        )
        if sel is not None:
            print(
                "  "
                + _(
                    "conditioned on the end of the history: {distinct} distinct of {pool} candidates "
                    "drawn, effective sample size {ess:.1f}"
                ).format(distinct=sel["distinct"], pool=sel["pool"], ess=sel["ess"])
            )
        else:
            print("  " + _("not conditioned on the end of the history: {why}").format(why=why))
        ps = fc.parameters
        if ps is not None:
            ranges = ", ".join(
                f"{k} {v['selected_min']:.4g}–{v['selected_max']:.4g}" for k, v in ps["parameters"].items()
            )
            print(
                "  "
                + _(
                    "parameter uncertainty: {sets} parameter sets (point estimate + {refits} bootstrap "
                    "re-fits), {selected} in the forecast's runs; {ranges}"
                ).format(sets=ps["sets"], refits=ps["refits"], selected=ps["distinct_selected"], ranges=ranges)
            )
        else:
            print("  " + _("parameters at the point estimate only: {why}").format(why=no_draws_because))
        for note in fc.notes:
            print("  " + _("note: {note}").format(note=note))
        for label, s in summary.items():
            cells = "  ".join(f"{k} {v['p50']:.0f} ({v['p10']:.0f}–{v['p90']:.0f})" for k, v in s.items())
            print(f"  {label}: {cells}")
        print(
            _("wrote {out}/ ({files}, charts)").format(
                out=out, files="forecast.csv, forecast.json, forecast.md, timeseries.parquet"
            )
        )
    return 0


# --------------------------------------------------------------------------- wiring


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser(
        "calibrate",
        help=_("fit a scenario's parameters to a community's own history"),
        description=_(
            "Fit scenario parameters to observed series by simulation; write the "
            "calibrated scenario, a fit report and diagnostics (see docs/calibration.md)."
        ),
    )
    c.add_argument("scenario", help=_("scenario YAML file (day 0 = the history's first day)"))
    c.add_argument(
        "--history",
        help=_(
            "history CSV: date + some of new_members, active_members, members, "
            "purchases, revenue, spend; daily or weekly rows"
        ),
    )
    c.add_argument(
        "--events", help=_("member event log CSV: member_id, date, event (join/active/purchase/leave), amount")
    )
    c.add_argument(
        "--transactions",
        metavar="FILE",
        help=_(
            "transaction log CSV (shop/CRM export): customer_id, "
            "date, amount, optionally join_date, channel; turned into a daily history of joins, repeat "
            "orders and their revenue (see docs/calibration.md)"
        ),
    )
    c.add_argument("--fit", help=_("calibration spec YAML: parameters with bounds, series weights, method"))
    c.add_argument(
        "--param",
        action="append",
        metavar="PATH=MIN:MAX[:log]",
        help=_("fit this scenario field within bounds (repeatable; instead of --fit)"),
    )
    c.add_argument("--replay-joins", action="store_true", help=_("replay the observed joins instead of fitting them"))
    c.add_argument(
        "--holdout", type=days_arg, metavar="DAYS", help=_("keep the last DAYS out of the fit and score the forecast")
    )
    c.add_argument("--variant", help=_("calibrate this variant of the scenario file instead of the base plan"))
    c.add_argument("--seed", type=seed_arg, help=_("base seed of the fit (default: the spec's, else the scenario's)"))
    c.add_argument(
        "--bootstrap", type=count(0, 200), help=_("bootstrap re-fits for uncertainty (default: the spec's, 8)")
    )
    c.add_argument(
        "--max-evaluations", type=count(10, 20_000), help=_("candidate parameter sets at most (default 300)")
    )
    c.add_argument("--out", help=_("output folder (default: runs/calibration-<name>-<timestamp>/)"))
    c.add_argument("--force", action="store_true", help=_("replace an existing, non-empty --out folder as a whole"))
    c.add_argument("--quiet", action="store_true", help=_("print nothing on success"))
    c.set_defaults(func=cmd_calibrate)

    f = sub.add_parser(
        "forecast",
        help=_("forecast from a calibrated scenario, after its history"),
        description=_(
            "Continue the simulated histories that end nearest the observed state "
            "under the plan (and its variants) for --days more days; fan charts with P10–P90. "
            "With {draws} next to the scenario (written by calibrate), the runs spread over "
            "the fitted parameters and their bootstrap re-fits, so the band carries the parameters' "
            "uncertainty too (see docs/calibration.md)."
        ).format(draws=DRAWS_SIDECAR),
    )
    f.add_argument("scenario", help=_("calibrated scenario YAML (from growthsim calibrate)"))
    f.add_argument("--days", type=days_arg, required=True, help=_("days to forecast after the history"))
    g = f.add_mutually_exclusive_group()
    g.add_argument("--variant", help=_("forecast this variant instead of the base plan"))
    g.add_argument("--all-variants", action="store_true", help=_("forecast the base plan and every variant"))
    f.add_argument(
        "--history",
        help=_("history CSV drawn before the forecast (default: {file} next to the scenario)").format(
            file=HISTORY_SIDECAR
        ),
    )
    f.add_argument(
        "--replicates", type=count(1, MAX_REPLICATES), help=_("Monte Carlo replicates (default: the scenario's)")
    )
    f.add_argument("--seed", type=seed_arg, help=_("base seed (default: the scenario's)"))
    f.add_argument(
        "--pool",
        type=count(1, POOL_FACTOR * MAX_REPLICATES),
        metavar="K",
        help=_(
            "candidate histories simulated to condition on the end of the history (default: {k} x replicates)"
        ).format(k=POOL_FACTOR),
    )
    f.add_argument(
        "--tolerance",
        type=positive_number,
        metavar="H",
        help=_("relative tolerance of the conditioning kernel (default {h})").format(h=DEFAULT_TOLERANCE),
    )
    f.add_argument(
        "--unconditioned",
        action="store_true",
        help=_("do not condition on the end of the history: replicates 0..R-1 simulated from day 0"),
    )
    d = f.add_mutually_exclusive_group()
    d.add_argument(
        "--draws",
        metavar="FILE",
        help=_(
            "parameter sets to propagate: point estimate and bootstrap "
            "re-fits (default: {file} next to the scenario, written by calibrate); the run with "
            "replicate index r uses set r mod D, in every plan, and the conditioning weighs the sets too"
        ).format(file=DRAWS_SIDECAR),
    )
    d.add_argument(
        "--point-estimate",
        action="store_true",
        help=_(
            "ignore the parameter draws: every run at the "
            "scenario's (fitted) values, so the band holds the simulation's randomness only"
        ),
    )
    f.add_argument("--out", help=_("output folder (default: runs/forecast-<name>-<timestamp>/)"))
    f.add_argument("--force", action="store_true", help=_("replace an existing, non-empty --out folder as a whole"))
    f.add_argument("--quiet", action="store_true", help=_("print nothing on success"))
    f.set_defaults(func=cmd_forecast)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
