"""Sweeps survive crashing workers and end in bounded time; Ctrl-C prints one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_experiments_sweep import EXP, TINY

CRASH = """\
import os, sys
from growthsim.experiments.sweep import run_sweep
from growthsim.runner import simulate


def crash(scenario, seed, replicate=0):
    # point 1 (reward 0, 2 admins): runs 2 and 3, in two different batches of 3
    if scenario.staff["part_time_admin"].count == 2 and scenario.campaigns["invite_reward"].reward == 0:
        os._exit(3)
    return simulate(scenario, seed=seed, replicate=replicate)


if __name__ == "__main__":
    df = run_sweep(sys.argv[1], workers=2, run_fn=crash, batch_size=3, out=sys.argv[2])
    for _, r in df.iterrows():
        print(r["run"], r["point"], r["status"], r["error"][:60])
"""


@pytest.mark.slow
def test_two_runs_that_kill_their_workers_in_different_batches_fail_alone(tmp_path: Path) -> None:
    """The sweep that hung forever (workers drained after a few crashes): it ends, the
    two crashing runs recorded as failed, every other run done. About 2-3 minutes on a
    busy 2-core machine, most of it Dask restarting killed workers."""
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "exp.yaml").write_text(EXP.replace("  series: [members, active]\n", ""))
    (tmp_path / "crash.py").write_text(CRASH)
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, str(tmp_path / "crash.py"), str(tmp_path / "exp.yaml"), str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=540,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    rows = [line.split(" ", 3) for line in res.stdout.splitlines()]
    status = {int(r[0]): r[2] for r in rows}
    assert sorted(status) == list(range(12))
    assert {r for r, s in status.items() if s != "ok"} == {2, 3}
    assert all("worker process died" in r[3] for r in rows if r[2] != "ok")
    assert time.perf_counter() - t0 < 540
    assert "Traceback" not in res.stderr


SLOW = """\
import sys, time
from growthsim.cli import main
from growthsim.experiments import sweep
from growthsim.runner import simulate


def slow(scenario, seed, replicate=0):
    time.sleep(0.5)
    return simulate(scenario, seed=seed, replicate=replicate)


if __name__ == "__main__":
    sweep.default_run_fn = slow  # the workers import this module: the sweep ships the function
    real = sweep.run_sweep
    sweep.run_sweep = lambda *a, **k: real(*a, **{**k, "run_fn": slow})
    sys.exit(main(["sweep", sys.argv[1], "--out", sys.argv[2], "--workers", "2", "--no-progress"]))
"""


@pytest.mark.slow
def test_ctrl_c_to_the_process_group_prints_one_line(tmp_path: Path) -> None:
    """SIGINT to the whole process group (what Ctrl-C in a terminal sends): the workers
    ignore it, the sweep stops its cluster and the command prints one line, exit 130."""
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "exp.yaml").write_text(EXP.replace("replicates: 2\noutputs", "replicates: 20\noutputs"))
    (tmp_path / "slow.py").write_text(SLOW)
    proc = subprocess.Popen(
        [sys.executable, str(tmp_path / "slow.py"), str(tmp_path / "exp.yaml"), str(tmp_path / "o")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        start_new_session=True,
    )
    parts = tmp_path / "o" / "parts"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (parts.is_dir() and any(parts.glob("results-*.parquet"))):
        time.sleep(0.5)
    assert parts.is_dir() and any(parts.glob("results-*.parquet")), "the sweep never started running"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-3000:]
    assert err.strip().splitlines()[-1] == "growthsim sweep: interrupted"
    assert len([line for line in err.splitlines() if line.strip()]) <= 2, err
