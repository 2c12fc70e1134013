"""``growthsim sweep``, ``growthsim sensitivity`` and ``growthsim optimize``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from growthsim.cliargs import count, workers_arg
from growthsim.errors import UserError
from growthsim.i18n import N_, _, ngettext
from growthsim.scenario.schema import MAX_REPLICATES


def _add_execution(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=workers_arg,
        default=None,
        metavar="N",
        help=_(
            "worker processes of a local Dask cluster (default: one per core); 0 = run in this process without Dask"
        ),
    )
    p.add_argument(
        "--scheduler", default=None, metavar="ADDRESS", help=_("use an existing Dask cluster, e.g. tcp://host:8786")
    )
    p.add_argument("--yes", action="store_true", help=_("allow more runs than the experiment's max_runs"))
    p.add_argument("--no-progress", action="store_true", help=_("no progress bar"))


#: the three study commands: help, description, what the file is, the default output folder
_STUDIES = {
    "sweep": (
        N_("run every point x replicate of an experiment (Dask), one tidy results table"),
        N_(
            "Expand an experiment's design and run every point x replicate on a "
            "local Dask cluster (or --scheduler ADDRESS). Writes OUT/results.parquet "
            "(one row per run) and OUT/series.parquet (daily series, when requested); "
            "checkpoints in OUT/parts so --resume OUT completes an interrupted sweep."
        ),
        N_("experiment file (YAML)"),
        N_("output folder (default: sweeps/<experiment file name>)"),
    ),
    "sensitivity": (
        N_("Sobol' / Morris sensitivity indices and tornado charts per KPI"),
        N_(
            "Sensitivity indices (Sobol' S1/ST or Morris mu*/sigma) of every KPI to "
            "the experiment's factors, bar charts, and a tornado chart from "
            "one-at-a-time runs. Runs the sweep into OUT/sweep unless --results DIR "
            "points at a finished sweep of the same experiment."
        ),
        N_("experiment file (YAML) with a sobol or morris design"),
        N_("output folder (default: sensitivity/<experiment file name>)"),
    ),
    "optimize": (
        N_("search the experiment's factors for the best plan under constraints (Optuna on Dask)"),
        N_(
            "Search the factors of an optimisation file (an experiment file with an "
            "optimize: section) with Optuna (TPE for one objective, NSGA-II for two), "
            "candidates in batches on Dask, common random numbers, finalists re-run on "
            "fresh replicates. Writes OUT/trials.parquet/.csv, finalists.csv, best.yaml, "
            "charts and summary.md; the study journal in OUT lets --resume OUT continue it."
        ),
        N_("optimisation file (YAML)"),
        N_("output folder (default: optimize/<experiment file name>)"),
    ),
}


def _study_parser(subparsers: argparse._SubParsersAction, name: str) -> argparse.ArgumentParser:
    """A study command (``_STUDIES``): it reads an experiment file and writes an output folder."""
    help_, description, file_help, out_help = (_(text) for text in _STUDIES[name])
    p = subparsers.add_parser(name, help=help_, description=description)
    p.add_argument("experiment", help=file_help)
    p.add_argument("--out", default=None, metavar="DIR", help=out_help)
    return p


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sweep``, ``sensitivity`` and ``optimize`` to the growthsim command line."""
    p = _study_parser(subparsers, "sweep")
    p.add_argument(
        "--resume",
        default=None,
        metavar="DIR",
        help=_("complete an interrupted sweep in DIR (runs only the missing runs)"),
    )
    p.add_argument(
        "--show-point",
        type=count(0, 10**9),
        default=None,
        metavar="P",
        help=_(
            "print the scenario (YAML) that point P runs, and exit: save it and "
            "`growthsim run FILE --seed SEED --replicates 1` reproduces a run of P"
        ),
    )
    _add_execution(p)
    p.set_defaults(func=cmd_sweep)

    s = _study_parser(subparsers, "sensitivity")
    s.add_argument("--results", default=None, metavar="DIR", help=_("a finished sweep folder to analyse"))
    s.add_argument("--no-tornado", action="store_true", help=_("skip the one-at-a-time runs and tornado charts"))
    s.add_argument(
        "--tornado-replicates",
        type=count(1, MAX_REPLICATES),
        default=None,
        metavar="N",
        help=_("replicates per one-at-a-time point (default: the experiment's)"),
    )
    _add_execution(s)
    s.set_defaults(func=cmd_sensitivity)

    o = _study_parser(subparsers, "optimize")
    o.add_argument("--resume", default=None, metavar="DIR", help=_("continue the study in DIR"))
    o.add_argument(
        "--trials",
        type=count(1, 100_000),
        default=None,
        metavar="N",
        help=_("candidates in all (default: the file's optimize.trials)"),
    )
    _add_execution(o)
    o.set_defaults(func=cmd_optimize)


