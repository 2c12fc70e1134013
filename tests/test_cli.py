"""The command line: run, check, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from growthsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "growthsim.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_check_prints_resolved_plan_and_variants(capsys):
    assert main(["check", str(BASELINE)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "double_invite_reward" in out and "two_more_admins" in out
    assert "target_size: 150" in out  # resolved defaults are printed


@pytest.mark.slow
def test_run_writes_outputs(tmp_path):
    out = tmp_path / "run"
    rc = main(
        ["run", str(BASELINE), "--replicates", "2", "--out", str(out), "--no-report", "--quiet", "--all-variants"]
    )
    assert rc == 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert set(ts["variant"]) == {"base", "double_invite_reward", "two_more_admins", "paid_ads"}
    assert len(ts) == 4 * 2 * 365
    csv = pd.read_csv(out / "timeseries.csv")
    assert len(csv) == len(ts)
    summ = json.loads((out / "summary.json").read_text())
    f = summ["base"]["figures"]["members_end"]
    assert f["p10"] <= f["p50"] <= f["p90"]
    assert (out / "scenario.resolved.yaml").is_file()
    assert not list(tmp_path.glob(".*partial*")) and not list(out.glob("*.tmp"))


@pytest.mark.parametrize(
    "content, expect",
    [
        ("name: x\nmembers:\n  initail: 3\n", "members.initail: unknown key"),
        ("name: x\nhorizon_days: 0\n", "horizon_days"),
        ("", "file is empty"),
        ("name: [\n", "not valid YAML"),
    ],
)
def test_bad_input_exit_2_with_a_clear_message(tmp_path, monkeypatch, capsys, content, expect):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "bad.yaml"
    p.write_text(content)
    for cmd in ("run", "check"):
        assert main([cmd, str(p)]) == 2
        err = capsys.readouterr().err
        assert "bad.yaml" in err and expect in err
    assert not (tmp_path / "runs").exists()  # nothing written


def test_no_traceback_from_the_installed_command(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nmarket: {size: 10}\nmembers: {initial: 50}\n")
    res = cli("run", str(p), cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "bad.yaml:3: members.initial: 50 initial members exceed market.size (10 people)" in res.stderr
    assert not (tmp_path / "runs").exists()


def test_bad_options_are_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", str(BASELINE), "--replicates", "0"])
    assert exc.value.code == 2 and "expected a whole number from 1 to 100,000, found 0" in capsys.readouterr().err
    assert main(["run", str(BASELINE), "--variant", "nope", "--quiet", "--out", str(tmp_path / "o")]) == 2
    assert "no variant 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_run_says_when_and_why_money_ran_short(tmp_path, capsys):
    """A channel spending 100 a day against a total budget of 1,000: the run's summary says
    money ran short from day 10 on, by the total budget."""
    sc = tmp_path / "tight.yaml"
    sc.write_text(
        "name: tight\nhorizon_days: 20\nreplicates: 2\n"
        "market: {size: 2000, graph: {model: watts_strogatz, mean_degree: 6}}\n"
        "members: {initial: 50}\n"
        "budget: {total: 1000}\n"
        "channels: {ads: {daily_budget: 100, max_reach: 50, join_rate: 0.05}}\n"
    )
    assert main(["run", str(sc), "--out", str(tmp_path / "run"), "--no-report"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("base: money ran short"))
    assert "100% of futures, first on day 10 (median), on 10 days in all" in line
    assert "total 1,000" in line and "monthly cap" not in line
