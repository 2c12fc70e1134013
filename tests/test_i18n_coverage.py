"""Every text a person reads in the study, calibration and app commands, the scenario and
input-file readers comes from the catalogue.

Two kinds of check:
- a static one: in the modules below, no English text is printed, raised, logged, drawn on a
  chart or shown as help without going through ``_()`` (or ``ngettext``); a new English
  f-string in ``print(...)``, ``raise SweepError(...)``, ``ax.set_title(...)``,
  ``help=...`` fails it;
- runs in Chinese: the commands' help, messages, summaries and reports written with
  ``--lang zh`` hold Chinese text and none of the catalogue's English sentences.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from growthsim.cli import main
from growthsim.i18n import use_language
from growthsim.i18n.catalog import read_catalogue
from growthsim.i18n.errors import template_pattern, translate_text

SRC = Path(__file__).resolve().parent.parent / "src" / "growthsim"
CHECKED = sorted(
    [
        *(SRC / "experiments").glob("*.py"),
        *(SRC / "calibrate" / f"{m}.py" for m in ("cli", "report", "charts", "history", "transactions", "spec")),
        *(SRC / "calibrate" / f"{m}.py" for m in ("draws", "forecast")),
        SRC / "report" / "studies.py",
        SRC / "report" / "build.py",
        *(SRC / "app").glob("*.py"),
        *(SRC / "scenario" / f"{m}.py" for m in ("loader", "targets", "dates")),
        *(SRC / f"{m}.py" for m in ("inputs", "rundir", "io")),
        SRC / "graph" / "edgelist.py",
    ]
)
# calls whose text arguments a person reads
SHOWN_CALLS = {
    "print",
    "log",
    "located",
    "UserError",
    "ScenarioError",
    "InputFileError",
    "SweepError",
    "OptimizeError",
    "ValueError",
    "set_title",
    "set_xlabel",
    "set_ylabel",
    "annotate",
    "text",
    "add_parser",
    "add_argument",
}
SHOWN_KEYWORDS = {"help", "description", "label", "title"}
TRANSLATED = {"_", "ngettext", "gettext", "translate_text", "translate_error", "kpi_label", "column_label"}
# pydantic field descriptions are the schema's reference text (docs/scenario*.md), not printed
NOT_SHOWN = {"Field"}
# what is code, not prose: options, file names, placeholders, dotted paths, code spans
_CODE = re.compile(r"--[\w-]+|`[^`]*`|\{[^}]*\}|[\w./<>-]+\.(?:csv|png|md|json|yaml|parquet|html)\b|\w+(?:\.\w+)+")
_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,})+")  # two words or more: a phrase


def _literal_text(node: ast.AST) -> list[str]:
    """The literal text an expression shows, not counting what is translated."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) + _literal_text(node.right)
    if isinstance(node, ast.IfExp):
        return _literal_text(node.body) + _literal_text(node.orelse)
    return []  # calls (translated or not: their own arguments are checked where they are calls), names


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def untranslated(path: Path) -> list[str]:
    """``file:line: text`` of each English phrase shown without the catalogue."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _call_name(node) in TRANSLATED | NOT_SHOWN:
            continue
        shown = list(node.args) if _call_name(node) in SHOWN_CALLS else []
        shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        for arg in shown:
            for text in _literal_text(arg):
                prose = _WORDS.search(_CODE.sub(" ", text))
                if prose:
                    found.append(f"{path.relative_to(SRC.parent)}:{node.lineno}: {text!r}")
    return found


def test_the_check_finds_english_shown_without_the_catalogue(tmp_path):
    """The static check can fail: it flags English in prints, errors, chart labels and help."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f(ax, n, p):\n"
        "    print(f'wrote {n} runs to the folder')\n"
        "    raise SweepError('the sweep has no results')\n"
        "    ax.set_title('Members over time')\n"
        "    p.add_argument('--x', help='how many replicates to run')\n"
        "    print(_('translated text'), f'{n}: {p}', '--resume DIR', 'summary.md')\n",
        encoding="utf-8",
    )
    global SRC
    keep, SRC = SRC, tmp_path / "src"
    try:
        lines = untranslated(bad)
    finally:
        SRC = keep
    assert [int(x.split(":")[1]) for x in lines] == [2, 3, 4, 5], lines


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(SRC)))
def test_no_english_is_shown_without_the_catalogue(path):
    assert untranslated(path) == []


# --------------------------------------------------------------------------- runs in Chinese

_CJK = re.compile(r"[\u4e00-\u9fff]")


