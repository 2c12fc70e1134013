"""Every bad input refused cleanly: exit 2, a message naming file, line, field, expected
and found, within ~2 s after import and under ~500 MB, nothing written.

The inputs that once hung, exhausted memory or printed tracebacks run in a child
process (:func:`run_cli`) that reports its own peak RSS (``getrusage``) and the time
spent after importing growthsim; the rest run in-process through ``main``.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from growthsim.cli import main
from growthsim.errors import UserError

ROOT = Path(__file__).resolve().parents[1]

TINY = """\
name: tiny
seed: 7
horizon_days: 10
replicates: 2
market: {size: 300, graph: {model: watts_strogatz, mean_degree: 8}}
members: {initial: 20}
"""

# Limits of the contract (issue): generous for a loaded 2-core machine
MAX_SECONDS_AFTER_IMPORT = 6.0  # ~2 s on an idle machine
MAX_RSS_MB = 500

CHILD = """\
import resource, sys, time
t0 = time.perf_counter()
from growthsim.cli import build_parser, main
build_parser()  # imports every command module: import time, not the input's handling
t1 = time.perf_counter()
code = 1
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
finally:
    # peak RSS of this process image: VmHWM belongs to the memory map made at exec, whereas
    # ru_maxrss keeps the high-water mark of the (large) test process this child was forked from
    try:
        rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stderr.write(f"\\n@@ {rss:.0f} {time.perf_counter() - t1:.3f} {t1 - t0:.3f}\\n")
