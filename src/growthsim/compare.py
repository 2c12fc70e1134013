"""``growthsim compare``: run several plans with common random numbers and compare them.

``growthsim compare A.yaml[:VARIANT] B.yaml[:VARIANT] ... [--out DIR] [--replicates N]
[--seed S]`` runs the plans with common random numbers (replicate r of every plan uses the
same seed), writes the run folder and its report, and prints each plan's paired
differences against the first plan. A single file with variants compares its base plan
with all its variants. (``growthsim run``, which runs one file's plans, is in
:mod:`growthsim.commands`; ``growthsim report``, which re-renders a run folder, in
:mod:`growthsim.report.cli`.)
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from growthsim.cliargs import check_run_size, count, seed_arg
from growthsim.errors import ScenarioError, UserError, located
from growthsim.i18n import _, apply_plan_locale
from growthsim.i18n.terms import kpi_label
from growthsim.io import write_run_dir
from growthsim.metrics.kpis import HEADLINE_KPIS, kpi_table, paired_differences
from growthsim.report.build import build_report
from growthsim.report.html import fmt
from growthsim.report.numbers import span
from growthsim.rundir import RunFolder
from growthsim.runner import run_plans
from growthsim.scenario import ScenarioFile
from growthsim.scenario.schema import MAX_REPLICATES

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.scenario.schema import Scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = subparsers.add_parser(
        "compare",
        help=_("run several plans on the same random numbers and compare them"),
        description=_(
            "Run plans side by side (replicate r of every plan shares its random "
            "numbers), write a run folder with a report, and print each plan's paired "
            "differences against the first plan. A plan is FILE.yaml (its base plan) or "
            "FILE.yaml:VARIANT; one file alone compares its base plan with all its variants."
        ),
    )
    p.add_argument("plans", nargs="+", metavar="PLAN", help=_("FILE.yaml or FILE.yaml:VARIANT"))
    p.add_argument("--out", metavar="DIR", help=_("run folder to write (default: runs/compare-<plans>)"))
    p.add_argument(
        "--replicates",
        type=count(1, MAX_REPLICATES),
        metavar="N",
        help=_("replicates per plan (default: the first plan's 'replicates')"),
    )
    p.add_argument("--seed", type=seed_arg, metavar="S", help=_("base seed (default: the first plan's 'seed')"))
    p.add_argument("--force", action="store_true", help=_("replace an existing, non-empty --out folder as a whole"))
    p.add_argument("--title", help=_("report title"))
    p.set_defaults(func=cmd_compare)


def split_plan_spec(spec: str) -> tuple[Path, str | None]:
    """``"dir/a.yaml:promo"`` -> ``(Path("dir/a.yaml"), "promo")``; a path that exists as
    given (even with a colon in it) is a file without variant."""
    path = Path(spec)
    if path.exists() or ":" not in spec:
        return path, None
    file, variant = spec.rsplit(":", 1)
    if not variant:
        raise ScenarioError(located(file, None, None, _("'{spec}': empty variant name after ':'").format(spec=spec)))
    return Path(file), variant


def load_plans(specs: list[str]) -> dict[str, "Scenario"]:
    """Plans named by command-line specs, labelled ``stem`` or ``stem:VARIANT`` (the parent
    folder is prepended when two files share a stem). One spec of a file with variants
    gives its base plan and every variant."""
    parsed = [split_plan_spec(s) for s in specs]
    files: dict[Path, ScenarioFile] = {}
    for path, _variant in parsed:
        if path not in files:
            files[path] = ScenarioFile(path)
    stems = [p.stem for p, _variant in parsed]

    def base_label(path: Path) -> str:
        if stems.count(path.stem) > 1 and len({q for q, _variant in parsed if q.stem == path.stem}) > 1:
            return f"{path.parent.name}/{path.stem}" if path.parent.name else path.stem
        return path.stem

    items: list[tuple[str, "Scenario"]] = []
    if len(parsed) == 1 and parsed[0][1] is None:
        path = parsed[0][0]
        sf = files[path]
        if not sf.variants:
            raise ScenarioError(
                located(
                    str(path),
                    None,
                    "variants",
                    _("compare needs at least two plans: give two or more files, or a file with variants"),
                )
            )
        items = [(f"{path.stem}:{name}" if name != "base" else path.stem, plan) for name, plan in sf.plans().items()]
    else:
        for path, variant in parsed:
            plan = files[path].plan(variant)
            label = base_label(path) + (f":{variant}" if variant else "")
            items.append((label, plan))
    plans: dict[str, "Scenario"] = {}
    for label, plan in items:
        if label in plans:
            raise UserError(_("compare: plan '{label}' is given twice").format(label=label))
        plans[label] = plan
    if len(plans) < 2:
        raise UserError(_("compare: needs at least two plans"))
    return plans


def _safe(label: str) -> str:
    return re.sub(r"[^\w\-]+", "_", label).strip("_") or "plan"


def default_out(labels: list[str]) -> Path:
    """``runs/compare-<a>-vs-<b>...`` (characters unsafe in file names become ``_``)."""
    name = "-vs-".join(_safe(x) for x in labels)
    if len(name) > 100:
        name = name[:100]
    return Path("runs") / f"compare-{name}"


def format_differences(
    table, labels: list[str], kpis: tuple[str, ...] = HEADLINE_KPIS, currency: str | None = None
) -> str:
    """Text table of each plan's paired differences against the first plan (money in
    ``currency``, named in the heading line)."""
    lines: list[str] = []
    base = labels[0]
    for other in labels[1:]:
        d = paired_differences(table, base, other).set_index("kpi")
        head = [
            _("figure"),
            _("{plan} (mean)").format(plan=base),
            _("{plan} (mean)").format(plan=other),
            _("diff (mean)"),
            _("diff P10 to P90"),
            _("{plan} better in").format(plan=other),
        ]
        rows = []
        for k in kpis:
            if k not in d.index:
                continue
            r = d.loc[k]
            prob = r["prob_b_better"]
            rows.append(
                [
                    kpi_label(k),
                    fmt(k, r["mean_a"], currency=currency),
                    fmt(k, r["mean_b"], currency=currency),
                    fmt(k, r["mean_diff"], signed=True, currency=currency),
                    span(fmt(k, r["p10_diff"], signed=True), fmt(k, r["p90_diff"], signed=True)),
                    f"{prob * 100:.0f}%" if prob == prob else "–",
                ]
            )
        widths = [max(_width(x) for x in col) for col in zip(head, *rows)]
        lines.append(
            _("{other} vs {base} (paired over {n} replicates):").format(
                other=other, base=base, n=int(d["n"].max()) if len(d) else 0
            )
        )
        for row in [head, *rows]:
            cells = [row[0] + " " * (widths[0] - _width(row[0]))]
            cells += [" " * (w - _width(c)) + c for c, w in zip(row[1:], widths[1:])]
            lines.append("  " + "  ".join(cells))
        lines.append("")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    import unicodedata  # noqa: PLC0415

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def cmd_compare(args: argparse.Namespace) -> int:
    """Handler of ``growthsim compare``."""
    plans = load_plans(args.plans)
    first = next(iter(plans.values()))
    apply_plan_locale(getattr(args, "lang", None), first)
    out = Path(args.out) if args.out else default_out(list(plans))
    check_run_size(len(plans), args.replicates or first.replicates, max(p.horizon_days for p in plans.values()))
    # checked before anything runs; written into a staging folder committed as a whole,
    # so an interrupted compare leaves no mix of old and new outputs
    folder = RunFolder(out, force=getattr(args, "force", False))
    with folder as staging:
        runset = run_plans(plans, replicates=args.replicates, seed=args.seed, progress=True)
        write_run_dir(staging, runset)
        build_report(staging, runset=runset, title=args.title)
    table = kpi_table(runset)
    print(format_differences(table, list(plans), currency=first.economics.currency))
    from growthsim.decide import format_verdict, verdict_of  # noqa: PLC0415

    print(_("verdict: {sentence}").format(sentence=format_verdict(verdict_of(runset))))
    print(_("run folder: {path}").format(path=out))
    print(_("report:     {path}").format(path=out / "report.html"))
    print(_("key figures: {path}").format(path=out / "key_figures.xlsx"))
    return 0
