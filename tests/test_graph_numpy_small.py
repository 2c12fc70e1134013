"""The numpy graph samplers at small sizes: exact properties, and the same distribution
of graphs as the networkx generators they replace.

Tolerances. Statistics of a graph (edge count, degree mean / variance / min / max,
transitivity) are averaged over ``S`` seeds on each path; the two means must differ by
at most ``Z = 5`` standard errors of their difference, ``sqrt(sd_np^2 / S + sd_nx^2 / S)``
with ``sd`` the spread of the statistic over the seeds of each path (under a normal
approximation a false alarm has probability about 6e-7 per statistic; the seeds are
fixed, so a pass is reproducible). A statistic with no spread on both paths (the WS edge
count) must be equal. Edge counts of G(n, p) / SBM block pairs are also checked against
their exact expectation ``pairs * p`` with the binomial standard error
``sqrt(pairs p (1 - p) / S)``, again 5 of them.

The last tests plant the old bugs (repeats dropped instead of redrawn) and check that
these comparisons catch them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from growthsim.graph import build_graph
from growthsim.graph import generators as gen
from growthsim.graph.core import Graph
from growthsim.scenario.schema import GraphSpec

Z = 5.0
STATS = ("edges", "mean degree", "degree variance", "min degree", "max degree", "transitivity")


def graph_stats(g: Graph) -> np.ndarray:
    d = g.degree()
    A = sp.csr_matrix((np.ones(g.indices.shape[0]), g.indices, g.indptr), shape=(g.n, g.n))
    closed = float((A @ A).multiply(A).sum())  # 6 x triangles
    triples = float((d * (d - 1)).sum())  # 2 x connected triples
    return np.array([g.edge_count, d.mean(), d.var(), d.min(), d.max(), closed / triples if triples else 0.0])


def sample(spec: GraphSpec, n: int, seeds: range, **path: object) -> np.ndarray:
    return np.array([graph_stats(build_graph(spec, n, s, cache=False, **path)) for s in seeds])  # type: ignore[arg-type]


def mismatches(spec: GraphSpec, n: int, S: int) -> list[str]:
    """Statistics whose numpy and networkx means over ``S`` seeds differ by more than
    ``Z`` standard errors (the two paths use disjoint seeds)."""
    a = sample(spec, n, range(S))
    b = sample(spec, n, range(1000, 1000 + S), reference=True)
    ma, mb = a.mean(0), b.mean(0)
    se = np.sqrt(a.var(0, ddof=1) / S + b.var(0, ddof=1) / S)
    bad = np.abs(ma - mb) > Z * se
    return [f"{STATS[i]}: numpy {ma[i]:.4g} vs networkx {mb[i]:.4g} (se {se[i]:.2g})" for i in np.flatnonzero(bad)]


CASES = [
    ("watts_strogatz", dict(mean_degree=10, rewire_prob=0.3)),
    ("erdos_renyi", dict(mean_degree=10)),
    ("sbm", dict(mean_degree=10, blocks=4, within_block_share=0.7)),
]


@pytest.mark.parametrize("n,S", [(200, 60), (2000, 12)])
@pytest.mark.parametrize("model,params", CASES, ids=[c[0] for c in CASES])
def test_same_distribution_as_networkx(model: str, params: dict, n: int, S: int) -> None:
    assert mismatches(GraphSpec(model=model, **params), n, S) == []


# --------------------------------------------------------------------------- exact


def expected_pair_counts(spec: GraphSpec, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Number of pairs and edge probability of each block pair ``a <= b``."""
    from growthsim.graph.core import block_sizes

    s = block_sizes(n, spec.blocks).astype(np.int64)
    if spec.model == "erdos_renyi":
        s = np.array([n])
        P = np.array([[min(1.0, spec.mean_degree / (n - 1))]])
    else:
        P = gen.sbm_probs(s, spec.mean_degree, spec.within_block_share)
    a, b = np.triu_indices(s.shape[0])
    pairs = np.where(a == b, s[a] * (s[a] - 1) // 2, s[a] * s[b])
    return pairs, P[a, b]


def pair_counts(g: Graph, blocks: int) -> np.ndarray:
    rows = np.repeat(np.arange(g.n), g.degree())
    up = rows < g.indices
    bu, bv = g.block[rows[up]], g.block[g.indices[up]]
    counts = np.zeros((blocks, blocks), dtype=np.int64)
    np.add.at(counts, (np.minimum(bu, bv), np.maximum(bu, bv)), 1)
    return counts[np.triu_indices(blocks)]


def edge_count_misses(spec: GraphSpec, n: int, S: int) -> list[str]:
    """Block pairs whose mean edge count over ``S`` seeds is more than ``Z`` binomial
    standard errors from ``pairs * p``."""
    pairs, p = expected_pair_counts(spec, n)
    blocks = 1 if spec.model == "erdos_renyi" else spec.blocks
    got = np.array([pair_counts(build_graph(spec, n, s, cache=False), blocks) for s in range(S)]).mean(0)
    se = np.sqrt(pairs * p * (1 - p) / S)
    bad = np.abs(got - pairs * p) > Z * np.maximum(se, 1e-9)
    return [f"block pair {i}: mean {got[i]:.1f} edges, expected {pairs[i] * p[i]:.1f}" for i in np.flatnonzero(bad)]


EXACT_CASES = [
    ("erdos_renyi", 200, dict(mean_degree=40)),  # p = 0.2: redrawn repeats
    ("erdos_renyi", 100, dict(mean_degree=60)),  # p = 0.61: pairs chosen by index
    ("sbm", 300, dict(mean_degree=30, blocks=3, within_block_share=0.8)),  # within p = 0.24
    ("sbm", 120, dict(mean_degree=40, blocks=3, within_block_share=0.5)),  # within p = 0.51
]


@pytest.mark.parametrize("model,n,params", EXACT_CASES)
def test_edge_counts_match_gnp_expectation(model: str, n: int, params: dict) -> None:
    assert edge_count_misses(GraphSpec(model=model, **params), n, 40) == []


def raw_ws_problems(n: int, mean_degree: float, rewire_prob: float, seed: int) -> list[str]:
    """Exact properties of ``ws_numpy``'s raw edge list (before the CSR would drop
    anything): no self-loops, no repeated pairs, ``n k / 2`` edges, near ends kept."""
    k = gen.ws_k(mean_degree, n)
    u, v = gen.ws_numpy(n, mean_degree, rewire_prob, np.random.default_rng(seed))
    out = []
    if u.shape[0] != n * k // 2:
        out.append(f"{u.shape[0]} edges, expected {n * k // 2}")
    if np.any(u == v):
        out.append(f"{int(np.sum(u == v))} self-loops")
    key = np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)
    if np.unique(key).shape[0] != key.shape[0]:
        out.append(f"{key.shape[0] - np.unique(key).shape[0]} repeated pairs")
    if not np.array_equal(u, np.repeat(np.arange(n), k // 2)):
        out.append("near ends moved")
    return out


@pytest.mark.parametrize("n,mean_degree,rewire_prob", [(200, 10, 0.3), (2000, 20, 0.1), (200, 10, 1.0), (40, 20, 0.5)])
def test_watts_strogatz_exact(n: int, mean_degree: float, rewire_prob: float) -> None:
    for seed in range(5):
        assert raw_ws_problems(n, mean_degree, rewire_prob, seed) == []
    g = build_graph(GraphSpec(model="watts_strogatz", mean_degree=mean_degree, rewire_prob=rewire_prob), n, 3)
    assert g.edge_count == n * gen.ws_k(mean_degree, n) // 2


def test_watts_strogatz_saturated_people_keep_their_edges() -> None:
    """k = n - 1: everyone is linked to everyone, no edge can move (networkx skips the
    rewiring), the graph stays complete; a little larger, edges still all land."""
    for seed in range(5):
        g = build_graph(GraphSpec(model="watts_strogatz", mean_degree=10, rewire_prob=0.9), 11, seed, cache=False)
        assert np.all(g.degree() == 10)
        g = build_graph(GraphSpec(model="watts_strogatz", mean_degree=10, rewire_prob=0.9), 13, seed, cache=False)
        assert g.edge_count == 13 * 10 // 2


def test_block_pair_counts_kernel() -> None:
    sizes = np.array([5, 0, 40, 1, 30])
    indptr, indices = gen.sbm_numpy(sizes, gen.sbm_probs(sizes, 6.0, 0.5), np.random.default_rng(0))
    got = gen._block_pair_counts(indptr, indices, np.cumsum(sizes))
    block = np.repeat(np.arange(5), sizes)
    rows = np.repeat(np.arange(76), np.diff(indptr))
    up = rows < indices
    want = np.zeros((5, 5), dtype=np.int64)
    np.add.at(want, (block[rows[up]], block[indices[up]]), 1)
    assert np.array_equal(got, want) and got.sum() == indptr[-1] // 2


# --------------------------------------------------------------------------- planted bugs


def _rewire_dropping(n, half, slots, u, v, draws, start, moved, table, deg) -> int:
    """The old rewiring: one draw each, collisions left for the CSR to drop."""
    v[slots] = (u[slots].astype(np.int64) + draws[: slots.shape[0]]) % n
    return slots.shape[0]


def _rewire_ignoring_lattice(n, half, slots, u, v, draws, start, moved, table, deg) -> int:
    """Avoids the moved edges' pairs only (forgets the lattice edges that stay)."""
    taken: set[tuple[int, int]] = set()
    d = 0
    for s in slots.tolist():
        a = int(u[s])
        while True:
            c = (a + int(draws[d])) % n
            d += 1
            if (min(a, c), max(a, c)) not in taken:
                break
        taken.add((min(a, c), max(a, c)))
        v[s] = c
    return slots.shape[0]


@pytest.mark.parametrize("bug", [_rewire_dropping, _rewire_ignoring_lattice], ids=["dropping", "no-lattice"])
def test_planted_watts_strogatz_bugs_are_caught(bug: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen, "_ws_rewire", bug)
    assert raw_ws_problems(200, 10, 0.3, 0) != []
    assert mismatches(GraphSpec(model="watts_strogatz", mean_degree=10, rewire_prob=0.3), 200, 60) != []


@pytest.mark.parametrize("model,n,params", EXACT_CASES[:1] + EXACT_CASES[2:3])
def test_planted_dropped_repeats_are_caught(model: str, n: int, params: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """No redrawing rounds: repeats dropped, as the large-market samplers used to."""
    monkeypatch.setattr(gen, "_SBM_ROUNDS", 0)
    assert edge_count_misses(GraphSpec(model=model, **params), n, 40) != []


def test_csr_add_edges_equals_a_rebuild() -> None:
    """Adding edges in place (the shortfall rounds) gives the CSR of all the edges:
    self-loops, edges already there and repeats among the new ones dropped."""
    from growthsim.graph.core import csr_add_edges, csr_from_edges

    rng = np.random.default_rng(3)
    n = 300
    u, v = rng.integers(0, n, 2000), rng.integers(0, n, 2000)
    x, y = rng.integers(0, n, 400), rng.integers(0, n, 400)
    x[:50], y[:50] = u[:50], v[:50]  # already there
    x[50:60], y[50:60] = y[60:70], x[60:70]  # repeats within the new ones, reversed
    x[70:75] = y[70:75]  # self-loops
    indptr, indices = csr_from_edges(n, u, v)
    indices = csr_add_edges(indptr, indices, x, y)
    want = csr_from_edges(n, np.concatenate((u, x)), np.concatenate((v, y)))
    assert np.array_equal(indptr, want[0]) and np.array_equal(indices, want[1])
