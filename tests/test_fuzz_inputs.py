"""Property-based: random and mutated YAML and CSV fed to every loader.

The contract: each loader returns a result or raises :class:`growthsim.errors.UserError`
(the CLI's exit 2) — never another exception — within a bounded time (hypothesis'
``deadline``) and without building large structures (the limits of growthsim.inputs).
Examples are few and small so the suite stays fast; hypothesis shrinks a failure to a
minimal file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from growthsim.calibrate.draws import ParameterDraws
from growthsim.calibrate.history import read_history
from growthsim.calibrate.spec import load_fit_spec
from growthsim.errors import UserError
from growthsim.experiments.schema import load_experiment
from growthsim.graph.edgelist import read_edge_list
from growthsim.inputs import read_parquet_file
from growthsim.scenario.loader import ScenarioFile

SCENARIO = """\
name: fuzz
seed: 7
horizon_days: 10
replicates: 2
market: {size: 300, graph: {model: watts_strogatz, mean_degree: 8}}
members: {initial: 20, churn: {base_hazard: 0.01}}
campaigns:
  invite_reward: {reward: 8}
variants:
  more: {members: {initial: 30}}
"""

EXPERIMENT = """\
name: e
scenario: s.yaml
factors:
  members.churn.base_hazard: {low: 0.001, high: 0.02, levels: 3}
design: {type: grid}
replicates: 2
outputs: {kpis: [members_final]}
"""

FIT = """\
parameters:
  members.churn.base_hazard: {min: 0.001, max: 0.05, scale: log}
series: {members: 1}
max_evaluations: 20
"""

HISTORY = "date,members,new_members\n2026-01-01,20,1\n2026-01-02,21,1\n2026-01-03,22,2\n"
DRAWS = "draw,source,members.churn.base_hazard\n0,fit,0.01\n1,bootstrap,0.012\n"
EDGES = "a,b\n0,1\n1,2\n2,3\n"

# Pieces YAML and CSV parsers care about, so mutations reach their corner cases
TOKENS = [
    "&a ",
    "*a",
    "<<: ",
    "!!python/object ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\n",
    "\n  ",
    "#",
    ",",
    "'",
    '"',
    ".inf",
    ".nan",
    "-1",
    "1e400",
    "true",
    "null",
    "~",
    "\t",
    "\x00",
    "\ufeff",
    "é",
    "9" * 30,
    "?",
    "|",
    ">",
]


def mutated(base: str) -> st.SearchStrategy[str]:
    """``base`` with a few random edits: inserted tokens or text, deleted or repeated spans."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        text = base
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(text)))
            j = draw(st.integers(i, min(len(text), i + 40)))
            op = draw(st.sampled_from(["insert", "delete", "repeat", "replace"]))
            piece = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)))
            if op == "insert":
                text = text[:i] + piece + text[i:]
            elif op == "delete":
                text = text[:i] + text[j:]
            elif op == "repeat":
                text = text[:j] + text[i:j] * draw(st.integers(2, 50)) + text[j:]
            else:
                text = text[:i] + piece + text[j:]
        return text

    return build()


def texts(base: str) -> st.SearchStrategy[str]:
    return st.one_of(mutated(base), st.text(max_size=200), st.sampled_from(["", base]))


FUZZ = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "40")),
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=not __import__("os").environ.get("FUZZ_EXAMPLES"),
)


def contract(load, text: str | bytes, name: str, extra: dict[str, str] | None = None) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for k, v in (extra or {}).items():
            (d / k).write_text(v, encoding="utf-8")
        p = d / name
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load(p)
        except UserError as exc:
            assert str(exc) and len(str(exc)) < 20_000
            assert "Traceback" not in str(exc)


def _surrogate_safe(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")


@FUZZ
@given(texts(SCENARIO))
def test_scenario_loader(text: str) -> None:
    contract(ScenarioFile, _surrogate_safe(text), "s.yaml")


@FUZZ
@given(texts(EXPERIMENT))
def test_experiment_loader(text: str) -> None:
    contract(load_experiment, _surrogate_safe(text), "exp.yaml", {"s.yaml": SCENARIO})


@FUZZ
@given(texts(FIT))
def test_fit_spec_loader(text: str) -> None:
    contract(load_fit_spec, _surrogate_safe(text), "fit.yaml")


@FUZZ
@given(st.one_of(texts(HISTORY), st.binary(max_size=200)))
def test_history_reader(text: str | bytes) -> None:
    contract(read_history, text if isinstance(text, bytes) else _surrogate_safe(text), "h.csv")


@FUZZ
@given(st.one_of(texts(DRAWS), st.binary(max_size=200)))
def test_draws_reader(text: str | bytes) -> None:
    contract(ParameterDraws.read, text if isinstance(text, bytes) else _surrogate_safe(text), "d.csv")


@FUZZ
@given(st.one_of(texts(EDGES), st.binary(max_size=200)))
def test_edge_list_reader(text: str | bytes) -> None:
    contract(lambda p: read_edge_list(p, 10), text if isinstance(text, bytes) else _surrogate_safe(text), "e.csv")


def _parquet_bytes() -> bytes:
    import io

    import pandas as pd

    buf = io.BytesIO()
    pd.DataFrame({"run": [0, 1], "x": [1.0, 2.0]}).to_parquet(buf)
    return buf.getvalue()


PARQUET = _parquet_bytes()


@FUZZ
@given(st.integers(0, len(PARQUET)), st.integers(0, len(PARQUET)), st.binary(max_size=8))
def test_parquet_reader(i: int, j: int, junk: bytes) -> None:
    """A truncated or overwritten parquet file (a run folder's, a sweep's)."""
    lo, hi = min(i, j), max(i, j)
    contract(lambda p: read_parquet_file(p, "table", ("run",)), PARQUET[:lo] + junk + PARQUET[hi:], "t.parquet")
