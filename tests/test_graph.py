"""Tests of growthsim.graph: CSR invariants, model statistics, blocks, caching, edge lists."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from growthsim.errors import InputFileError, ScenarioError, UserError
from growthsim.graph import (
    Graph,
    block_index,
    block_members,
    build_graph,
    clear_graph_cache,
    from_networkx,
    hubs,
    to_networkx,
)
from growthsim.graph.generators import plc_m, ws_k
from growthsim.scenario.schema import GraphSpec

WIRED = ["complete", "erdos_renyi", "watts_strogatz", "powerlaw_cluster", "sbm"]
NX: dict = {"reference": True}  # the networkx generators (the reference distributions)
NP: dict = {"numpy_threshold": 0}  # the numpy generators (powerlaw_cluster's stand-in too)


def assert_csr(g: Graph) -> None:
    """Structural invariants every built graph must satisfy."""
    assert g.indptr.dtype == np.int64 and g.indices.dtype == np.int32
    assert g.block.dtype == np.int32 and g.block.shape == (g.n,)
    assert g.indptr[0] == 0 and np.all(np.diff(g.indptr) >= 0)
    assert g.indptr[-1] == g.indices.shape[0]
    rows = np.repeat(np.arange(g.n, dtype=np.int64), g.degree())
    cols = g.indices.astype(np.int64)
    if cols.size:
        assert cols.min() >= 0 and cols.max() < g.n
    assert not np.any(rows == cols), "self-loop"
    # strictly increasing within each row: sorted and no duplicates
    same_row = rows[1:] == rows[:-1]
    assert np.all(cols[1:][same_row] > cols[:-1][same_row])
    # symmetric: the multiset of (i, j) equals the multiset of (j, i)
    fwd = np.sort(rows * g.n + cols)
    bwd = np.sort(cols * g.n + rows)
    assert np.array_equal(fwd, bwd)
    assert g.indices.shape[0] % 2 == 0 and g.edge_count == g.indices.shape[0] // 2
    assert 0 <= g.block.min() and g.block.max() < g.n_blocks
    for a in (g.indptr, g.indices, g.block):
        assert not a.flags.writeable


def sampled_clustering(g: Graph, k: int) -> float:
    """Mean local clustering coefficient of ``k`` random people of degree >= 2."""
    rng = np.random.default_rng(0)
    deg = g.degree()
    people = rng.choice(np.flatnonzero(deg >= 2), size=k, replace=False)
    values = []
    for i in people:
        nb = g.neighbors(int(i))
        links = sum(np.intersect1d(nb, g.neighbors(int(j)), assume_unique=True).size for j in nb)
        values.append(links / (len(nb) * (len(nb) - 1)))  # links counts each triangle twice
    return float(np.mean(values))


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize("path", [NX, NP], ids=["networkx", "numpy"])
@pytest.mark.parametrize("model", WIRED)
def test_models_csr_and_mean_degree(model: str, path: dict) -> None:
    n = 400 if model == "complete" else 4000
    spec = GraphSpec(model=model, mean_degree=12, blocks=3, within_block_share=0.7)
    g = build_graph(spec, n, 7, **path, cache=False)
    assert_csr(g)
    assert not g.well_mixed and g.n == n and g.n_blocks == 3
    assert g.mean_degree == pytest.approx(g.indptr[-1] / n)
    if model == "complete":
        assert np.all(g.degree() == n - 1)
    else:
        # 5%: ER/SBM edge counts have sd ~ 2*sqrt(24000)/4000 = 0.08 (0.6% of 12); WS is
        # exact; Holme-Kim and the stand-in's closure rounds lose at most ~1% to repeats.
        assert g.mean_degree == pytest.approx(12, rel=0.05)


@pytest.mark.parametrize("model", ["erdos_renyi", "watts_strogatz", "powerlaw_cluster", "sbm"])
def test_numpy_path_moderate_n(model: str) -> None:
    """The numpy generators on 30,000 people (powerlaw_cluster's stand-in: threshold
    lowered to 1,000)."""
    spec = GraphSpec(model=model, mean_degree=20, blocks=4)
    g = build_graph(spec, 30_000, 3, numpy_threshold=1000, cache=False)
    assert_csr(g)
    assert g.mean_degree == pytest.approx(20, rel=0.03)  # see test above; n larger here


@pytest.mark.parametrize("path", [NX, NP], ids=["networkx", "numpy"])
@pytest.mark.parametrize("model", WIRED + ["well_mixed"])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_tiny_markets(model: str, n: int, path: dict) -> None:
    g = build_graph(GraphSpec(model=model, blocks=3), n, 0, **path, cache=False)
    assert_csr(g)
    assert g.n == n


@pytest.mark.parametrize("path", [NX, NP], ids=["networkx", "numpy"])
def test_sbm_within_block_share(path: dict) -> None:
    spec = GraphSpec(model="sbm", mean_degree=12, blocks=3, within_block_share=0.7)
    g = build_graph(spec, 6000, 11, **path, cache=False)
    rows = np.repeat(np.arange(g.n), g.degree())
    share = np.mean(g.block[rows] == g.block[g.indices])
    # ~36,000 edges: binomial sd of the share ~ 0.0024; 0.02 is > 8 sd
    assert share == pytest.approx(0.7, abs=0.02)
    per_block = np.bincount(g.block, weights=g.degree()) / np.bincount(g.block)
    assert np.allclose(per_block, 12, rtol=0.05)  # equal blocks: every block averages 12


def test_sbm_unequal_blocks_and_no_mixing() -> None:
    spec = GraphSpec(model="sbm", mean_degree=10, blocks=2, block_shares=[1, 3], within_block_share=1.0)
    for path in (NX, NP):
        g = build_graph(spec, 4000, 5, **path, cache=False)
        rows = np.repeat(np.arange(g.n), g.degree())
        assert np.all(g.block[rows] == g.block[g.indices])  # within share 1: no bridges
        assert g.mean_degree == pytest.approx(10, rel=0.05)


def test_watts_strogatz_without_rewiring_is_a_ring_lattice() -> None:
    g = build_graph(GraphSpec(model="watts_strogatz", mean_degree=6, rewire_prob=0.0), 1000, 1, **NP, cache=False)
    assert np.array_equal(g.neighbors(0), [1, 2, 3, 997, 998, 999])
    assert np.all(g.degree() == 6)
    assert ws_k(5, 1000) == 6 and ws_k(20, 1000) == 20 and ws_k(20, 8) == 6
    assert plc_m(20) == 10 and plc_m(1) == 1


@pytest.mark.parametrize("path,n", [(NX, 5000), (NP, 20000)], ids=["networkx", "numpy"])
def test_powerlaw_cluster_heavy_tail_and_clustering(path: dict, n: int) -> None:
    spec = GraphSpec(model="powerlaw_cluster", mean_degree=10, triangle_prob=0.8)
    g = build_graph(spec, n, 2, **path, cache=False)
    deg = g.degree()
    # a Poisson graph of mean 10 has max degree ~25 at these sizes; a k^-3 tail gives hundreds
    assert deg.max() > 10 * g.mean_degree
    er = build_graph(GraphSpec(model="erdos_renyi", mean_degree=10), n, 2, cache=False)
    assert er.degree().max() < 4 * er.mean_degree
    # triangle closing: local clustering far above the ER value (~ mean/n <= 0.002)
    assert sampled_clustering(g, 300) > 0.05
    assert sampled_clustering(er, 300) < 0.01


# --------------------------------------------------------------------------- blocks


def test_block_labels_and_index() -> None:
    spec = GraphSpec(model="erdos_renyi", mean_degree=4, blocks=3, block_shares=[1, 1, 2])
    g = build_graph(spec, 1000, 0, cache=False)
    assert np.array_equal(np.bincount(g.block), [250, 250, 500])
    assert np.all(np.diff(g.block) >= 0)  # contiguous id ranges
    bptr, members = block_index(g)
    assert np.array_equal(bptr, [0, 250, 500, 1000])
    assert np.array_equal(members, np.arange(1000))
    assert np.array_equal(block_members(g, 2), np.arange(500, 1000))
    with pytest.raises(IndexError):
        block_members(g, 3)


def test_block_index_of_scattered_labels() -> None:
    G = nx.path_graph(6)
    g = from_networkx(G, block=[1, 0, 1, 2, 0, 1])
    bptr, members = block_index(g)
    assert np.array_equal(bptr, [0, 2, 5, 6])
    assert np.array_equal(members, [1, 4, 0, 2, 5, 3])


def test_well_mixed() -> None:
    g = build_graph(GraphSpec(model="well_mixed", mean_degree=35, blocks=2), 10_000, 1)
    assert g.well_mixed and g.mean_degree == 35 and g.edge_count == 0
    assert np.all(g.indptr == 0) and g.indices.size == 0
    assert np.array_equal(np.bincount(g.block), [5000, 5000])
    with pytest.raises(ValueError):
        to_networkx(g)


def test_complete_limit() -> None:
    g = build_graph(GraphSpec(model="complete"), 30, 0, cache=False)
    assert g.edge_count == 30 * 29 // 2 and g.mean_degree == 29
    with pytest.raises(ScenarioError, match="well_mixed") as info:
        build_graph(GraphSpec(model="complete"), 20_001, 0)
    assert isinstance(info.value, UserError) and "market.graph.model" in str(info.value)


# --------------------------------------------------------------------------- determinism, cache


@pytest.mark.parametrize("path", [NX, NP], ids=["networkx", "numpy"])
@pytest.mark.parametrize("model", ["erdos_renyi", "watts_strogatz", "powerlaw_cluster", "sbm"])
def test_deterministic(model: str, path: dict) -> None:
    spec = GraphSpec(model=model, mean_degree=8, blocks=2)
    a = build_graph(spec, 2000, 42, **path, cache=False)
    b = build_graph(spec, 2000, 42, **path, cache=False)
    c = build_graph(spec, 2000, 43, **path, cache=False)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))
    # spec.seed wins over the scenario seed
    pinned = spec.model_copy(update={"seed": 42})
    d = build_graph(pinned, 2000, 999, **path, cache=False)
    assert np.array_equal(a.indices, d.indices)


def test_cache_reuses_and_is_bounded() -> None:
    clear_graph_cache()
    spec = GraphSpec(model="watts_strogatz", mean_degree=4)
    g1 = build_graph(spec, 500, 1)
    assert build_graph(spec, 500, 1) is g1
    assert build_graph(spec.model_copy(update={"rewire_prob": 0.2}), 500, 1) is not g1
    for seed in range(2, 6):  # four more graphs push g1 out of a 4-slot cache
        build_graph(spec, 500, seed)
    g1b = build_graph(spec, 500, 1)
    assert g1b is not g1 and np.array_equal(g1b.indices, g1.indices)
    with pytest.raises(ValueError):
        g1b.indices[0] = 3  # read-only: a cached graph cannot be changed
    with pytest.raises(AttributeError):
        g1b.n = 4  # frozen dataclass


# --------------------------------------------------------------------------- helpers


def test_hubs_degree_neighbors() -> None:
    G = nx.star_graph(4)  # 0 is the centre of leaves 1..4
    G.add_edge(5, 6)
    G.add_edge(5, 7)
    g = from_networkx(G)
    assert np.array_equal(g.degree(), [4, 1, 1, 1, 1, 2, 1, 1])
    assert np.array_equal(hubs(g, 3), [0, 5, 1])  # ties among degree 1 go to the lowest id
    assert np.array_equal(hubs(g, 100), [0, 5, 1, 2, 3, 4, 6, 7])
    assert np.array_equal(g.neighbors(0), [1, 2, 3, 4]) and g.edge_count == 6
    with pytest.raises(IndexError):
        g.neighbors(8)


def test_networkx_round_trip() -> None:
    spec = GraphSpec(model="sbm", mean_degree=6, blocks=3)
    g = build_graph(spec, 600, 4, cache=False)
    G = to_networkx(g)
    assert G.number_of_nodes() == 600 and G.number_of_edges() == g.edge_count
    assert G.nodes[599]["block"] == 2
    h = from_networkx(G)
    assert_csr(h)
    for name in ("indptr", "indices", "block"):
        assert np.array_equal(getattr(g, name), getattr(h, name))
    assert h.n_blocks == 3 and h.mean_degree == pytest.approx(g.mean_degree)


def test_from_networkx_relabels_and_cleans() -> None:
    G = nx.DiGraph([("b", "a"), ("a", "b"), ("a", "a"), ("c", "a")])
    g = from_networkx(G)
    assert_csr(g)
    # nodes numbered in G.nodes order: b=0, a=1, c=2; direction, repeats and loops dropped
    assert g.edge_count == 2 and np.array_equal(g.neighbors(1), [0, 2])


# --------------------------------------------------------------------------- edge lists


def _edge_spec(path: Path) -> GraphSpec:
    return GraphSpec(model="edge_list", path=str(path))


def test_edge_list_loading(tmp_path: Path) -> None:
    f = tmp_path / "edges.csv"
    f.write_text("source,target,weight\n0,1,0.5\n1,0,2\n2,2,1\n\n# a comment\n3,1,1\n0,1,1\n")
    g = build_graph(_edge_spec(f), 5, 0, cache=False)
    assert_csr(g)
    assert g.edge_count == 2  # 0-1 (three times, both ways) and 1-3; self-loop dropped
    assert np.array_equal(g.neighbors(1), [0, 3]) and g.degree()[4] == 0
    assert g.mean_degree == pytest.approx(4 / 5)


@pytest.mark.parametrize("text", ["0 1\n1 2\n", "0\t1\n1\t2\n", "0;1\n1;2\n", "a b\n0 1\n1 2\n"])
def test_edge_list_separators(tmp_path: Path, text: str) -> None:
    f = tmp_path / "edges.txt"
    f.write_text(text)
    g = build_graph(_edge_spec(f), 3, 0, cache=False)
    assert g.edge_count == 2 and np.array_equal(g.neighbors(1), [0, 2])


def test_edge_list_cache_sees_file_changes(tmp_path: Path) -> None:
    f = tmp_path / "edges.csv"
    f.write_text("0,1\n")
    assert build_graph(_edge_spec(f), 4, 0).edge_count == 1
    f.write_text("0,1\n2,3\n")
    assert build_graph(_edge_spec(f), 4, 0).edge_count == 2


@pytest.mark.parametrize(
    "text,n,needles",
    [
        ("a,b\n0,1\n1,x\n", 5, [":3:", "column 2", "integer", "'x'"]),
        ("0,1\n1,2.5\n", 5, [":2:", "integer", "'2.5'"]),
        ("0,1\n\n2,7\n", 5, [":3:", "0 to 4", "market.size is 5", "found 7"]),
        ("0,1\n-1,2\n", 5, [":2:", "found -1"]),
        ("0,1\n3\n", 5, [":2:", "expected 2 columns", "found 1"]),
        ("", 5, ["empty file", "found none"]),
        ("\n# only a comment\n", 5, ["empty file"]),
        ("from,to\n", 5, ["no edges", "found none"]),
    ],
    ids=["non-integer", "float", "id-too-large", "negative", "one-column", "empty", "blank", "header-only"],
)
def test_edge_list_errors(tmp_path: Path, text: str, n: int, needles: list[str]) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputFileError) as info:
        build_graph(_edge_spec(f), n, 0, cache=False)
    msg = str(info.value)
    assert str(f) in msg
    for needle in needles:
        assert needle in msg, msg


def test_edge_list_error_line_in_large_file(tmp_path: Path) -> None:
    """The fast reader hands bad files to the line scanner, which names the exact line."""
    rng = np.random.default_rng(0)
    uv = rng.integers(0, 1000, size=(5000, 2))
    uv[3210] = (5, 1000)
    f = tmp_path / "big.csv"
    f.write_text("u,v\n" + "\n".join(f"{a},{b}" for a, b in uv) + "\n")
    with pytest.raises(InputFileError, match=r"big\.csv:3212: column 2: .*found 1000"):
        build_graph(_edge_spec(f), 1000, 0, cache=False)


def test_edge_list_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found") as info:
        build_graph(_edge_spec(tmp_path / "nope.csv"), 10, 0)
    assert "market.graph.path" in str(info.value) and "nope.csv" in str(info.value)


def test_sbm_numpy_chunks_cover_all_block_pairs() -> None:
    from growthsim.graph.generators import sbm_numpy, sbm_probs

    sizes = np.array([300, 500, 200, 1000])
    P = sbm_probs(sizes, 8.0, 0.6)
    indptr, indices = sbm_numpy(sizes, P, np.random.default_rng(1), chunk=500)  # many small chunks
    block = np.repeat(np.arange(4), sizes)
    rows = np.repeat(np.arange(2000), np.diff(indptr))
    # ~8,000 edges: sd of the share ~ 0.006 and of the mean degree ~ 0.1; tolerances ~5 sd
    assert np.mean(block[rows] == block[indices]) == pytest.approx(0.6, abs=0.03)
    assert indptr[-1] / 2000 == pytest.approx(8, rel=0.06)
    counts = np.zeros((4, 4), dtype=int)
    np.add.at(counts, (block[rows], block[indices]), 1)
    assert np.all(counts > 0)  # every block pair got edges


def test_pickled_graph_stays_read_only() -> None:
    import pickle

    g = build_graph(GraphSpec(model="sbm", mean_degree=4, blocks=2), 300, 1, cache=False)
    block_index(g)  # populate the per-graph block index before pickling
    h = pickle.loads(pickle.dumps(g))
    assert np.array_equal(h.indices, g.indices) and h.n_blocks == 2
    assert h.mean_degree == g.mean_degree
    for a in (h.indptr, h.indices, h.block):
        assert not a.flags.writeable
    assert np.array_equal(block_index(h)[1], block_index(g)[1])
