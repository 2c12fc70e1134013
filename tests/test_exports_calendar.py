"""Planner outputs: `run --lang zh` in Chinese with dates, key_figures.xlsx with every
plan side by side, CSVs with a BOM where Excel opens them (and none in timeseries.csv),
calendar dates in day windows, the scenario's locale: default."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from growthsim.cli import main
from growthsim.scenario import load_scenario

PLAN = """\
name: 门店社群
start_date: 2026-06-01
seed: 3
horizon_days: 45
replicates: 2
market: {size: 2000, graph: {model: well_mixed}}
members: {initial: 60}
staff:
  part_time_admin: {count: 1, salary_per_month: 800}
campaigns:
  sale618: {kind: flash_sale, start_day: 2026-06-16, end_day: 2026-06-18}
variants:
  双倍奖励:
    campaigns: {sale618: {conversion_multiplier: 3.0}}
"""


@pytest.fixture()
def plan_file(tmp_path: Path) -> Path:
    p = tmp_path / "store.yaml"
    p.write_text(PLAN, encoding="utf-8")
    return p


def test_dates_in_windows_resolve_to_days(plan_file):
    plan = load_scenario(plan_file)
    assert plan.start_date == dt.date(2026, 6, 1)
    assert (plan.campaigns["sale618"].start_day, plan.campaigns["sale618"].end_day) == (15, 17)


@pytest.mark.parametrize(
    "text, expect",
    [
        ("start_day: 2026-06-16", "needs 'start_date'"),
        ("start_day: 2026-05-16", "is before start_date (2026-06-01)"),
    ],
)
def test_bad_dates_are_user_errors(tmp_path, capsys, text, expect):
    body = PLAN if "05-16" in text else PLAN.replace("start_date: 2026-06-01\n", "")
    body = body.replace("start_day: 2026-06-16", text)
    p = tmp_path / "bad.yaml"
    p.write_text(body, encoding="utf-8")
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert expect in err and "campaigns.sale618.start_day" in err and "bad.yaml:" in err


@pytest.mark.slow  # the whole `run` command, every variant, with its report
def test_run_in_chinese_writes_dates_xlsx_and_bom_csvs(plan_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(plan_file), "--all-variants", "--lang", "zh", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "方案" in printed and "成员（最后一天）" in printed and " 至 " in printed
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "2026年6月1日" in page and "2026年7月15日" in page  # day 0 and day 44
    assert "逐月数据" in page and "2026年6月" in page
    wb = load_workbook(out / "key_figures.xlsx")
    assert wb.sheetnames[0] == "核心指标" and "逐月数据" in wb.sheetnames and "指标定义" in wb.sheetnames
    head = [c.value for c in wb["核心指标"][1]]
    assert "base" in head and "双倍奖励" in head
    # numbers are numbers: members at the end, median of each plan
    row = next(r for r in wb["核心指标"].iter_rows(min_row=3, values_only=True) if r[0] == "成员数（期末）")
    assert all(isinstance(v, float) for v in row[2:])
    assert (out / "key_figures.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (out / "monthly.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    # week by week: 7-day weeks from the start date, every day in exactly one week
    assert "逐周数据" in wb.sheetnames and "逐周数据" in page and "2026年6月1日 起的一周" in page
    weeks = list(wb["逐周数据"].iter_rows(min_row=2, values_only=True))
    assert [w[0] for w in weeks][:2] == ["2026年6月1日 起的一周", "2026年6月8日 起的一周"] and len(weeks) == 7
    raw = (out / "weekly.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = [line.split(",") for line in raw.decode("utf-8-sig").splitlines()[1:]]
    base = [(int(r[2]), int(r[3])) for r in rows if r[0] == "base"]
    assert base[0] == (0, 6) and base[-1] == (42, 44) and all(b[0] == a[1] + 1 for a, b in zip(base, base[1:]))
    assert "双倍奖励".encode() in (out / "key_figures.csv").read_bytes()
    assert not (out / "timeseries.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_scenario_locale_is_the_default_language(plan_file, tmp_path, capsys):
    p = tmp_path / "zh.yaml"
    p.write_text("locale: zh\n" + PLAN, encoding="utf-8")
    assert main(["check", str(p), "--brief"]) == 0
    assert "通过" in capsys.readouterr().out
    assert main(["check", str(p), "--brief", "--lang", "en"]) == 0
    assert ": OK — plan" in capsys.readouterr().out
