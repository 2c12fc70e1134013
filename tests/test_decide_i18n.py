"""The verdict, the stage-target table and the report's decision section in Chinese and
English: `growthsim run --lang zh|en` of a small plan with targets and a dearer variant."""

from __future__ import annotations

import pytest

from growthsim.cli import main
from growthsim.i18n import use_language

from conftest import small_plan

NAMED = {"name": "grow", "kpi": "members_final", "day": 40, "at_least": 0}
GENERATED = {"kpi": "members_final", "day": 40, "at_least": 0}  # label made by growthsim
DEAR = {"dear": {"staff": {"admin": {"count": 2, "salary_per_month": 3000}}}}


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    import yaml

    f = tmp_path_factory.mktemp("plan") / "s.yaml"
    data = small_plan(
        horizon_days=40,
        targets=[NAMED, GENERATED],
        decision={"objective": "hit_all_then_cost", "max_monthly_spend": 100000},
        economics={"currency": "CNY"},
    ).model_dump(mode="json")
    data["variants"] = DEAR
    f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return f


def _run(plan_file, tmp_path, capsys, lang, report=False):
    out = tmp_path / f"run-{lang}"
    args = ["run", str(plan_file), "--all-variants", "--out", str(out), "--replicates", "2", "--lang", lang]
    with use_language("en"):
        assert main(args + ([] if report else ["--no-report"])) == 0
    return capsys.readouterr().out, out


@pytest.mark.slow  # the whole `run` command with its report
def test_run_prints_the_verdict_and_targets_in_chinese(plan_file, tmp_path, capsys):
    text, out = _run(plan_file, tmp_path, capsys, "zh", report=True)
    assert "建议选择方案 base：在 100%（" in text
    assert "的模拟未来中达成全部目标，每月花费 " in text and " 元" in text
    assert "，未超出每月 100,000 元的上限" in text
    assert "的模拟未来中，base 的利润高于 dear" in text
    assert "（配对比较：共同随机数）" in text
    assert "阶段目标" in text and "全部目标" in text and "第 40 天" in text
    for english in ("pick plan", "hits all targets", "beats", "/month", "all targets", "by day"):
        assert english not in text
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "建议。" in page or "建议：" in page
    assert "建议选择方案 base" in page and "达成该目标的模拟未来" in page and "第 40 天" in page
    assert "Recommendation." not in page and "futures hitting it" not in page


def test_run_prints_the_verdict_and_targets_in_english(plan_file, tmp_path, capsys):
    text, _out = _run(plan_file, tmp_path, capsys, "en")
    assert "verdict: pick plan base: hits all targets in 100% (" in text
    assert "of futures at " in text and " CNY/month, within the limit of 100,000 CNY/month" in text
    assert "base beats dear on profit in" in text and "(paired: common random numbers)" in text
    assert "members_final >= 0 by day 40" in text and "all targets" in text
    assert "元" not in text and "方案" not in text


@pytest.mark.slow  # the whole `compare` command
def test_compare_prints_the_verdict_in_chinese(plan_file, tmp_path, capsys):
    with use_language("en"):
        assert (
            main(
                [
                    "compare",
                    f"{plan_file}:dear",
                    str(plan_file),
                    "--replicates",
                    "2",
                    "--out",
                    str(tmp_path / "cmp"),
                    "--lang",
                    "zh",
                ]
            )
            == 0
        )
    text = capsys.readouterr().out
    assert "建议选择方案 " in text and "的模拟未来中，" in text and "的利润高于" in text
    assert "pick plan" not in text and "beats" not in text


TINY = """\
name: tiny
seed: 7
horizon_days: 10
replicates: 1
market: {size: 200, graph: {model: watts_strogatz, mean_degree: 6}}
members: {initial: 10}
"""

EXP = """\
name: t
scenario: tiny.yaml
factors:
  members.initial: {values: [10, 20]}
design: {type: grid}
replicates: 1
outputs:
  kpis: [members_final]
seed: 5
"""


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("zh", ["共 2 次运行：本次运行 2 次，从断点恢复 0 次，失败 0 次（在本进程中，用时 ", "摘要：", "结果："]),
        ("en", ["2 runs: 2 run now, 0 from checkpoint, 0 failed (in this process, ", "summary: ", "results: "]),
    ],
)
def test_sweep_prints_its_outcome_in_the_chosen_language(tmp_path, capsys, lang, expected):
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    exp = tmp_path / "exp.yaml"
    exp.write_text(EXP, encoding="utf-8")
    with use_language("en"):
        assert (
            main(["sweep", str(exp), "--workers", "0", "--out", str(tmp_path / "s"), "--no-progress", "--lang", lang])
            == 0
        )
    text = capsys.readouterr().out
    for part in expected:
        assert part in text


@pytest.mark.parametrize(
    "command, words",
    [
        ("sweep", ["展开实验设计", "输出文件夹（默认：sweeps/<实验文件名>）", "不显示进度条"]),
        ("sensitivity", ["敏感性指数", "跳过逐一改变因素的运行和龙卷风图"]),
        ("optimize", ["用 Optuna 搜索优化文件", "继续 DIR 中的研究"]),
    ],
)
def test_experiment_commands_help_in_chinese(capsys, command, words):
    with use_language("en"), pytest.raises(SystemExit):
        main([command, "--help", "--lang", "zh"])
    text = capsys.readouterr().out
    for w in words:
        assert w in text
