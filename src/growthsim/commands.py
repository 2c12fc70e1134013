"""The ``run`` and ``check`` commands."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import yaml

from growthsim.cliargs import check_run_size, count, seed_arg
from growthsim.io import summary, write_run_dir
from growthsim.report import build_report
from growthsim.rundir import RunFolder, default_run_dir
from growthsim.runner import run_plans
from growthsim.scenario.loader import ScenarioFile
from growthsim.scenario.schema import MAX_REPLICATES


def select_plans(sf: ScenarioFile, variant: str | None, all_variants: bool) -> dict:
    if all_variants:
        return sf.plans()
    label = variant or "base"
    return {label: sf.plan(variant)}


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def result_table(summ: dict) -> str:
    """A short end-of-run table: one line per plan, medians with P10–P90."""
    cols = [
        ("members", "members_end"), ("DAU", "active_end"), ("paying", "paying_end"),
        ("revenue", "revenue_total"), ("cost", "cost_total"), ("profit", "profit_total"),
    ]
    head = ["plan"] + [c for c, _ in cols]
    rows = []
    for label, s in summ.items():
        f = s["figures"]
        rows.append([label] + [
            f"{_fmt(f[k]['p50'])} ({_fmt(f[k]['p10'])}–{_fmt(f[k]['p90'])})" for _, k in cols
        ])
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r, widths)) for r in [head] + rows]
    return "\n".join(lines)


def _budget_note(plan, exhausted: dict, ts, label: str) -> str | None:
    """One line on money running short, or None when it never did."""
    if exhausted["ran_out_share"] <= 0:
        return None
    bud = plan.budget
    rows = ts[ts["variant"] == label] if "variant" in ts.columns else ts
    short_days = rows.groupby("replicate")["budget_blocked"].sum().median()
    limits = []
    if bud.monthly_cap is not None:
        limits.append(f"monthly cap {bud.monthly_cap:,.0f} per 30-day month")
    if bud.total is not None:
        limits.append(f"total {bud.total:,.0f}, which once spent stops discretionary spending for good")
    return (f"money ran short in {exhausted['ran_out_share']:.0%} of futures, first on day "
            f"{exhausted['day_p50']:.0f} (median), on {short_days:.0f} days in all (median): channels, "
            f"campaigns and KOL fees were cut on those days ({'; '.join(limits)}; fixed costs are paid first)")


def cmd_run(args: argparse.Namespace) -> int:
    sf = ScenarioFile(args.scenario)
    plans = select_plans(sf, args.variant, args.all_variants)
    first = next(iter(plans.values()))
    out = Path(args.out) if args.out else default_run_dir(first.name)
    R = args.replicates or first.replicates
    seed = first.seed if args.seed is None else args.seed
    check_run_size(len(plans), R, first.horizon_days)
    folder = RunFolder(out, force=args.force)  # checked before anything runs
    t0 = time.perf_counter()
    report_files = []
    with folder as staging:
        runset = run_plans(plans, replicates=R, seed=seed, progress=not args.quiet)
        write_run_dir(staging, runset)
        if not args.no_report:
            report_files = build_report(staging)
    elapsed = time.perf_counter() - t0
    if not args.quiet:
        print(f"{first.name}: {len(plans)} plan(s) x {R} replicates x {first.horizon_days} days, "
              f"seed {seed}, {elapsed:.1f} s")
        from growthsim.decide import verdict_of
        from growthsim.metrics.targets import format_targets, target_results

        verdict = verdict_of(runset)
        print(f"verdict: {verdict.sentence}")
        tt = target_results(runset).table
        if len(tt):
            print("stage targets: share of futures hitting each (95% Wilson interval):")
            print(format_targets(tt))
        print(f"medians (P10–P90) at day {first.horizon_days - 1}, totals over the horizon, "
              f"money in {first.economics.currency}:")
        summ = summary(runset)
        print(result_table(summ))
        for label, s in summ.items():
            note = _budget_note(plans[label], s["budget_exhausted"], runset.timeseries, label)
            if note:
                print(f"{label}: {note}")
        for line in [p["text"] for p in verdict.pairs] + verdict.notes + [f"warning: {w}" for w in verdict.warnings]:
            print(line)
        print(f"wrote {out}/ (timeseries.parquet/.csv, summary.json, scenario.resolved.yaml"
              + (", report.html" if any(str(p).endswith("report.html") for p in report_files) else "") + ")")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    sf = ScenarioFile(args.scenario)
    base = sf.base
    print(f"{sf.path}: OK — plan '{base.name}', {base.horizon_days} days, {base.replicates} replicates, "
          f"market of {base.market.size:,} ({base.market.graph.model}), {base.members.initial} initial members")
    levers = []
    for section in ("channels", "campaigns", "kols", "staff"):
        items = getattr(base, section)
        if items:
            levers.append(f"{section}: {', '.join(items)}")
    if levers:
        print("levers: " + "; ".join(levers))
    print(f"variants: {', '.join(sf.variants) if sf.variants else '(none)'}")
    if not args.brief:
        print("--- resolved plan (base)")
        print(yaml.safe_dump(base.model_dump(mode="json"), sort_keys=False, allow_unicode=True), end="")
        for name, over in sf.variant_overrides.items():
            print(f"--- variant '{name}' overrides")
            print(yaml.safe_dump(over, sort_keys=False, allow_unicode=True), end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario file's plan(s) and write a run folder")
    p.add_argument("scenario", help="scenario YAML file")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--variant", help="run this variant instead of the base plan")
    g.add_argument("--all-variants", action="store_true", help="run the base plan and every variant (common random numbers)")
    p.add_argument("--replicates", type=count(1, MAX_REPLICATES), help="Monte Carlo replicates (default: the file's)")
    p.add_argument("--seed", type=seed_arg, help="base seed (default: the file's)")
    p.add_argument("--out", help="output folder (default: runs/<scenario>-<timestamp>/)")
    p.add_argument("--force", action="store_true", help="replace an existing, non-empty --out folder as a whole")
    p.add_argument("--no-report", action="store_true", help="skip charts and report.html")
    p.add_argument("--quiet", action="store_true", help="no progress bar or table")
    p.set_defaults(func=cmd_run)

    c = sub.add_parser("check", help="validate a scenario file and print the resolved plan")
    c.add_argument("scenario", help="scenario YAML file")
    c.add_argument("--brief", action="store_true", help="only the one-line verdict and the variants")
    c.set_defaults(func=cmd_check)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