def cmd_sweep(args: argparse.Namespace) -> int:
    from growthsim.experiments.sweep import run_sweep

    exp_path = Path(args.experiment)
    if args.show_point is not None:
        import yaml

        from growthsim.experiments.sweep import point_plan
        from growthsim.scenario import scenario_to_dict

        plan = point_plan(exp_path, args.show_point)
        sys.stdout.write(yaml.safe_dump(scenario_to_dict(plan), sort_keys=False, allow_unicode=True))
        return 0
    out = Path(args.resume or args.out or Path("sweeps") / exp_path.stem)
    if args.resume and args.out and Path(args.out) != Path(args.resume):
        raise UserError(_("give either --out DIR (a new sweep) or --resume DIR (continue one), not both"))
    df = run_sweep(
        exp_path,
        workers=args.workers,
        scheduler=args.scheduler,
        out=None if args.resume else out,
        resume=args.resume,
        yes=args.yes,
        progress=not args.no_progress,
    )
    o = df.attrs["outcome"]
    rate = _(", {rate} runs/s").format(rate=f"{o.runs_per_s:.2f}") if o.ran else ""
    where = (
        ngettext("{n} Dask worker", "{n} Dask workers", o.workers).format(n=o.workers)
        if o.workers
        else _("in this process")
    )
    print(
        ngettext(
            "{n} run: {ran} run now, {resumed} from checkpoint, {failed} failed ({where}, {s} s{rate})",
            "{n} runs: {ran} run now, {resumed} from checkpoint, {failed} failed ({where}, {s} s{rate})",
            o.n_runs,
        ).format(n=o.n_runs, ran=o.ran, resumed=o.resumed, failed=o.failed, where=where, s=f"{o.wall_s:.1f}", rate=rate)
    )
    _print_failures(df)
    from growthsim.experiments.schema import load_experiment  # noqa: PLC0415
    from growthsim.report.studies import write_sweep_summary  # noqa: PLC0415

    summary_path = write_sweep_summary(out, df, factors=list(load_experiment(exp_path).factor_names))
    print(_("summary: {path}").format(path=summary_path))
    print(_("results: {path}").format(path=out / "results.parquet"))
    if "series" in df.attrs:
        print(_("series:  {path}").format(path=out / "series.parquet"))
    return 0


def _print_failures(df) -> None:
    bad = df[df["status"] != "ok"]
    for _i, r in bad.head(5).iterrows():
        print(
            _("  failed: run {run} (point {point}, replicate {replicate}, seed {seed}): {error}").format(
                run=r["run"], point=r["point"], replicate=r["replicate"], seed=r["seed"], error=r["error"]
            ),
            file=sys.stderr,
        )
    if len(bad) > 5:
        print(_("  ... and {n} more (see the error column)").format(n=len(bad) - 5), file=sys.stderr)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from growthsim.experiments.sensitivity import sensitivity

    exp_path = Path(args.experiment)
    out = Path(args.out or Path("sensitivity") / exp_path.stem)
    idx = sensitivity(
        exp_path,
        results=args.results,
        out=out,
        tornado=not args.no_tornado,
        tornado_replicates=args.tornado_replicates or None,
        workers=args.workers,
        scheduler=args.scheduler,
        yes=args.yes,
        progress=not args.no_progress,
    )
    method = idx["method"].iloc[0] if len(idx) else ""
    cols = ["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else ["mu_star", "mu_star_conf", "sigma"]
    from growthsim.i18n.errors import translate_text  # noqa: PLC0415
    from growthsim.i18n.terms import kpi_label  # noqa: PLC0415

    for kpi, d in idx.groupby("kpi", sort=False):
        label = kpi_label(str(kpi))
        print(f"{label} ({kpi}):" if label != kpi else f"{kpi}:")
        for _i, r in d.iterrows():
            vals = "  ".join(f"{c}={r[c]:.3g}" for c in cols)
            print(f"  {r['factor']:<45} {vals}")
        if d["note"].iloc[0]:
            print(_("  note: {note}").format(note=translate_text(d["note"].iloc[0])))
    from growthsim.experiments.schema import load_experiment  # noqa: PLC0415
    from growthsim.report.studies import write_sensitivity_summary  # noqa: PLC0415

    summary_path = write_sensitivity_summary(out, idx, n=load_experiment(exp_path).spec.design.n)
    print(_("summary: {path}").format(path=summary_path))
    print(_("tables and charts: {path}").format(path=out))
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    from growthsim.experiments.optimize import optimize

    exp_path = Path(args.experiment)
    if args.resume and args.out and Path(args.out) != Path(args.resume):
        raise UserError(_("give either --out DIR (a new study) or --resume DIR (continue one), not both"))
    out = Path(args.resume or args.out or Path("optimize") / exp_path.stem)
    res = optimize(
        exp_path,
        out=out,
        resume=bool(args.resume),
        trials=args.trials or None,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
    )
    s = res.summary
    print(
        ngettext(
            "{n} plan run ({trials} proposals, {feasible} feasible), finalists on {reps} fresh replicates, {s} s",
            "{n} plans run ({trials} proposals, {feasible} feasible), finalists on {reps} fresh replicates, {s} s",
            s["plans_run"],
        ).format(
            n=s["plans_run"],
            trials=s["trials"],
            feasible=s["feasible_trials"],
            reps=s["finalist_replicates"],
            s=f"{s['wall_s']:.1f}",
        )
    )
    text = (out / "summary.md").read_text(encoding="utf-8").split("\n")
    for line in text[2:5]:
        if line.strip():
            print(line.replace("**", ""))
    print(
        _("outputs: {path}/ ({files})").format(
            path=out, files="trials.csv, finalists.csv, best.yaml, summary.md, convergence.png"
        )
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    from growthsim.cli import main

    sys.exit(main())
