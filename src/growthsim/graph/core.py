"""The :class:`Graph` container (CSR arrays) and helpers that work on any graph.

A graph is stored as compressed sparse rows: the neighbours of person ``i`` are
``indices[indptr[i]:indptr[i + 1]]``, sorted ascending. Every undirected edge appears
twice (once in each endpoint's row); there are no self-loops and no duplicates. Arrays
of a built graph are read-only so a graph shared between replicates cannot be changed
by accident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
from numba import njit

__all__ = [
    "Graph",
    "csr_from_edges",
    "block_labels",
    "block_index",
    "block_members",
    "hubs",
    "to_networkx",
    "from_networkx",
]


@dataclass(frozen=True, eq=False)
class Graph:
    """Who knows whom in a market of ``n`` people (ids ``0..n-1``).

    Attributes:
        n: people in the market.
        indptr: int64, length ``n + 1``; row pointers into ``indices``.
        indices: int32, length ``indptr[-1]``; sorted neighbour ids of each person.
            Symmetric (``j`` in row ``i`` iff ``i`` in row ``j``), no self-loops, no
            duplicates.
        block: int32, length ``n``; each person's block (region / interest category),
            ``0..n_blocks-1``.
        n_blocks: number of blocks (some may be empty in tiny markets).
        well_mixed: True for the well-mixed market: no explicit edges (``indptr`` is all
            zeros); word of mouth reaches anyone in proportion to active members.
        mean_degree: for a well-mixed market the scenario's ``mean_degree`` (the number
            of acquaintances word of mouth reaches per person); otherwise the realised
            mean degree ``2 * edge_count / n`` (people).
    """

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    block: np.ndarray
    n_blocks: int
    well_mixed: bool
    mean_degree: float

    def __post_init__(self) -> None:
        if self.indptr.dtype != np.int64 or self.indptr.shape != (self.n + 1,):
            raise ValueError(f"indptr must be int64 of length n+1={self.n + 1}")
        if self.indices.dtype != np.int32 or self.indices.ndim != 1:
            raise ValueError("indices must be a 1-d int32 array")
        if self.indptr[-1] != self.indices.shape[0]:
            raise ValueError("indptr[-1] must equal len(indices)")
        if self.block.dtype != np.int32 or self.block.shape != (self.n,):
            raise ValueError(f"block must be int32 of length n={self.n}")
        if self.n_blocks < 1:
            raise ValueError("n_blocks must be >= 1")

    def degree(self) -> np.ndarray:
        """Number of neighbours of each person (int64, length ``n``; zeros if well mixed)."""
        return np.diff(self.indptr)

    def neighbors(self, i: int) -> np.ndarray:
        """Sorted neighbour ids of person ``i`` (a read-only view into ``indices``)."""
        if not 0 <= i < self.n:
            raise IndexError(f"person {i} is not in a market of {self.n}")
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    @property
    def edge_count(self) -> int:
        """Number of undirected edges."""
        return int(self.indptr[-1] // 2)

    @cached_property
    def _block_index(self) -> tuple[np.ndarray, np.ndarray]:
        counts = np.bincount(self.block, minlength=self.n_blocks).astype(np.int64)
        bptr = np.zeros(self.n_blocks + 1, dtype=np.int64)
        np.cumsum(counts, out=bptr[1:])
        members = np.argsort(self.block, kind="stable").astype(np.int32)
        bptr.setflags(write=False)
        members.setflags(write=False)
        return bptr, members

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_block_index", None)  # recomputed on demand
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # numpy does not pickle the writeable flag: a graph sent to a worker stays read-only
        for name in ("indptr", "indices", "block"):
            state[name].setflags(write=False)
        self.__dict__.update(state)

    def __repr__(self) -> str:
        kind = "well-mixed" if self.well_mixed else f"{self.edge_count} edges"
        return f"Graph(n={self.n}, {kind}, mean_degree={self.mean_degree:.3g}, n_blocks={self.n_blocks})"


def frozen_graph(
    n: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    block: np.ndarray,
    n_blocks: int,
    well_mixed: bool,
    mean_degree: float,
) -> Graph:
    """A :class:`Graph` over these arrays, made read-only (every builder ends here)."""
    for a in (indptr, indices, block):
        a.setflags(write=False)
    return Graph(
        n=n,
        indptr=indptr,
        indices=indices,
        block=block,
        n_blocks=n_blocks,
        well_mixed=well_mixed,
        mean_degree=mean_degree,
    )


# --------------------------------------------------------------------------- CSR assembly


@njit(cache=True)
def _sort_dedupe(n: int, indptr: np.ndarray, indices: np.ndarray) -> int:
    """Sort every row and drop repeated entries, compacting ``indices`` in place (the
    write position never passes the read position) and rewriting ``indptr``. Returns the
    new number of entries. Short rows use insertion sort (most rows of a social graph
    are short); long unsorted rows use numpy's sort."""
    w = 0
    start = 0
    for i in range(n):
        end = indptr[i + 1]
        if end - start <= 48:
            for j in range(start + 1, end):
                x = indices[j]
                k = j - 1
                while k >= start and indices[k] > x:
                    indices[k + 1] = indices[k]
                    k -= 1
                indices[k + 1] = x
        else:
            ordered = True
            for j in range(start + 1, end):
                if indices[j] < indices[j - 1]:
                    ordered = False
                    break
            if not ordered:
                indices[start:end].sort()
        last = -1
        for j in range(start, end):
            x = indices[j]
            if x != last:
                indices[w] = x
                w += 1
                last = x
        indptr[i + 1] = w
        start = end
    return w


