"""History and event-log reading: every bad input is a clear InputFileError naming the file,
line and column; good inputs aggregate as documented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from growthsim.calibrate.history import (
    check_against_scenario,
    merge_histories,
    read_events,
    read_history,
    simulated_periods,
)
from growthsim.cli import main
from growthsim.errors import InputFileError
from growthsim.scenario import Scenario

GOOD = """date,new_members,active_members,members,purchases,revenue
2026-01-01,5,3,105,0,0
2026-01-02,4,6,108,1,120.5
2026-01-03,,7,110,2,240
2026-01-04,6,5,115,0,0
"""


def write(tmp_path: Path, text: str, name: str = "h.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def tiny_plan(**members) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "tiny",
            "seed": 5,
            "horizon_days": 30,
            "replicates": 2,
            "market": {"size": 500, "graph": {"model": "well_mixed", "mean_degree": 8}},
            "members": {"initial": 100, **members},
        }
    )


def test_good_daily_history(tmp_path):
    h = read_history(write(tmp_path, GOOD))
    assert h.period_days == 1 and h.n_periods == 4 and h.days == 4
    assert h.series == ["new_members", "active_members", "members", "purchases", "revenue"]
    assert np.isnan(h.data["new_members"][2])  # empty cell = not observed
    assert h.lines == [2, 3, 4, 5]
    assert h.end_date == dt.date(2026, 1, 4)


def test_weekly_history_and_replayed_joins(tmp_path):
    h = read_history(write(tmp_path, "date,joins,members\n2026-01-05,10,110\n2026-01-12,3,112\n"))
    assert h.period_days == 7 and h.days == 14
    joins = h.daily_joins()
    assert len(joins) == 14 and sum(joins[:7]) == 10 and sum(joins[7:]) == 3
    assert joins[:7] == [2, 2, 2, 1, 1, 1, 1]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("day,members\n2026-01-01,1\n2026-01-02,2\n", ":1", "missing column 'date'"),
        ("date\n2026-01-01\n2026-01-02\n", ":1", "no series column"),
        ("date,members,likes\n2026-01-01,1,2\n2026-01-02,2,2\n", ":1: likes", "unknown column"),
        ("date,members\n2026-01-01,1\n01/02/2026,2\n", ":3: date", "expected a date"),
        ("date,members\n2026-01-01,1\n2026-01-02,-4\n", ":3: members", ">= 0"),
        ("date,members\n2026-01-01,1\n2026-01-02,abc\n", ":3: members", "expected a number"),
        ("date,members\n2026-01-01,1\n2026-01-02,2.5\n", ":3: members", "whole number"),
        ("date,members\n2026-01-01,1\n2026-01-02,2\n2026-01-02,3\n", ":4: date", "duplicate date 2026-01-02"),
        ("date,members\n2026-01-01,1\n2026-01-02,2\n2026-01-05,3\n", ":4: date", "gap: expected 2026-01-03"),
        ("date,members\n2026-01-01,1\n2026-01-02,2\n2026-01-01,3\n", ":4: date", "duplicate date"),
        ("date,members\n2026-01-01,1\n2026-01-03,2\n", ":3: date", "1 day (daily) or 7 days"),
        ("date,members\n2026-01-01,1\n", "", "at least two rows"),
        ("date,members\n2026-01-01,1\n2026-01-02\n", ":3", "expected 2 fields"),
        ("date,members,active_members\n2026-01-01,5,9\n2026-01-02,5,1\n", ":2: active_members", "more active"),
        ("", "", "file is empty"),
    ],
)
def test_bad_history_names_file_line_and_column(tmp_path, text, where, words):
    p = write(tmp_path, text)
    with pytest.raises(InputFileError) as err:
        read_history(p)
    msg = str(err.value)
    assert msg.startswith(str(p) + where), msg
    assert words in msg


def test_missing_history_file(tmp_path):
    with pytest.raises(InputFileError, match="history file not found"):
        read_history(tmp_path / "nope.csv")


def test_history_longer_than_the_scenario_allows(tmp_path):
    rows = "\n".join(f"{dt.date(2026, 1, 1) + dt.timedelta(days=i)},{100 + i}" for i in range(31))
    p = write(tmp_path, "date,members\n" + rows + "\n")
    with pytest.raises(InputFileError, match=r"h.csv:32: date: history covers 31 days .* horizon_days 30"):
        check_against_scenario(read_history(p), tiny_plan())
    # more people than the market: members, then initial + joins
    p2 = write(tmp_path, "date,members\n2026-01-01,100\n2026-01-02,501\n", "m.csv")
    with pytest.raises(InputFileError, match=r"m.csv:3: members: 501 members but the scenario's market.size is 500"):
        check_against_scenario(read_history(p2), tiny_plan())
    p3 = write(tmp_path, "date,new_members\n2026-01-01,300\n2026-01-02,101\n", "j.csv")
    with pytest.raises(InputFileError, match=r"j.csv:3: new_members: .* exceeds the scenario's market.size"):
        check_against_scenario(read_history(p3), tiny_plan())


EVENTS = """member_id,date,event,amount
a,2026-01-01,join,
b,2026-01-01,join,
a,2026-01-01,active,
a,2026-01-02,purchase,100
a,2026-01-02,active,
b,2026-01-02,purchase,50
c,2026-01-03,join,
b,2026-01-03,leave,
"""


def test_event_log_aggregates_to_daily_series(tmp_path):
    h = read_events(write(tmp_path, EVENTS, "ev.csv"), initial_members=10)
    assert h.n_periods == 3
    assert h.data["new_members"].tolist() == [2, 0, 1]
    assert h.data["active_members"].tolist() == [1, 2, 0]  # a counted once on day 2
    assert h.data["purchases"].tolist() == [0, 2, 0]
    assert h.data["revenue"].tolist() == [0, 150, 0]
    assert h.data["members"].tolist() == [12, 12, 12]
    # a history file's own columns win; the log fills the rest
    hist = read_history(write(tmp_path, "date,members\n2026-01-01,12\n2026-01-02,13\n2026-01-03,13\n"))
    merged = merge_histories(hist, h)
    assert merged.data["members"].tolist() == [12, 13, 13]
    assert merged.data["purchases"].tolist() == [0, 2, 0]


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("member_id,date\na,2026-01-01\n", ":1", "missing column 'event'"),
        ("member_id,date,event\na,2026-01-01,join\na,2026-01-02,like\n", ":3: event", "expected one of"),
        ("member_id,date,event\na,2026-01-01,join\n,2026-01-02,active\n", ":3: member_id", "empty member id"),
        ("member_id,date,event\na,2026-01-01,join\na,yesterday,active\n", ":3: date", "expected a date"),
        ("member_id,date,event,amount\na,2026-01-01,join,\na,2026-01-02,purchase,-5\n", ":3: amount", ">= 0"),
        ("member_id,date,event,amount\na,2026-01-01,join,\na,2026-01-02,purchase,\n", ":3: amount", "needs an amount"),
    ],
)
def test_bad_event_log(tmp_path, text, where, words):
    p = write(tmp_path, text, "ev.csv")
    with pytest.raises(InputFileError) as err:
        read_events(p)
    assert str(err.value).startswith(str(p) + where), str(err.value)
    assert words in str(err.value)


def test_simulated_periods_sum_flows_and_take_stocks_at_period_end():
    import pandas as pd

    days = np.arange(14)
    ts = pd.DataFrame(
        {
            "replicate": 0,
            "day": days,
            "new_members": 1,
            "members": days * 10,
            "active": 2,
            "wau": days,
            "purchases": 0,
            "revenue": 0.0,
            "cost": 0.0,
        }
    )
    w = simulated_periods(ts, ["new_members", "members", "active_members"], 7, 2)
    assert w["new_members"].tolist() == [[7, 7]]
    assert w["members"].tolist() == [[60, 130]]
    assert w["active_members"].tolist() == [[6, 13]]  # weekly actives = wau at the week's end


def test_cli_bad_history_writes_nothing(tmp_path, capsys):
    scen = tmp_path / "s.yaml"
    scen.write_text(
        "name: tiny\nhorizon_days: 30\nmarket: {size: 500, graph: {model: well_mixed}}\nmembers: {initial: 100}\n",
        encoding="utf-8",
    )
    hist = write(tmp_path, "date,members\n2026-01-01,100\n2026-01-01,101\n")
    out = tmp_path / "out"
    rc = main(
        [
            "calibrate",
            str(scen),
            "--history",
            str(hist),
            "--param",
            "members.churn.base_hazard=0.001:0.1",
            "--out",
            str(out),
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert f"{hist}:3: date: duplicate date 2026-01-01" in err
    assert "Traceback" not in err
    assert not out.exists() and not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
