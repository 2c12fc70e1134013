"""Stage targets and checkpoints: scenario validation, KPIs at checkpoints, the share of
futures hitting a target with its Wilson interval, targets.csv / summary.json / CLI."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from growthsim.cli import main
from growthsim.errors import ScenarioError
from growthsim.metrics.kpis import kpi_table, replicate_kpis
from growthsim.metrics.targets import (
    ALL_TARGETS,
    checkpoint_table,
    target_hits,
    target_results,
    target_table,
    wilson,
)
from growthsim.runner import run_plans
from growthsim.scenario import ScenarioFile
from growthsim.scenario.targets import Checkpoints, Target, checkpoint_days

from conftest import small_plan

HEAD = """\
name: t
horizon_days: 90
replicates: 2
market: {size: 2000, graph: {model: watts_strogatz, mean_degree: 8}}
members: {initial: 100}
"""


def write(tmp_path, body: str):
    p = tmp_path / "s.yaml"
    p.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "body, line, path, words",
    [
        (
            "targets:\n  - {kpi: groups, day: 90, at_least: 100}\n  - kpi: grups\n    day: 30\n    at_least: 3\n",
            8,
            "targets.1.kpi",
            ["unknown KPI 'grups'", "groups", "conversion_rate"],
        ),
        (
            "targets:\n  - kpi: dau\n    month: 4\n    at_least: 3\n",
            8,
            "targets.0.month",
            ["day 120 is past the horizon", "horizon_days = 90"],
        ),
        ("targets:\n  - kpi: dau\n    day: 91\n    at_least: 3\n", 8, "targets.0.day", ["past the horizon"]),
        (
            "targets:\n  - kpi: dau\n    day: 30\n    at_least: 30\n    at_most: 3\n",
            10,
            "targets.0.at_most",
            ["contradict", "at_least (30)", "found 3"],
        ),
        ("targets:\n  - {kpi: dau, day: 30}\n", 7, "targets.0", ["give a bound"]),
        ("targets:\n  - {kpi: dau, day: 30, month: 1, at_least: 1}\n", 7, "targets.0", ["either day or month"]),
        ("checkpoints: {days: [30, 100]}\n", 6, "checkpoints.days.1", ["day 100 is past the horizon"]),
        ("checkpoints: [0]\n", 6, "checkpoints.days", ["start at 1"]),
    ],
)
def test_bad_targets_are_scenario_errors_with_file_line_and_path(tmp_path, capsys, body, line, path, words):
    p = write(tmp_path, body)
    with pytest.raises(ScenarioError) as ei:
        ScenarioFile(p)
    msg = str(ei.value)
    assert msg.startswith(f"{p}:{line}: {path}: "), msg
    for w in words:
        assert w in msg
    # through the CLI: exit 2, no traceback
    assert main(["check", str(p), "--brief"]) == 2
    err = capsys.readouterr().err
    assert path in err and "Traceback" not in err


def test_targets_validate_in_variants_too(tmp_path):
    p = write(
        tmp_path, "variants:\n  short:\n    horizon_days: 60\n    targets: [{kpi: groups, day: 90, at_least: 1}]\n"
    )
    with pytest.raises(ScenarioError, match=r"(?s)variant 'short'.*targets\.0\.day.*past the horizon"):
        ScenarioFile(p)


def test_month_is_thirty_days_and_labels_are_readable():
    t = Target(kpi="groups", month=3, at_least=100)
    assert t.checkpoint == 90
    assert t.label == "groups >= 100 by month 3"
    assert Target(name="100 groups", kpi="groups", day=90, at_least=100).label == "100 groups"
    # hit: bounds are inclusive, NaN (cannot be computed) is a miss
    both = Target(kpi="dau", day=5, at_least=1, at_most=2)
    assert both.hit(1.0) and both.hit(2.0) and not both.hit(2.5) and not both.hit(0.5)
    assert not both.hit(float("nan"))


def test_default_checkpoints_are_every_30_days_the_targets_and_the_horizon():
    assert checkpoint_days(100, Checkpoints(), []) == [30, 60, 90, 100]
    assert checkpoint_days(100, Checkpoints(every_days=0, days=[45]), [Target(kpi="dau", day=7, at_least=1)]) == [
        7,
        45,
        100,
    ]
    assert Checkpoints.model_validate([10, 20]).every_days == 0


def test_checkpoint_kpis_are_an_earlier_cut_of_the_daily_table():
    plan = small_plan(horizon_days=40, replicates=2)
    rs = run_plans({"p": plan}, replicates=2, seed=3)
    cp = checkpoint_table(rs)
    assert sorted(set(cp["day"])) == [30, 40]
    # the horizon checkpoint is exactly the end-of-run KPI table
    end = kpi_table(rs)
    at_end = cp[cp["day"] == 40].drop(columns="day").reset_index(drop=True)
    for k in ("members_final", "dau", "active_share", "conversion_rate", "cost", "profit", "groups", "viral_k"):
        np.testing.assert_allclose(at_end[k].to_numpy(float), end[k].to_numpy(float), equal_nan=True)
    # day 30: computed from rows 0..29 only
    ts = rs.timeseries[(rs.timeseries["variant"] == "p") & (rs.timeseries["replicate"] == 1)].sort_values("day")
    row = cp[(cp["day"] == 30) & (cp["replicate"] == 1)].iloc[0]
    assert row["members_final"] == ts["members"].iloc[29]
    assert row["groups"] == ts["groups"].iloc[29]
    assert row["dau"] == pytest.approx(ts["active"].iloc[23:30].mean())
    assert row["cost"] == pytest.approx(ts["cost"].iloc[:30].sum())
    assert row["new_members"] == ts["new_members"].iloc[:30].sum()
    members_ever = ts["members"].iloc[29] + ts["churned"].iloc[29]
    assert row["conversion_rate"] == pytest.approx(ts["paying"].iloc[29] / members_ever)
    # an end-of-run-only scalar is unknown at an earlier checkpoint
    assert np.isnan(row["top20_share"])
    # the same as calling replicate_kpis on the cut with a 30-day horizon
    direct = replicate_kpis(ts.iloc[:30], {}, None, plan.model_copy(update={"horizon_days": 30}))
    assert direct["active_share"] == pytest.approx(row["active_share"])


def test_wilson_interval_is_scipys_and_brackets_the_share():
    lo, hi = wilson(8, 10)
    ci = binomtest(8, 10).proportion_ci(method="wilson")
    assert (lo, hi) == pytest.approx((ci.low, ci.high))
    assert lo < 0.8 < hi
    lo0, hi0 = wilson(0, 10)
    assert lo0 == 0.0 and 0.2 < hi0 < 0.35  # never the degenerate 0..0 of the Wald interval
    assert all(np.isnan(wilson(0, 0)))


def test_share_hitting_all_targets_counts_futures_hitting_every_target_at_once():
    plan = small_plan(
        horizon_days=30,
        targets=[
            {"name": "a", "kpi": "members_final", "day": 30, "at_least": 0},
            {"name": "b", "kpi": "members_final", "day": 30, "at_least": 10**9},
        ],
    )
    rs = run_plans({"p": plan}, replicates=4, seed=1)
    hits = target_hits(checkpoint_table(rs), rs.plans)
    table = target_table(hits, rs.plans).set_index("target")
    assert table.loc["a", "share"] == 1.0 and table.loc["a", "hits"] == 4
    assert table.loc["b", "share"] == 0.0
    assert table.loc[ALL_TARGETS, "share"] == 0.0 and table.loc[ALL_TARGETS, "n"] == 4
    members = rs.timeseries.groupby("replicate")["members"].last()
    assert table.loc["a", "p50"] == pytest.approx(np.quantile(members, 0.5))


def test_hand_built_hits_give_the_expected_shares():
    from growthsim.scenario import Scenario

    plan = Scenario.model_validate(
        {
            "name": "x",
            "horizon_days": 10,
            "targets": [
                {"name": "m", "kpi": "members_final", "day": 10, "at_least": 5},
                {"name": "c", "kpi": "cost", "day": 5, "at_most": 100},
            ],
        }
    )
    rows = []
    for rep, (m, c) in enumerate([(6, 50), (6, 150), (4, 50), (7, 90), (5, 100)]):
        rows.append({"variant": "x", "replicate": rep, "day": 10, "members_final": m, "cost": 0.0})
        rows.append({"variant": "x", "replicate": rep, "day": 5, "members_final": 0, "cost": c})
    hits = target_hits(pd.DataFrame(rows), {"x": plan})
    t = target_table(hits, {"x": plan}).set_index("target")
    assert t.loc["m", "hits"] == 4 and t.loc["c", "hits"] == 4  # 100 <= 100 counts
    assert t.loc[ALL_TARGETS, "hits"] == 3  # reps 0, 3, 4
    assert t.loc["c", "p50"] == 90


def test_run_writes_targets_csv_summary_and_prints_targets_first(tmp_path, capsys):
    p = write(
        tmp_path,
        """\
        targets:
          - {name: grow, kpi: members_final, day: 60, at_least: 1}
          - {kpi: groups, month: 3, at_least: 1000}
        """,
    )
    out = tmp_path / "run"
    assert main(["run", str(p), "--out", str(out), "--no-report", "--replicates", "3"]) == 0
    text = capsys.readouterr().out
    assert text.index("stage targets") < text.index("medians (P10–P90)")
    assert "grow" in text and "all targets" in text and "0% (0/3)" in text
    t = pd.read_csv(out / "targets.csv")
    assert list(t["target"]) == ["grow", "groups >= 1000 by month 3", "all targets"]
    assert list(t["hits"]) == [3, 0, 0]
    summ = json.loads((out / "summary.json").read_text())
    assert [r["target"] for r in summ["base"]["targets"]] == list(t["target"])
    assert summ["base"]["targets"][0]["ci_low"] == pytest.approx(wilson(3, 3)[0])
    cp = pd.read_csv(out / "checkpoints.csv")
    assert sorted(set(cp["day"])) == [30, 60, 90]
    assert {"members_final", "dau", "groups"} <= set(cp["kpi"])


def test_target_results_are_cached_on_the_runset():
    rs = run_plans({"p": small_plan(horizon_days=20)}, replicates=2, seed=1)
    assert target_results(rs) is target_results(rs)
    assert len(target_results(rs).table) == 0  # no targets, no rows


def test_a_target_by_calendar_date_counts_that_date_and_round_trips(tmp_path):
    # start 2027-01-01: the end of 2027-03-31 is 90 days elapsed (Jan 31 + Feb 28 + Mar 31)
    p = write(tmp_path, "start_date: 2027-01-01\ntargets:\n  - {kpi: groups, date: 2027-03-31, at_least: 1}\n")
    plan = ScenarioFile(p).base
    t = plan.targets[0]
    assert t.checkpoint == 90 and t.date.isoformat() == "2027-03-31"
    assert "2027-03-31" in t.label
    # the resolved plan (what scenario.resolved.yaml holds) validates again to the same target
    from growthsim.scenario.loader import validate_plan

    again = validate_plan(plan.model_dump(mode="json"))
    assert again.targets[0].checkpoint == 90


@pytest.mark.parametrize(
    "body, path, words",
    [
        ("targets:\n  - {kpi: groups, date: 2027-03-31, at_least: 1}\n", "targets.0.date", ["needs 'start_date'"]),
        (
            "start_date: 2027-01-01\ntargets:\n  - {kpi: groups, date: 2026-12-31, at_least: 1}\n",
            "targets.0.date",
            ["before start_date"],
        ),
        (
            "start_date: 2027-01-01\ntargets:\n  - {kpi: groups, date: 2027-02-01, day: 10, at_least: 1}\n",
            "targets.0.date",
            ["one of day, month or date"],
        ),
        (
            "start_date: 2027-01-01\ntargets:\n  - {kpi: groups, date: 2027-04-01, at_least: 1}\n",
            "targets.0",
            ["day 91 is past the horizon"],
        ),
    ],
)
def test_bad_target_dates_are_located_errors(tmp_path, body, path, words):
    p = write(tmp_path, body)
    with pytest.raises(ScenarioError) as ei:
        ScenarioFile(p)
    msg = str(ei.value)
    assert f": {path}" in msg, msg
    for w in words:
        assert w in msg, msg
