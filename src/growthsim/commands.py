"""The ``run`` and ``check`` commands."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from growthsim.cliargs import check_run_size, count, seed_arg
from growthsim.i18n import _, apply_plan_locale
from growthsim.rundir import RunFolder, default_run_dir
from growthsim.scenario.loader import ScenarioFile
from growthsim.scenario.schema import MAX_REPLICATES


def select_plans(sf: ScenarioFile, variant: str | None, all_variants: bool) -> dict:
    if all_variants:
        return sf.plans()
    label = variant or "base"
    return {label: sf.plan(variant)}


def _fmt(x: float) -> str:
    """Counts and money at the end of a run: whole numbers, a real minus sign."""
    from growthsim.report.numbers import number  # noqa: PLC0415

    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return number(x, 0)


def result_table(summ: dict, currency: str | None = None) -> str:
    """A short end-of-run table: one line per plan, medians with P10–P90. The columns are
    the ``summary.json`` figures of the same names (state on the last day, totals over the
    horizon)."""
    from growthsim.compare import _width  # noqa: PLC0415
    from growthsim.report.numbers import currency_unit, span  # noqa: PLC0415

    cur = currency_unit(currency) if currency else ""
    cols = [
        (_("members, last day"), "members_end"),
        (_("active, last day"), "active_end"),
        (_("paying, last day"), "paying_end"),
        (_("revenue, {currency}").format(currency=cur) if cur else _("revenue"), "revenue_total"),
        (_("cost, {currency}").format(currency=cur) if cur else _("cost"), "cost_total"),
        (_("profit, {currency}").format(currency=cur) if cur else _("profit"), "profit_total"),
    ]
    head = [_("plan")] + [c for c, _k in cols]
    rows = []
    for label, s in summ.items():
        f = s["figures"]
        rows.append([label] + [f"{_fmt(f[k]['p50'])} ({span(_fmt(f[k]['p10']), _fmt(f[k]['p90']))})" for _c, k in cols])
    widths = [max(_width(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(str(v) + " " * (w - _width(str(v))) for v, w in zip(r, widths)).rstrip() for r in [head] + rows]
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
        limits.append(_("monthly cap {amount} per 30-day month").format(amount=f"{bud.monthly_cap:,.0f}"))
    if bud.total is not None:
        limits.append(
            _("total {amount}, which once spent stops discretionary spending for good").format(
                amount=f"{bud.total:,.0f}"
            )
        )
    when = _("day {n}").format(n=f"{exhausted['day_p50']:.0f}")
    if getattr(plan, "start_date", None) is not None and math.isfinite(exhausted["day_p50"]):
        from growthsim.report.calendar import Calendar  # noqa: PLC0415

        when += _(" ({date})").format(date=Calendar(plan.start_date).label(int(round(exhausted["day_p50"]))))
    return _(
        "money ran short in {share} of futures, first on {when} (median), on {days} days in all "
        "(median): channels, campaigns and KOL fees were cut on those days ({limits}; fixed costs "
        "are paid first)"
    ).format(
        share=f"{exhausted['ran_out_share']:.0%}", when=when, days=f"{short_days:.0f}", limits=_("; ").join(limits)
    )


def cmd_run(args: argparse.Namespace) -> int:
    from growthsim.progress import set_enabled  # noqa: PLC0415

    sf = ScenarioFile(args.scenario)
    plans = select_plans(sf, args.variant, args.all_variants)
    first = next(iter(plans.values()))
    apply_plan_locale(getattr(args, "lang", None), first)
    set_enabled(not args.quiet)
    try:
        return _run(args, sf, plans, first)
    finally:
        set_enabled(True)  # --quiet lasts for this command only


def _run(args: argparse.Namespace, sf: ScenarioFile, plans: dict, first) -> int:  # noqa: ANN001
    from growthsim.io import summary, write_run_dir  # noqa: PLC0415
    from growthsim.progress import step  # noqa: PLC0415
    from growthsim.report import build_report  # noqa: PLC0415
    from growthsim.runner import run_plans  # noqa: PLC0415

    out = Path(args.out) if args.out else default_run_dir(first.name)
    R = args.replicates or first.replicates
    seed = first.seed if args.seed is None else args.seed
    check_run_size(len(plans), R, first.horizon_days)
    folder = RunFolder(out, force=args.force)  # checked before anything runs
    t0 = time.perf_counter()
    report_files = []
    with folder as staging:
        runset = run_plans(plans, replicates=R, seed=seed, progress=not args.quiet)
        step(_("writing the run folder"))
        write_run_dir(staging, runset)
        if not args.no_report:
            report_files = build_report(staging)
    elapsed = time.perf_counter() - t0
    if not args.quiet:
        print(
            _("{name}: {plans} plan(s) x {reps} replicates x {days} days, seed {seed}, {s} s").format(
                name=first.name, plans=len(plans), reps=R, days=first.horizon_days, seed=seed, s=f"{elapsed:.1f}"
            )
        )
        from growthsim.decide import verdict_of
        from growthsim.metrics.targets import format_targets, target_results

        verdict = verdict_of(runset)
        print(_("verdict: {sentence}").format(sentence=verdict.sentence))
        tt = target_results(runset).table
        if len(tt):
            print(_("stage targets: share of futures hitting each (95% Wilson interval):"))
            print(format_targets(tt, runset.plans))
        print(
            _("medians (P10–P90) on the last day (day {day}), totals over the horizon:").format(
                day=first.horizon_days - 1
            )
        )
        summ = summary(runset)
        print(result_table(summ, first.economics.currency))
        for label, s in summ.items():
            note = _budget_note(plans[label], s["budget_exhausted"], runset.timeseries, label)
            if note:
                print(f"{label}: {note}")
        for line in (
            [p["text"] for p in verdict.pairs]
            + verdict.notes
            + [_("warning: {w}").format(w=w) for w in verdict.warnings]
        ):
            print(line)
        extra = [
            name
            for name in ("report.html", "key_figures.xlsx")
            if any(str(p).endswith(name) for p in report_files) or (out / name).is_file()
        ]
        print(
            _("wrote {path}/ ({files})").format(
                path=out, files=", ".join(["timeseries.parquet/.csv", "summary.json", "scenario.resolved.yaml"] + extra)
            )
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import yaml  # noqa: PLC0415

    sf = ScenarioFile(args.scenario)
    base = sf.base
    apply_plan_locale(getattr(args, "lang", None), base)
    print(
        _(
            "{path}: OK — plan '{name}', {days} days, {reps} replicates, market of {size} ({graph}), "
            "{initial} initial members"
        ).format(
            path=sf.path,
            name=base.name,
            days=base.horizon_days,
            reps=base.replicates,
            size=f"{base.market.size:,}",
            graph=base.market.graph.model,
            initial=base.members.initial,
        )
    )
    if base.start_date is not None:
        from growthsim.report.calendar import Calendar  # noqa: PLC0415

        cal = Calendar(base.start_date)
        print(
            _("calendar: day 0 is {start}, the last day ({last}) is {end}").format(
                start=cal.label(0), last=base.horizon_days - 1, end=cal.label(base.horizon_days - 1)
            )
        )
    levers = []
    for section in ("channels", "campaigns", "kols", "staff"):
        items = getattr(base, section)
        if items:
            levers.append(f"{section}: {', '.join(items)}")
    if levers:
        print(_("levers: {list}").format(list="; ".join(levers)))
    print(_("variants: {names}").format(names=", ".join(sf.variants) if sf.variants else _("(none)")))
    if not args.brief:
        print(_("--- resolved plan (base)"))
        print(yaml.safe_dump(base.model_dump(mode="json"), sort_keys=False, allow_unicode=True), end="")
        for name, over in sf.variant_overrides.items():
            print(_("--- variant '{name}' overrides").format(name=name))
            print(yaml.safe_dump(over, sort_keys=False, allow_unicode=True), end="")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help=_("run a scenario file's plan(s) and write a run folder"))
    p.add_argument("scenario", help=_("scenario YAML file"))
    g = p.add_mutually_exclusive_group()
    g.add_argument("--variant", help=_("run this variant instead of the base plan"))
    g.add_argument(
        "--all-variants", action="store_true", help=_("run the base plan and every variant (common random numbers)")
    )
    p.add_argument(
        "--replicates", type=count(1, MAX_REPLICATES), help=_("Monte Carlo replicates (default: the file's)")
    )
    p.add_argument("--seed", type=seed_arg, help=_("base seed (default: the file's)"))
    p.add_argument("--out", help=_("output folder (default: runs/<scenario>-<timestamp>/)"))
    p.add_argument("--force", action="store_true", help=_("replace an existing, non-empty --out folder as a whole"))
    p.add_argument("--no-report", action="store_true", help=_("skip charts and report.html"))
    p.add_argument("--quiet", action="store_true", help=_("no progress bar or table"))
    p.set_defaults(func=cmd_run)

    c = sub.add_parser("check", help=_("validate a scenario file and print the resolved plan"))
    c.add_argument("scenario", help=_("scenario YAML file"))
    c.add_argument("--brief", action="store_true", help=_("only the one-line verdict and the variants"))
    c.set_defaults(func=cmd_check)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