def english_sentences() -> list[re.Pattern[str]]:
    """The catalogue's English messages that read as sentences (four words or more), as
    patterns (placeholders match anything)."""
    out = []
    for m in read_catalogue("zh"):
        if isinstance(m.id, str) and len(re.findall(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", m.id))) >= 4:
            if m.string and _CJK.search(m.string):
                out.append(template_pattern(m.id))
    return out


def assert_chinese(text: str, where: str) -> None:
    assert _CJK.search(text), f"{where}: no Chinese text"
    left = [rx.pattern for rx in english_sentences() if rx.search(text)]
    assert left == [], f"{where}: English catalogue messages shown untranslated: {left[:5]}"


@pytest.mark.parametrize("command", ["calibrate", "forecast", "sweep", "sensitivity", "optimize"])
def test_command_help_is_chinese(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help", "--lang", "zh"])
    out = capsys.readouterr().out
    assert_chinese(out, f"{command} --help")
    # every option's description is translated (the lines after the option names)
    helps = re.findall(r"^  (?:-\S+|\w+)[^\n]*?  +(\S[^\n]*)$", out, re.M)
    assert helps and all(_CJK.search(h) for h in helps), [h for h in helps if not _CJK.search(h)]


def test_experiment_errors_are_chinese(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text("name: s\nhorizon_days: 20\n", encoding="utf-8")
    exp = tmp_path / "e.yaml"
    exp.write_text(
        "name: e\nscenario: s.yaml\nfactors:\n  members.initial: {low: 10, high: 5}\ndesign: {type: sobol, n: 6}\n",
        encoding="utf-8",
    )
    assert main(["sweep", str(exp), "--lang", "zh", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "high（5）必须大于 low（10）" in err and "sobol 需要 n 为 2 的幂" in err, err
    assert_chinese(err, "sweep error")


def test_scenario_cross_checks_are_chinese(tmp_path, capsys):
    cases = {
        "groups: {max_groups: 2, max_size: 10, target_size: 5}\nmembers: {initial: 50}\n": "容纳不下",
        "market: {graph: {model: edge_list}}\n": "需要 'path'",
        "market: {graph: {model: sbm, blocks: 2, block_shares: [1.0]}}\n": "block_shares 有 1 项",
        "channels:\n  c: {kind: paid_ads, target_block: 3}\n": "区块 3 不存在",
    }
    for body, words in cases.items():
        f = tmp_path / "s.yaml"
        f.write_text("name: s\nhorizon_days: 20\n" + body, encoding="utf-8")
        assert main(["check", str(f), "--lang", "zh"]) == 2
        err = capsys.readouterr().err
        assert words in err, err
        with use_language("en"):
            assert translate_text(err) == err  # English stays as written


def test_sensitivity_notes_are_shown_translated():
    with use_language("zh"):
        assert translate_text("3 of 8 points have no value (failed runs or undefined KPI)") == (
            "8 个点中有 3 个没有值（运行失败或 KPI 无定义）"
        )
        assert translate_text("the KPI does not vary over the design") == "该 KPI 在整个设计中没有变化"


@pytest.mark.slow
def test_optimize_summary_in_chinese(tmp_path):
    from growthsim.experiments.optimize import optimize
    from test_optimize import study_file

    f = study_file(tmp_path, trials=4, batch=4, replicates=2, finalists=2)
    with use_language("zh"):
        optimize(f, out=tmp_path / "o", workers=0, charts=True)
    md = (tmp_path / "o" / "summary.md").read_text(encoding="utf-8")
    assert_chinese(md, "summary.md")
    head = next(line for line in md.splitlines() if line.startswith("| "))
    assert "试验" in head and "月度花费（中位数）" in head, head
    assert "staff.admin.count" in head  # factor paths stay as written in the file


@pytest.mark.slow
def test_calibrate_and_forecast_in_chinese(tmp_path, capsys):
    from test_calibrate_cli import make_inputs

    scen, hist, _ts = make_inputs(tmp_path)
    out = tmp_path / "cal"
    args = ["--param", "members.churn.base_hazard=0.002:0.1:log", "--replay-joins", "--holdout", "7"]
    args += ["--max-evaluations", "12", "--bootstrap", "2", "--out", str(out), "--lang", "zh"]
    assert main(["calibrate", str(scen), "--history", str(hist), *args]) == 0
    printed = capsys.readouterr().out
    assert_chinese(printed, "calibrate output")
    report = (out / "fit_report.md").read_text(encoding="utf-8")
    assert_chinese(report, "fit_report.md")
    assert "## 拟合参数" in report and "## 回测：留出最后 7 天" in report
    fc = tmp_path / "fc"
    assert main(["forecast", str(out / "calibrated.yaml"), "--days", "10", "--out", str(fc), "--lang", "zh"]) == 0
    assert_chinese(capsys.readouterr().out, "forecast output")
    assert_chinese((fc / "forecast.md").read_text(encoding="utf-8"), "forecast.md")


def test_every_translation_keeps_the_placeholders_of_its_message():
    """A Chinese message with a ``{name}`` its message id lacks would raise KeyError when
    formatted, one that drops a figure would lose it; only English articles may go."""
    bad = []
    for m in read_catalogue("zh"):
        if isinstance(m.id, str) and m.id and m.string:
            want = {p for p in re.findall(r"\{[^}]*\}", m.id) if not p.startswith("{article")}
            have = set(re.findall(r"\{[^}]*\}", m.string))
            if have - set(re.findall(r"\{[^}]*\}", m.id)) or want - have:
                bad.append((m.id, m.string))
    assert bad == []


def _binds_and_calls_underscore(fn: ast.AST) -> bool:
    """Does the function assign ``_`` (a discarded value) and also call ``_()``? Then the
    call finds the discarded value, not the catalogue, once the assignment ran."""
    stores = calls = False
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue  # their own scope
        if isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            todo += [g.iter for g in n.generators]  # targets are the comprehension's own
            continue
        if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store):
            stores = True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_":
            calls = True
        todo += list(ast.iter_child_nodes(n))
    return stores and calls


def test_no_function_hides_the_catalogue_behind_a_discarded_value():
    found = [
        f"{p.relative_to(SRC.parent)}:{fn.lineno} {fn.name}"
        for p in sorted(SRC.rglob("*.py"))
        for fn in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and _binds_and_calls_underscore(fn)
    ]
    assert found == [], "use gettext() there, or another name for the discarded value"
    probe = ast.parse("def f(x):\n    a, _ = x\n    return _('text')\n").body[0]
    assert _binds_and_calls_underscore(probe)  # the check can fail