@njit(cache=True)
def _csr_kernel(
    n: int, u: np.ndarray, v: np.ndarray, old_ptr: np.ndarray, old_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """Counting sort of both directions of each edge after the rows of an existing CSR
    (``old_ptr`` of length ``n + 1`` or length 0 for none), then sort + dedupe."""
    m = u.shape[0]
    has_old = old_ptr.shape[0] > 0
    indptr = np.zeros(n + 1, dtype=np.int64)
    if has_old:
        for i in range(n):
            indptr[i + 1] = old_ptr[i + 1] - old_ptr[i]
    for e in range(m):
        a = u[e]
        b = v[e]
        if a != b:
            indptr[a + 1] += 1
            indptr[b + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    pos = indptr[:-1].copy()
    indices = np.empty(indptr[n], dtype=np.int32)
    if has_old:
        for i in range(n):
            for j in range(old_ptr[i], old_ptr[i + 1]):
                indices[pos[i]] = old_idx[j]
                pos[i] += 1
    for e in range(m):
        a = u[e]
        b = v[e]
        if a != b:
            indices[pos[a]] = b
            pos[a] += 1
            indices[pos[b]] = a
            pos[b] += 1
    w = _sort_dedupe(n, indptr, indices)
    return indptr, indices, w


def csr_from_edges(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    base: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Build symmetric CSR arrays from an undirected edge list.

    Args:
        n: number of nodes; every id in ``u`` and ``v`` must be in ``0..n-1``.
        u, v: endpoints of each edge (any integer dtype, same length). Self-loops and
            duplicate edges (in either orientation) are dropped.
        base: optional ``(indptr, indices)`` of an existing symmetric CSR on ``n`` nodes
            whose edges are kept (adding edges to a graph without re-sorting it all).

    Returns:
        ``(indptr, indices)``: int64 row pointers (length ``n + 1``) and int32 sorted
        neighbour ids.
    """
    u = np.ascontiguousarray(u, dtype=np.int32)
    v = np.ascontiguousarray(v, dtype=np.int32)
    if u.shape != v.shape:
        raise ValueError("u and v must have the same length")
    if base is None:
        old_ptr = np.zeros(0, dtype=np.int64)
        old_idx = np.zeros(0, dtype=np.int32)
    else:
        old_ptr = np.ascontiguousarray(base[0], dtype=np.int64)
        old_idx = np.ascontiguousarray(base[1], dtype=np.int32)
        if old_ptr.shape != (n + 1,):
            raise ValueError("base indptr must have length n + 1")
    indptr, indices, w = _csr_kernel(int(n), u, v, old_ptr, old_idx)
    if w < indices.shape[0] - indices.shape[0] // 100:
        indices = indices[:w].copy()  # release the slack left by dropped duplicates
    elif w < indices.shape[0]:
        indices = indices[:w]  # under 1% of slack: no second copy of the largest array
    return indptr, indices


@njit(cache=True)
def _add_edges_kernel(
    indptr: np.ndarray, indices: np.ndarray, xr: np.ndarray, xc: np.ndarray
) -> tuple[np.ndarray, int]:
    """Merge the entries ``(xr[q], xc[q])`` (sorted by row then column, no repeats) into
    the sorted rows of a CSR, skipping those already there; ``indptr`` is rewritten in
    place (each old boundary is read before it is overwritten)."""
    n = indptr.shape[0] - 1
    out = np.empty(indices.shape[0] + xr.shape[0], dtype=np.int32)
    w = 0
    start = indptr[0]
    q = 0
    nq = xr.shape[0]
    for i in range(n):
        end = indptr[i + 1]
        p = start
        while p < end or (q < nq and xr[q] == i):
            if q < nq and xr[q] == i and (p >= end or xc[q] <= indices[p]):
                if p < end and xc[q] == indices[p]:
                    p += 1  # already linked: keep the old entry once
                out[w] = xc[q]
                q += 1
            else:
                out[w] = indices[p]
                p += 1
            w += 1
        indptr[i + 1] = w
        start = end
    return out, w


def csr_add_edges(indptr: np.ndarray, indices: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Add a few undirected edges to a symmetric CSR (sorted rows): ``indptr`` is
    rewritten in place, the new ``indices`` returned. Self-loops and edges already there
    (or repeated in ``u, v``) are dropped. Memory: the old and new ``indices`` and
    arrays the size of ``u``, not the ``n``-sized temporaries of
    :func:`csr_from_edges` with ``base`` (for a shortfall of repeats redrawn into a
    large graph)."""
    u = np.asarray(u, dtype=np.int32)
    v = np.asarray(v, dtype=np.int32)
    keep = u != v
    rows = np.concatenate((u[keep], v[keep]))
    cols = np.concatenate((v[keep], u[keep]))
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    first = np.ones(rows.shape[0], dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    out, w = _add_edges_kernel(indptr, indices, rows[first], cols[first])
    return out[:w] if w < out.shape[0] else out


@njit(cache=True)
def _complete_kernel(n: int) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.arange(n + 1, dtype=np.int64) * (n - 1) if n > 0 else np.zeros(1, np.int64)
    indices = np.empty(indptr[n], dtype=np.int32)
    w = 0
    for i in range(n):
        for j in range(n):
            if j != i:
                indices[w] = j
                w += 1
    return indptr, indices


def complete_csr(n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR arrays of the complete graph on ``n`` nodes (``n (n - 1)`` int32 entries)."""
    return _complete_kernel(int(n))


# --------------------------------------------------------------------------- blocks


def block_sizes(n: int, blocks: int, shares: Iterable[float] | None = None) -> np.ndarray:
    """People per block: ``n`` split proportionally to ``shares`` (equal by default).

    Boundaries are the rounded cumulative shares, so sizes add up to ``n`` exactly.
    """
    w = np.ones(blocks) if shares is None else np.asarray(list(shares), dtype=float)
    if w.shape != (blocks,) or np.any(w <= 0):
        raise ValueError("shares must be `blocks` positive numbers")
    bounds = np.rint(np.cumsum(w) / w.sum() * n).astype(np.int64)
    bounds[-1] = n
    return np.diff(np.concatenate(([0], bounds)))


def block_labels(n: int, blocks: int, shares: Iterable[float] | None = None) -> np.ndarray:
    """Block label of each person: contiguous id ranges sized by :func:`block_sizes`."""
    sizes = block_sizes(n, blocks, shares)
    return np.repeat(np.arange(blocks, dtype=np.int32), sizes)


def block_index(graph: Graph) -> tuple[np.ndarray, np.ndarray]:
    """People of each block as CSR: members of block ``b`` are
    ``block_members[block_indptr[b]:block_indptr[b + 1]]`` (ascending ids).

    Returns ``(block_indptr, block_members)`` (int64 length ``n_blocks + 1``, int32
    length ``n``); computed once per graph, read-only.
    """
    return graph._block_index


def block_members(graph: Graph, block: int) -> np.ndarray:
    """Ids of the people in ``block`` (ascending, read-only view)."""
    if not 0 <= block < graph.n_blocks:
        raise IndexError(f"block {block} is not in 0..{graph.n_blocks - 1}")
    bptr, members = block_index(graph)
    return members[bptr[block] : bptr[block + 1]]


def hubs(graph: Graph, k: int) -> np.ndarray:
    """Ids of the ``k`` people with the most neighbours (ties broken by lower id).

    ``k`` larger than ``n`` returns everyone. In a well-mixed market all degrees are
    equal, so this is simply ``0..k-1``.
    """
    k = max(0, min(int(k), graph.n))
    order = np.argsort(-graph.degree(), kind="stable")
    return order[:k].astype(np.int32)


# --------------------------------------------------------------------------- networkx


def to_networkx(graph: Graph) -> nx.Graph:
    """An ``nx.Graph`` with nodes ``0..n-1`` (node attribute ``block``) and the same edges.

    Raises ValueError for a well-mixed market, which has no explicit edges.
    """
    if graph.well_mixed:
        raise ValueError("a well-mixed market has no explicit edges to convert")
    G = nx.Graph()
    G.add_nodes_from((i, {"block": int(b)}) for i, b in enumerate(graph.block.tolist()))
    rows = np.repeat(np.arange(graph.n, dtype=np.int64), graph.degree())
    keep = rows < graph.indices
    G.add_edges_from(zip(rows[keep].tolist(), graph.indices[keep].tolist()))
    return G


def from_networkx(G: nx.Graph, block: Any = None) -> Graph:
    """A read-only :class:`Graph` from a networkx graph.

    Nodes are numbered ``0..n-1``: if the nodes already are exactly those integers they
    keep their ids, otherwise they are numbered in ``G.nodes`` order. Directed graphs are
    made undirected; self-loops and edge attributes are dropped.

    Args:
        G: any networkx graph.
        block: block label per person (sequence of length ``n`` in id order); if None,
            the node attribute ``block`` when every node has one, else all zeros.
    """
    nodes = list(G.nodes)
    n = len(nodes)
    if set(nodes) == set(range(n)):
        pos = None
        order = list(range(n))
    else:
        pos = {node: i for i, node in enumerate(nodes)}
        order = nodes
    if G.number_of_edges():
        if pos is None:
            uv = np.array(list(G.edges()), dtype=np.int64)
        else:
            uv = np.array([(pos[a], pos[b]) for a, b in G.edges()], dtype=np.int64)
    else:
        uv = np.zeros((0, 2), dtype=np.int64)
    indptr, indices = csr_from_edges(n, uv[:, 0], uv[:, 1])
    if block is None:
        attrs = nx.get_node_attributes(G, "block")
        if n and len(attrs) == n:
            block = [attrs[node] for node in order]
    if block is None:
        labels = np.zeros(n, dtype=np.int32)
    else:
        labels = np.asarray(block, dtype=np.int32)
        if labels.shape != (n,) or (n and labels.min() < 0):
            raise ValueError(f"block must hold {n} non-negative labels")
    n_blocks = int(labels.max()) + 1 if n else 1
    return frozen_graph(n, indptr, indices, labels, n_blocks, False, float(indptr[-1] / n) if n else 0.0)
