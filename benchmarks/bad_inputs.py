"""Time and peak memory of growthsim refusing each bad input (issue: hardening).

Each case runs ``growthsim ...`` in a fresh child process that reports its peak RSS
(``getrusage``) and the seconds spent after importing every command module. The baseline
is ``growthsim check`` of a valid small scenario, in the same run: the ratio column is
case / baseline. Run: ``.venv/bin/python benchmarks/bad_inputs.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_hardening import FLOATS, TINY, billion_laughs, run_cli  # noqa: E402


def cases(d: Path) -> list[tuple[str, list[str]]]:
    s = d / "s.yaml"
    s.write_text(TINY)
    (d / "laughs.yaml").write_text(billion_laughs("name: x"))
    (d / "laughs_exp.yaml").write_text(billion_laughs("name: x\nscenario: s.yaml"))
    (d / "flow.yaml").write_text("name: x\nmembers: " + "[" * 20000 + "]" * 20000 + "\n")
    (d / "block.yaml").write_text(
        "name: x\n" + "".join(" " * i + f"k{i}:\n" for i in range(1500)) + " " * 1500 + "v: 1\n"
    )
    (d / "keys.yaml").write_text("name: x\n" + "".join(f"k{i}: {i}\n" for i in range(200_000)))
    (d / "keys60k.yaml").write_text("name: x\n" + "".join(f"k{i}: {i}\n" for i in range(60_000)))
    (d / "values.yaml").write_text("name: x\nk: [" + "1," * 400_000 + "1]\n")
    with (d / "big.csv").open("wb") as fh:
        fh.write(b"date,members\n")
        fh.truncate(200 << 20)
    with (d / "draws.csv").open("wb") as fh:  # a 3-million-row draws file is ~100 MB
        fh.write(b"draw,source,members.churn.base_hazard\n0,fit,0.01\n")
        fh.truncate(100 << 20)
    (d / "latin.csv").write_bytes("draw,source,members.churn.base_hazard\n0,fit,0.01 caf\xe9\n".encode("latin-1"))
    (d / "h.csv").write_text("date,members\n" + "".join(f"2026-01-{i:02d},{20 + i}\n" for i in range(1, 11)))
    (d / "long.yaml").write_text(TINY.replace("horizon_days: 10", "horizon_days: 3650"))
    exp = "name: e\nscenario: s.yaml\n"
    one = "factors: {members.churn.base_hazard: {low: 0.001, high: 0.01}}\n"
    (d / "sobol.yaml").write_text(exp + one + "design: {type: sobol, n: 8388608}\n")
    (d / "grid.yaml").write_text(
        exp
        + "factors:\n"
        + "".join(f"  {p}: {{low: 0.001, high: 0.01, levels: 512}}\n" for p in FLOATS)
        + "design: {type: grid}\n"
    )
    (d / "maxruns.yaml").write_text(exp + one + "max_runs: 1000000000000000000\n")
    (d / "inf.yaml").write_text(exp + "factors: {members.churn.base_hazard: {low: 0.001, high: .inf}}\n")
    (d / "nul.yaml").write_text(TINY.replace("name: tiny", 'name: "ti\\0ny"'))
    (d / "fit.yaml").write_text(
        "parameters: {members.churn.base_hazard: {min: 0.001, max: 0.05}}\nseries: {members: .nan}\n"
    )
    (d / "afile").write_text("x")
    cal = ["--param", "members.churn.base_hazard=0.001:0.05", "--out", str(d / "o")]
    return [
        ("billion laughs scenario (check)", ["check", str(d / "laughs.yaml")]),
        ("billion laughs experiment (sweep)", ["sweep", str(d / "laughs_exp.yaml"), "--workers", "0"]),
        ("20,000-deep flow nesting", ["check", str(d / "flow.yaml")]),
        ("1,500-deep block nesting", ["check", str(d / "block.yaml")]),
        ("200,000 unknown keys (2.8 MB)", ["check", str(d / "keys.yaml")]),
        ("60,000 unknown keys (0.7 MB)", ["check", str(d / "keys60k.yaml")]),
        ("400,000-value list (0.8 MB)", ["check", str(d / "values.yaml")]),
        ("200 MB history (calibrate)", ["calibrate", str(s), "--history", str(d / "big.csv"), *cal]),
        (
            "100 MB / 3M-row draws (forecast)",
            ["forecast", str(s), "--days", "5", "--draws", str(d / "draws.csv"), "--out", str(d / "o")],
        ),
        (
            "Latin-1 draws (forecast)",
            ["forecast", str(s), "--days", "5", "--draws", str(d / "latin.csv"), "--out", str(d / "o")],
        ),
        ("run --replicates 1000000000", ["run", str(s), "--replicates", "1000000000"]),
        ("forecast --pool 1000000000", ["forecast", str(s), "--days", "5", "--pool", "1000000000"]),
        ("forecast --tolerance nan", ["forecast", str(s), "--days", "5", "--tolerance", "nan"]),
        ("run 100,000 x 3,650 days", ["run", str(d / "long.yaml"), "--replicates", "100000", "--out", str(d / "o")]),
        ("sobol n = 2^23 (--yes)", ["sweep", str(d / "sobol.yaml"), "--workers", "0", "--yes"]),
        ("grid 512 levels x 8 factors (--yes)", ["sweep", str(d / "grid.yaml"), "--workers", "0", "--yes"]),
        ("max_runs: 1e18", ["sweep", str(d / "maxruns.yaml"), "--workers", "0"]),
        ("high: .inf in a factor", ["sweep", str(d / "inf.yaml"), "--workers", "0"]),
        ("NUL in a plan name", ["check", str(d / "nul.yaml")]),
        (
            "NaN weight in a fit spec",
            ["calibrate", str(s), "--history", str(d / "h.csv"), "--fit", str(d / "fit.yaml"), "--out", str(d / "o")],
        ),
        ("--out below a regular file", ["run", str(s), "--out", str(d / "afile" / "sub")]),
    ]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        todo = cases(d)
        base_code, _, base_s, base_rss = run_cli(["check", str(d / "s.yaml")], d)
        assert base_code == 0
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (times are inflated when busy)")
        print(f"baseline: check of a valid scenario: {base_s:.2f} s after import, {base_rss:.0f} MB peak RSS\n")
        print("| case | exit | s after import | peak RSS MB | RSS / baseline |")
        print("|---|---|---|---|---|")
        for name, args in todo:
            code, err, secs, rss = run_cli(args, d, timeout=300)
            print(
                f"| {name} | {code} | {secs:.2f} | {rss:.0f} | {rss / base_rss:.2f} |"
                + ("" if code == 2 and "Traceback" not in err else "  <-- not clean"),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