sys.exit(code)
"""


def run_cli(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str, float, float]:
    """Run ``growthsim ARGS`` in a child process: (exit code, stderr, seconds after
    import, peak RSS in MB)."""
    res = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    err, _, tail = res.stderr.rpartition("\n@@ ")
    rss, secs, _imp = (float(x) for x in tail.split())
    return res.returncode, err, secs, rss


def assert_clean(code: int, err: str, secs: float, rss: float, *needles: str) -> None:
    assert code == 2, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    for n in needles:
        assert n in err, err[-2000:]
    assert len(err) < 5000, f"{len(err)} characters of error"
    assert secs < MAX_SECONDS_AFTER_IMPORT, secs
    assert rss < MAX_RSS_MB, rss


# --------------------------------------------------------------------------- inputs that blew up


def billion_laughs(top: str = "") -> str:
    lines = [top, 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.slow  # child processes that import the whole CLI
@pytest.mark.parametrize("command", ["check", "sweep"])
def test_billion_laughs_fails_fast_and_small(tmp_path: Path, command: str) -> None:
    f = tmp_path / "laughs.yaml"
    f.write_text(billion_laughs("name: x"))
    args = [command, str(f)] + (["--workers", "0"] if command == "sweep" else [])
    assert_clean(*run_cli(args, tmp_path), "laughs.yaml:", "expands to more than 50,000 values")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["laughs.yaml"]


@pytest.mark.slow  # child processes that import the whole CLI
@pytest.mark.parametrize("kind", ["flow", "block"])
def test_deep_nesting_is_a_clean_error(tmp_path: Path, kind: str) -> None:
    f = tmp_path / "deep.yaml"
    if kind == "flow":
        f.write_text("name: x\nmembers: " + "[" * 20000 + "]" * 20000 + "\n")
    else:
        f.write_text("name: x\n" + "".join(" " * i + f"k{i}:\n" for i in range(1500)) + " " * 1500 + "v: 1\n")
    code, err, secs, rss = run_cli(["check", str(f)], tmp_path)
    assert_clean(code, err, secs, rss, "deep.yaml")
    assert "nest" in err or "depth" in err


@pytest.mark.slow  # child processes that import the whole CLI
def test_200k_unknown_keys_are_refused_quickly_with_a_short_message(tmp_path: Path) -> None:
    f = tmp_path / "keys.yaml"
    f.write_text("name: x\n" + "".join(f"k{i}: {i}\n" for i in range(200_000)))  # 2.6 MB: over the size limit
    assert_clean(
        *run_cli(["check", str(f)], tmp_path), "keys.yaml: the file is 2.8 MiB; expected a YAML file of at most 1.0 MiB"
    )
    # under the size limit, the values are counted on the event stream and the count stops at the limit
    f.write_text("name: x\n" + "".join(f"k{i}: {i}\n" for i in range(60_000)))  # 0.7 MB
    assert_clean(*run_cli(["check", str(f)], tmp_path), "not accepted: more than 50,000 values")
    f.write_text("name: x\nk: [" + "1," * 400_000 + "1]\n")
    assert_clean(*run_cli(["check", str(f)], tmp_path), "keys.yaml:2: not accepted: more than 50,000 values")


def test_error_lists_are_capped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "keys.yaml"
    f.write_text("name: x\n" + "".join(f"unknown_{i}: {i}\n" for i in range(30)))
    assert main(["check", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("unknown key") == 20 and "... and 10 more errors" in err
    assert "keys.yaml:2: unknown_0: unknown key" in err


def test_recursive_alias_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "rec.yaml"
    f.write_text("name: x\nmembers: &a {initial: *a}\n")
    assert main(["check", str(f)]) == 2
    assert "rec.yaml:2: not accepted: an alias refers to a mapping or list that contains it" in capsys.readouterr().err


def test_yaml_over_the_size_limit_is_refused_before_reading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "big.yaml"
    with f.open("wb") as fh:
        fh.truncate(5 << 20)  # sparse: nothing to read
    assert main(["check", str(f)]) == 2
    assert "big.yaml: the file is 5.0 MiB; expected a YAML file of at most 1.0 MiB" in capsys.readouterr().err


def history_inputs(tmp_path: Path) -> tuple[Path, Path]:
    scen = tmp_path / "s.yaml"
    scen.write_text(TINY)
    hist = tmp_path / "h.csv"
    hist.write_text("date,members\n" + "".join(f"2026-01-{d:02d},{20 + d}\n" for d in range(1, 11)))
    return scen, hist


@pytest.mark.slow  # child processes that import the whole CLI
def test_200mb_history_is_refused_by_size_before_reading(tmp_path: Path) -> None:
    scen, _ = history_inputs(tmp_path)
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.write(b"date,members\n")
        fh.truncate(200 << 20)
    code, err, secs, rss = run_cli(
        [
            "calibrate",
            str(scen),
            "--history",
            str(big),
            "--param",
            "members.churn.base_hazard=0.001:0.05",
            "--out",
            str(tmp_path / "o"),
        ],
        tmp_path,
    )
    assert_clean(code, err, secs, rss, "big.csv: the file is 200.0 MiB; expected a history file of at most 64.0 MiB")
    assert not (tmp_path / "o").exists()


def calibration(tmp_path: Path) -> Path:
    scen, hist = history_inputs(tmp_path)
    cal = tmp_path / "cal"
    assert (
        main(
            [
                "calibrate",
                str(scen),
                "--history",
                str(hist),
                "--param",
                "members.churn.base_hazard=0.002:0.05",
                "--max-evaluations",
                "10",
                "--bootstrap",
                "2",
                "--out",
                str(cal),
                "--quiet",
            ]
        )
        == 0
    )
    return cal


@pytest.fixture(scope="module")
def cal_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return calibration(tmp_path_factory.mktemp("cal"))


def test_draws_files_too_big_too_long_or_latin1(
    cal_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from growthsim.calibrate.draws import ParameterDraws

    head = (cal_dir / "parameter_draws.csv").read_text().splitlines()[:2]
    huge = tmp_path / "huge.csv"  # 3 million rows would be ~100 MB: refused by size
    with huge.open("wb") as fh:
        fh.write(("\n".join(head) + "\n").encode())
        fh.truncate(100 << 20)
    many = tmp_path / "many.csv"
    many.write_text(
        "\n".join([head[0]] + [f"{i},{'fit' if i == 0 else 'bootstrap'},0.01" for i in range(10_002)]) + "\n"
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes((head[0] + "\n0,fit,0.01\n1,bootstrap,0.02 caf\xe9\n").encode("latin-1"))
    for f, msg in (
        (huge, "expected a parameter draws file of at most 16.0 MiB"),
        (many, "expected at most 10,000 parameter sets, found more"),
        (latin, "not a UTF-8 text file"),
    ):
        with pytest.raises(UserError, match=msg):
            ParameterDraws.read(f)
        assert (
            main(
                [
                    "forecast",
                    str(cal_dir / "calibrated.yaml"),
                    "--days",
                    "3",
                    "--draws",
                    str(f),
                    "--out",
                    str(tmp_path / "fc"),
                    "--quiet",
                ]
            )
            == 2
        )
        assert f.name in capsys.readouterr().err and not (tmp_path / "fc").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["run", "{s}", "--replicates", "1000000000"],
            "expected a whole number from 1 to 100,000, found 1,000,000,000",
        ),
        (["run", "{s}", "--replicates", "1e9"], "expected a whole number from 1 to 100,000, found '1e9'"),
        (["run", "{s}", "--replicates", "100000", "--seed", "-1"], "--seed: expected a whole number from 0"),
        (["forecast", "{s}", "--days", "5", "--replicates", "1000000000"], "expected a whole number from 1 to 100,000"),
        (["forecast", "{s}", "--days", "5", "--pool", "1000000000"], "expected a whole number from 1 to 500,000"),
        (["forecast", "{s}", "--days", "5", "--tolerance", "nan"], "expected a finite number above 0, found 'nan'"),
        (["forecast", "{s}", "--days", "5", "--tolerance", "inf"], "expected a finite number above 0, found 'inf'"),
        (["forecast", "{s}", "--days", "99999"], "expected a whole number from 1 to 3,650"),
        (["calibrate", "{s}", "--bootstrap", "1000000"], "expected a whole number from 0 to 200"),
        (["sweep", "{s}", "--workers", "100000"], "expected a whole number from 0 to 1,024"),
    ],
)
def test_command_line_counts_are_capped_like_the_file_fields(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(TINY)
    with pytest.raises(SystemExit) as exc:
        main([str(s) if a == "{s}" else a for a in argv])
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_a_run_too_large_for_memory_is_refused_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(TINY.replace("horizon_days: 10", "horizon_days: 3650"))
    assert main(["run", str(s), "--replicates", "100000", "--out", str(tmp_path / "o")]) == 2
    assert "1 plan(s) x 100,000 replicates x 3,650 days" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [s]


def experiment(tmp_path: Path, body: str) -> Path:
    (tmp_path / "s.yaml").write_text(TINY)
    f = tmp_path / "exp.yaml"
    f.write_text("name: e\nscenario: s.yaml\n" + textwrap.dedent(body))
    return f


FLOATS = [
    "market.graph.rewire_prob",
    "members.engagement.initial",
    "members.engagement.daily_decay",
    "members.referral.invite_prob",
    "members.referral.accept_prob",
    "members.conversion.first_purchase_prob",
    "members.conversion.repurchase_prob",
    "members.churn.base_hazard",
]


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "factors: {members.churn.base_hazard: {low: 0.001, high: 0.01}}\ndesign: {type: sobol, n: 8388608}\n",
            "gives 25,165,824 runs",
        ),
        (
            "factors:\n"
            + "".join(f"  {p}: {{low: 0.001, high: 0.01, levels: 512}}\n" for p in FLOATS)
            + "design: {type: grid}\n",
            "gives 4,722,366,482,869,645,213,696 runs",
        ),
        (
            "factors: {members.churn.base_hazard: {low: 0.001, high: 0.01}}\nmax_runs: 1000000000000000000\n",
            "exp.yaml:4: max_runs: Input should be less than or equal to 1000000",
        ),
    ],
)
@pytest.mark.slow  # child processes that import the whole CLI
def test_designs_too_large_for_the_machine_are_refused_even_with_yes(body: str, message: str, tmp_path: Path) -> None:
    f = experiment(tmp_path, body)
    code, err, secs, rss = run_cli(["sweep", str(f), "--workers", "0", "--yes", "--out", str(tmp_path / "o")], tmp_path)
    assert_clean(code, err, secs, rss, message)
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- bad input accepted as good


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "factors: {members.churn.base_hazard: {low: 0.001, high: .inf}}\n",
            "exp.yaml:3: factors.members.churn.base_hazard.high: Input should be a finite number; found inf",
        ),
        ("factors: {members.churn.base_hazard: {values: [0.01, .nan]}}\n", "Input should be a finite number"),
        (
            "factors: {members.churn.base_hazard: {low: 0.001, high: 0.01}}\n"
            + "overrides: {members.referral.invite_prob: true}\n",
            "overrides.members.referral.invite_prob",
        ),
    ],
)
def test_infinite_factor_ends_and_booleans_are_refused(
    body: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = experiment(tmp_path, body)
    assert main(["sweep", str(f), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "members: {referral: {invite_prob: true}}\n",
            "s.yaml:6: members.referral.invite_prob: Input should be a valid number",
        ),
        ("members: {churn: {base_hazard: .inf}}\n", "members.churn.base_hazard: Input should be a finite number"),
        (
            'variants: {"a\\0b": {horizon_days: 5}}\n',
            "variants: expected a name without control characters, found '\\x00'",
        ),
    ],
)
def test_booleans_infinities_and_nul_in_a_scenario_are_refused(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(TINY.replace("members: {initial: 20}\n", "") + text)
    assert main(["check", str(s)]) == 2
    assert message in capsys.readouterr().err


def test_nul_in_plan_and_experiment_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(TINY.replace("name: tiny", 'name: "ti\\0ny"'))
    assert main(["check", str(s)]) == 2
    assert "s.yaml:1: name: expected a name without control characters, found '\\x00'" in capsys.readouterr().err
    f = experiment(tmp_path, "factors: {members.churn.base_hazard: {low: 0.001, high: 0.01}}\n")
    f.write_text(f.read_text().replace("name: e", 'name: "e\\0"'))
    assert main(["sweep", str(f), "--workers", "0", "--out", str(tmp_path / "o")]) == 2
    assert "exp.yaml:1: name: expected a name without control characters, found '\\x00'" in capsys.readouterr().err


@pytest.mark.parametrize("weight", [".nan", ".inf"])
def test_nan_and_inf_weights_in_a_fit_spec(weight: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scen, hist = history_inputs(tmp_path)
    spec = tmp_path / "fit.yaml"
    spec.write_text(
        f"parameters: {{members.churn.base_hazard: {{min: 0.001, max: 0.05}}}}\nseries: {{members: {weight}}}\n"
    )
    assert main(["calibrate", str(scen), "--history", str(hist), "--fit", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "fit.yaml:2: series.members: Input should be a finite number" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- run folders


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("run")
    (tmp / "s.yaml").write_text(TINY + "variants: {more: {members: {initial: 30}}}\n")
    out = tmp / "run"
    assert main(["run", str(tmp / "s.yaml"), "--all-variants", "--out", str(out), "--quiet", "--no-report"]) == 0
    return out


def copy_run(run_dir: Path, tmp_path: Path) -> Path:
    import shutil

    dst = tmp_path / "run"
    shutil.copytree(run_dir, dst)
    return dst


@pytest.mark.slow  # builds reports from a run folder
def test_run_folder_has_a_manifest_that_report_checks(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads((run_dir / "run-manifest.json").read_text())
    assert {"timeseries.parquet", "scenario.resolved.yaml", "summary.json"} <= set(doc["files"])
    assert all(len(v["sha256"]) == 64 for v in doc["files"].values())
    r = copy_run(run_dir, tmp_path)
    assert main(["report", str(r)]) == 0
    capsys.readouterr()
    # a truncated time series (a kill, a bad copy): named, no traceback
    data = (r / "timeseries.parquet").read_bytes()
    (r / "timeseries.parquet").write_bytes(data[: len(data) // 2])
    assert main(["report", str(r)]) == 2
    assert "timeseries.parquet: changed since it was written" in capsys.readouterr().err


def test_report_refuses_a_folder_without_manifest(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = copy_run(run_dir, tmp_path)
    (r / "run-manifest.json").unlink()
    assert main(["report", str(r)]) == 2
    assert "no run-manifest.json: not a complete growthsim run folder" in capsys.readouterr().err
    assert not (r / "report.html").exists()


def rewrite(r: Path) -> None:
    from growthsim.rundir import write_manifest

    write_manifest(r)


@pytest.mark.parametrize(
    "damage, message",
    [
        ("garbage-parquet", "timeseries.parquet: not a readable parquet time series (truncated or corrupt?)"),
        ("garbage-yaml", "scenario.resolved.yaml:2: not valid YAML"),
        ("latin1-yaml", "scenario.resolved.yaml: not a UTF-8 text file"),
        ("no-members", "timeseries.parquet: members: required column missing"),
        (
            "labels",
            "variant: plan labels do not match scenario.resolved.yaml: expected ['base', 'more'], found ['base', 'other']",
        ),
    ],
)
def test_report_on_damaged_run_folders(
    damage: str, message: str, run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Damage that a manifest rewritten afterwards would not catch (or a folder from
    another tool): the readers still refuse it cleanly."""
    r = copy_run(run_dir, tmp_path)
    ts = r / "timeseries.parquet"
    if damage == "garbage-parquet":
        ts.write_bytes(b"PAR1" + os.urandom(3000))
    elif damage == "garbage-yaml":
        (r / "scenario.resolved.yaml").write_text("base: [\n")
    elif damage == "latin1-yaml":
        (r / "scenario.resolved.yaml").write_bytes("base: {name: caf\xe9}\n".encode("latin-1"))
    elif damage == "no-members":
        pd.read_parquet(ts).drop(columns=["members"]).to_parquet(ts)
    else:
        df = pd.read_parquet(ts)
        df["variant"] = df["variant"].replace({"more": "other"})
        df.to_parquet(ts)
    rewrite(r)
    assert main(["report", str(r)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (r / "report.html").exists()


def test_existing_out_is_refused_unless_force_which_replaces_it_whole(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(TINY)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("old")
    assert main(["run", str(s), "--out", str(out), "--quiet", "--no-report"]) == 2
    assert "the folder exists and is not empty; pass --force" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]
    assert main(["run", str(s), "--out", str(out), "--quiet", "--no-report", "--force"]) == 0
    assert not (out / "report.html").exists() and (out / "run-manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.yaml"]  # no .partial / .old left


def test_stale_partial_folder_is_cleaned_up_and_never_a_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = tmp_path / "s.yaml"
    s.write_text(TINY)
    stale = tmp_path / ".out.partial"
    stale.mkdir()
    (stale / "timeseries.parquet").write_text("half")
    assert main(["report", str(stale)]) == 2  # no manifest: not a result
    assert main(["run", str(s), "--out", str(tmp_path / "out"), "--quiet", "--no-report"]) == 0
    assert not stale.exists()


def test_out_below_a_file_or_unwritable_fails_before_the_simulation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import growthsim.runner as runner  # `run` imports run_plans from the runner when it runs

    s = tmp_path / "s.yaml"
    s.write_text(TINY)
    (tmp_path / "afile").write_text("x")
    ran = []
    monkeypatch.setattr(runner, "run_plans", lambda *a, **k: ran.append(1))
    assert main(["run", str(s), "--out", str(tmp_path / "afile" / "sub"), "--quiet"]) == 2
    assert f"{tmp_path / 'afile'} is a file, not a folder" in capsys.readouterr().err
    # root passes every permission check, so the check itself is exercised: os.access as
    # an ordinary user would answer it for a read-only folder
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **k: False if Path(p) == ro else real(p, m, **k))
    assert main(["run", str(s), "--out", str(ro / "out"), "--quiet"]) == 2
    assert f"cannot write in {ro} (permission denied)" in capsys.readouterr().err
    # and a folder that cannot be created (mkdir fails as it would without permission)
    monkeypatch.setattr(os, "access", real)
    real_mkdir = Path.mkdir

    def deny(self: Path, *a: object, **k: object) -> None:
        if self.name.endswith(".partial"):
            raise PermissionError(13, "Permission denied")
        real_mkdir(self, *a, **k)

    monkeypatch.setattr(Path, "mkdir", deny)
    assert main(["run", str(s), "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert "cannot create the output folder (Permission denied)" in capsys.readouterr().err
    assert ran == []


def test_files_honour_the_umask(tmp_path: Path) -> None:
    from growthsim.io import atomic_write_text

    old = os.umask(0o027)
    try:
        p = atomic_write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o640


# --------------------------------------------------------------------------- sweeps


SWEEP = """\
factors: {members.churn.base_hazard: {values: [0.01, 0.02]}}
replicates: 2
outputs: {kpis: [members_final]}
"""


def test_corrupt_checkpoint_under_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = experiment(tmp_path, SWEEP)
    out = tmp_path / "o"
    from growthsim.experiments.sweep import run_sweep

    run_sweep(f, workers=0, out=out, batch_size=1)
    part = sorted((out / "parts").glob("results-*.parquet"))[1]
    part.write_bytes(part.read_bytes()[:40])
    assert main(["sweep", str(f), "--resume", str(out), "--workers", "0", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{part.name}: not a readable parquet checkpoint" in err and "delete it and resume" in err
    (out / "manifest.json").write_bytes(b"\xff\xfe garbage")
    assert main(["sweep", str(f), "--resume", str(out), "--workers", "0", "--no-progress"]) == 2
    assert "cannot read manifest.json" in capsys.readouterr().err


def test_garbage_results_under_sensitivity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = experiment(
        tmp_path,
        "factors: {members.churn.base_hazard: {low: 0.01, high: 0.02}}\n"
        "design: {type: sobol, n: 2}\noutputs: {kpis: [members_final]}\n",
    )
    res = tmp_path / "res"
    res.mkdir()
    (res / "results.parquet").write_bytes(b"not parquet at all")
    assert main(["sensitivity", str(f), "--results", str(res), "--out", str(tmp_path / "o"), "--no-tornado"]) == 2
    assert "results.parquet: not a readable parquet sweep results table" in capsys.readouterr().err
    pd.DataFrame(
        {"run": [0], "point": [99], "replicate": [0], "seed": [1], "status": ["ok"], "members_final": [1.0]}
    ).to_parquet(res / "results.parquet")
    assert main(["sensitivity", str(f), "--results", str(res), "--out", str(tmp_path / "o"), "--no-tornado"]) == 2
    assert "point: expected point numbers 0..5 of this experiment's design, found 99..99" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_grid_run_count_uses_python_integers() -> None:
    from types import SimpleNamespace

    from growthsim.experiments import design

    fac = SimpleNamespace(values=None, levels=512, low=0.0, high=1.0)
    exp = SimpleNamespace(
        spec=SimpleNamespace(design=SimpleNamespace(type="grid", levels=3), factors={f"f{i}": fac for i in range(8)}),
        kinds={f"f{i}": "float" for i in range(8)},
        factor_names=[f"f{i}" for i in range(8)],
    )
    assert design.expected_points(exp) == 512**8  # np.prod gave 0 (int64 overflow)
