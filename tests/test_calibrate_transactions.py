"""Transaction-log import: the documented mapping to a daily history, and every bad row a
located error (file, line, column, expected, found) that the CLI turns into exit 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from growthsim.calibrate.transactions import read_transactions
from growthsim.cli import main
from growthsim.errors import InputFileError

GOOD = """customer_id,date,amount
a,2026-01-01,10
b,2026-01-01,5
a,2026-01-01,2.5
a,2026-01-03,7
c,20260102,4
b,2026-01-05,3
"""


def write(tmp_path: Path, text: str, name: str = "tx.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_mapping_join_is_first_order_and_repeat_orders_are_purchases(tmp_path):
    log = read_transactions(write(tmp_path, GOOD))
    assert log.start == dt.date(2026, 1, 1) and log.days == 5 and log.n_customers == 3
    assert len(log.orders) == 5  # a's two rows on Jan 1 are one order (amounts summed)
    assert log.join_orders == 3 and log.join_revenue == pytest.approx(10 + 2.5 + 5 + 4)
    h = log.history()
    assert h.period_days == 1 and h.n_periods == 5 and h.series == ["new_members", "purchases", "revenue"]
    assert h.data["new_members"].tolist() == [2, 1, 0, 0, 0]
    assert h.data["purchases"].tolist() == [0, 0, 1, 0, 1]  # join-day orders are part of joining
    assert h.data["revenue"].tolist() == [0, 0, 7, 0, 3]
    assert h.transactions is log and h.head(3).transactions is log
    s = log.summary()
    assert s["order_lines"] == 6 and s["orders"] == 5 and s["repeat_orders"] == 2


def test_given_join_date_and_channels(tmp_path):
    text = (
        "customer,order_date,revenue,join_date,channel\n"
        "a,2026-01-03,10,2026-01-01,ads\n"
        "a,2026-01-04,10,2026-01-01,ads\n"
        "b,2026-01-02,5,2026-01-02,store\n"
    )
    log = read_transactions(write(tmp_path, text))
    h = log.history()
    assert h.data["new_members"].tolist() == [1, 1, 0, 0]
    assert h.data["purchases"].tolist() == [0, 0, 1, 1]  # a joined before buying: both orders count
    assert log.joins_by_channel == {"ads": 1, "store": 1}


def test_rfm_summary_for_bg_nbd(tmp_path):
    log = read_transactions(write(tmp_path, GOOD))
    r = log.rfm(train_days=4, unit_days=1.0)
    assert list(r.index) == ["a", "b", "c"]
    assert r.loc["a"].tolist() == [1.0, 2.0, 4.0]  # one repeat order on day 2, joined day 0
    assert r.loc["b"].tolist() == [0.0, 0.0, 4.0]  # b's repeat order on day 4 is after training
    assert r.loc["c"].tolist() == [0.0, 0.0, 3.0]


@pytest.mark.parametrize(
    "text, where, expected",
    [
        ("customer_id,date\na,2026-01-01\n", ":1", "missing column 'amount'"),
        ("customer_id,date,amount,colour\na,2026-01-01,1,red\n", ":1: colour", "unknown column"),
        ("customer_id,date,amount\n,2026-01-01,1\n", ":2: customer_id", "expected a customer id, found an empty cell"),
        (
            "customer_id,date,amount\na,2026-01-01,1\na,2026-02-30,1\n",
            ":3: date",
            "expected a date like 2026-01-31 or 20260131, found '2026-02-30'",
        ),
        ("customer_id,date,amount\na,2026-01-01,1\na,2026-01-02,ten\n", ":3: amount", "expected a number, found 'ten'"),
        ("customer_id,date,amount\na,2026-01-01,1\na,2026-01-02,-4\n", ":3: amount", "expected an amount >= 0"),
        ("customer_id,date,amount\na,2026-01-01,1\na,2026-01-02,inf\n", ":3: amount", "expected a finite number"),
        ("customer_id,date,amount\na,2026-01-01,1\na,2026-01-02\n", ":3", "expected 3 fields, found 2"),
        (
            "customer_id,date,amount,join_date\na,2026-01-02,1,2026-01-05\n",
            ":2: join_date",
            "expected a join date on or before the customer's first order (2026-01-02, this line), found 2026-01-05",
        ),
        (
            "customer_id,date,amount,join_date\na,2026-01-02,1,2026-01-01\na,2026-01-03,1,2026-01-02\n",
            ":3: join_date",
            "expected 2026-01-01 for customer 'a' (as on line 2), found 2026-01-02",
        ),
        (
            "customer_id,date,amount,channel\na,2026-01-02,1,ads\na,2026-01-03,1,store\n",
            ":3: channel",
            "expected 'ads' for customer 'a' (as on line 2), found 'store'",
        ),
        ("customer_id,date,amount\na,2026-01-01,1\nb,2026-01-01,2\n", ": date", "at least two days"),
        ("customer_id,date,amount\n", "", "no transactions"),
    ],
)
def test_bad_rows_are_located_errors(tmp_path, text, where, expected):
    p = write(tmp_path, text)
    with pytest.raises(InputFileError) as e:
        read_transactions(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}{where}"), msg
    assert expected in msg, msg


SCENARIO = """name: shop
seed: 3
horizon_days: 60
replicates: 2
market: {size: 200, graph: {model: well_mixed, mean_degree: 10}}
members: {initial: 0, organic_join_prob: 0.0, referral: {invite_prob: 0.0}}
"""


def test_cli_bad_row_exits_2_without_traceback_and_writes_nothing(tmp_path, capsys):
    scen = write(tmp_path, SCENARIO, "shop.yaml")
    tx = write(tmp_path, "customer_id,date,amount\na,2026-01-01,1\na,2026-01-02,-1\n")
    out = tmp_path / "out"
    rc = main(["calibrate", str(scen), "--transactions", str(tx), "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"{tx}:3: amount: expected an amount >= 0" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["calibrate", str(scen), "--transactions", str(tx), "--events", str(tx), "--out", str(out)]) == 2
    assert "not both" in capsys.readouterr().err


def test_cli_calibrates_from_a_transaction_log(tmp_path, capsys):
    scen = write(tmp_path, SCENARIO, "shop.yaml")
    rng = np.random.default_rng(1)
    rows = ["customer_id,date,amount"]
    start = dt.date(2026, 1, 1)
    for c in range(60):
        day = int(rng.integers(0, 10))
        while day < 30:
            rows.append(f"c{c},{start + dt.timedelta(days=day)},{rng.uniform(5, 50):.2f}")
            day += int(rng.integers(2, 12))
    tx = write(tmp_path, "\n".join(rows) + "\n")
    out = tmp_path / "out"
    rc = main(["calibrate", str(scen), "--transactions", str(tx), "--replay-joins", "--out", str(out), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    import json

    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["history"]["series"] == ["new_members", "purchases", "revenue"]
    assert diag["history"]["transactions"]["customers"] == 60
    hist = (out / "history.csv").read_text().splitlines()
    assert hist[0] == "date,new_members,purchases,revenue"
