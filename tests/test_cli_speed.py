"""`growthsim --help` and `growthsim check` answer without loading the engine: mesa,
numba, pandas and matplotlib are imported only by the commands that need them. Checked
on the modules a fresh interpreter has loaded (a timing would depend on the machine);
the measured wall time is printed for the record."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from growthsim.cli import LAZY_COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("mesa", "numba", "pandas", "matplotlib", "scipy", "dask", "networkx")

PROBE = """
import sys, json
from growthsim.cli import main
try:
    rc = main(sys.argv[1:])
except SystemExit as e:
    rc = e.code
print(json.dumps({"rc": rc, "heavy": sorted(m for m in %r if m in sys.modules)}), file=sys.stderr)
""" % (HEAVY,)  # noqa: UP031 (the braces of the probe stay literal)


def _probe(*args: str) -> tuple[dict, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    wall = time.perf_counter() - t0
    return json.loads(proc.stderr.strip().splitlines()[-1]), wall


@pytest.mark.parametrize(
    "args", [["--help"], ["check", "scenarios/baseline.yaml", "--brief"], ["init", "--list"], ["run", "--help"]]
)
def test_light_commands_do_not_load_the_engine(args):
    found, wall = _probe(*args)
    print(f"\n{' '.join(args)}: {wall:.2f} s (fresh interpreter, this machine's load)")
    assert found["rc"] == 0
    assert found["heavy"] == []


def test_running_a_command_does_load_what_it_needs():
    """Control: the probe does see heavy modules when a command imports them."""
    found, _wall = _probe("report", "/nonexistent-run-folder")
    assert found["rc"] == 2 and "pandas" in found["heavy"]


def test_the_lazy_table_matches_the_commands_own_help():
    full = build_parser()
    sub = next(a for a in full._actions if a.__class__.__name__ == "_SubParsersAction")
    helps = {a.dest: a.help for a in sub._choices_actions}
    for name, (_module, text) in LAZY_COMMANDS.items():
        assert helps.get(name) == text, name
    # every command of the full parser is listed by the light --help
    light = build_parser(["--help"])
    sub_l = next(a for a in light._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(sub_l.choices) == set(sub.choices)
