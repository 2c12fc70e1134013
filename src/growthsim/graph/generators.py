"""Edge generators: vectorised numpy samplers, and the networkx generators they replace.

:func:`er_numpy`, :func:`ws_numpy` and :func:`sbm_numpy` sample exactly the random-graph
models of their networkx counterparts (:func:`er_nx`, :func:`ws_nx`, :func:`sbm_nx`:
same distribution of graphs, no self-loops, no duplicate edges) and are used at every
market size; the networkx ones stay as the reference the tests and benchmarks compare
against. :func:`plc_numpy` is a different model from Holme–Kim (:func:`plc_nx`) with a
similar degree tail and clustering, used only for large markets (see its docstring).

Functions return ``(u, v)`` endpoint arrays of an undirected edge list, except
:func:`er_numpy`, :func:`sbm_numpy` and :func:`plc_numpy`, which return CSR arrays
``(indptr, indices)`` (their repeat-redrawing rounds work on the CSR). All randomness
comes from the ``numpy.random.Generator`` passed in, so a seed fixes the graph. Degrees
are in people; probabilities in ``[0, 1]``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from numba import njit

from growthsim.graph.core import csr_add_edges, csr_from_edges

Edges = tuple[np.ndarray, np.ndarray]


def _nx_edges(G: nx.Graph) -> Edges:
    if G.number_of_edges() == 0:
        e = np.zeros(0, dtype=np.int32)
        return e, e
    uv = np.array(list(G.edges()), dtype=np.int32)
    return uv[:, 0].copy(), uv[:, 1].copy()


def _nx_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**32 - 1))


def ws_k(mean_degree: float, n: int) -> int:
    """Lattice degree of the Watts–Strogatz model: the even integer nearest
    ``mean_degree`` (halves round up), at least 2 and at most ``n - 1``."""
    k = 2 * int(np.floor(mean_degree / 2 + 0.5))
    k = max(k, 2)
    top = n - 1 if (n - 1) % 2 == 0 else n - 2
    return max(0, min(k, top))


def plc_m(mean_degree: float) -> int:
    """Edges per new node of the Holme–Kim model: ``round(mean_degree / 2)``, at least 1."""
    return max(1, int(np.floor(mean_degree / 2 + 0.5)))


# --------------------------------------------------------------------------- complete


def complete_edges(n: int) -> Edges:
    """All ``n (n - 1) / 2`` pairs."""
    u, v = np.triu_indices(n, k=1)
    return u.astype(np.int32), v.astype(np.int32)


# --------------------------------------------------------------------------- Erdős–Rényi


def er_nx(n: int, mean_degree: float, rng: np.random.Generator) -> Edges:
    """G(n, p) with ``p = mean_degree / (n - 1)`` via networkx."""
    p = min(1.0, mean_degree / max(n - 1, 1))
    gen = nx.fast_gnp_random_graph if p < 0.1 else nx.gnp_random_graph
    return _nx_edges(gen(n, p, seed=_nx_seed(rng)))


def er_numpy(n: int, mean_degree: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """G(n, p) with ``p = mean_degree / (n - 1)`` (capped at 1), exactly: the one-block
    case of :func:`sbm_numpy` (``M ~ Binomial(n (n-1) / 2, p)`` distinct uniform random
    pairs). Returns CSR ``(indptr, indices)``."""
    if n < 2:
        return csr_from_edges(n, *complete_edges(0))
    p = min(1.0, mean_degree / (n - 1))
    return sbm_numpy(np.array([n], dtype=np.int64), np.array([[p]]), rng)


# --------------------------------------------------------------------------- Watts–Strogatz


def ws_nx(n: int, mean_degree: float, rewire_prob: float, rng: np.random.Generator) -> Edges:
    """``networkx.watts_strogatz_graph(n, k, rewire_prob)`` with ``k = ws_k(mean_degree)``."""
    k = ws_k(mean_degree, n)
    if k < 2:
        return complete_edges(n)
    return _nx_edges(nx.watts_strogatz_graph(n, k, rewire_prob, seed=_nx_seed(rng)))


def ws_numpy(n: int, mean_degree: float, rewire_prob: float, rng: np.random.Generator) -> Edges:
    """``networkx.watts_strogatz_graph``'s algorithm on arrays (numba).

    Ring lattice (each person ``i`` linked to the ``k/2`` next ids, ``k = ws_k(mean_degree)``);
    then, as networkx does, for ``j = 1..k/2`` and each person ``i`` in id order, the edge
    ``(i, i + j)`` is picked with probability ``rewire_prob`` and its far end moved to a
    person drawn uniformly among those ``i`` is not linked to in the graph as it stands
    (the edges moved so far at their new place, the others at their lattice place); where
    ``i`` is linked to everyone the edge stays put. No self-loops, no duplicates, exactly
    ``n k / 2`` edges.

    The coins are drawn in that order (in chunks); :func:`_ws_rewire` moves the picked
    edges, keeping the moved edges' pairs in a hash set and a bit per lattice slot for
    "moved away" (about ``16 rewire_prob k`` bytes a person besides the edge list).
    """
    k = ws_k(mean_degree, n)
    if k < 2:
        return complete_edges(n)
    half = k // 2
    # int32 throughout (ids stay below n + half < 2^31) and the rewiring coin drawn in
    # chunks: ~100 bytes a person at the peak instead of ~280 (int64 copies and one
    # double per edge). Lattice edge (i, i + j mod n), 1 <= j <= half, is slot
    # i * half + j - 1; coin c (networkx's order, j-major) is slot (c % n) * half + c // n.
    u = np.repeat(np.arange(n, dtype=np.int32), half)
    v = (np.arange(n, dtype=np.int32)[:, None] + np.arange(1, half + 1, dtype=np.int32)[None, :]).ravel()
    v[v >= n] -= n
    m = u.shape[0]
    chunk = 1 << 22
    picked = np.concatenate(
        [np.flatnonzero(rng.random(min(chunk, m - lo)) < rewire_prob) + lo for lo in range(0, m, chunk)]
        or [np.zeros(0, dtype=np.int64)]
    )
    r = picked.shape[0]
    if r == 0:
        return u, v
    slots = (picked % n) * half + picked // n
    del picked
    cap = 1 << max(4, int(np.ceil(np.log2(r * 4 / 3 + 1))))  # hash set at most 3/4 full
    table = np.full(cap, -1, dtype=np.int64)
    moved = np.zeros((m + 7) // 8, dtype=np.uint8)
    deg = np.full(n, k, dtype=np.int32)
    e = 0
    while e < r:
        # uniform draws from 1..n-1 (the offset from i of the new far end); a batch runs
        # out only after many redraws, then the edge it stopped in starts again
        draws = rng.integers(1, n, size=(r - e) + (r - e) // 8 + 64, dtype=np.int32)
        e = _ws_rewire(n, half, slots, u, v, draws, e, moved, table, deg)
    return u, v


@njit(cache=True)
def _ws_pair_key_slot(n: int, half: int, a: int, b: int) -> tuple[int, int]:
    """Hash-set key ``min * n + max`` of pair ``(a, b)`` and its lattice slot (-1 if the
    pair is not a lattice pair)."""
    lo, hi = (a, b) if a < b else (b, a)
    d = (b - a) % n
    if d <= half:
        slot = a * half + d - 1
    elif n - d <= half:
        slot = b * half + (n - d) - 1
    else:
        slot = -1
    return lo * n + hi, slot


@njit(cache=True)
def _ws_rewire(
    n: int,
    half: int,
    slots: np.ndarray,
    u: np.ndarray,
    v: np.ndarray,
    draws: np.ndarray,
    start: int,
    moved: np.ndarray,
    table: np.ndarray,
    deg: np.ndarray,
) -> int:
    """Move the far ends of lattice slots ``slots[start:]`` in order (networkx's rule,
    see :func:`ws_numpy`), writing ``v``. A pair is linked if it is a lattice pair whose
    slot has not moved away (bit in ``moved``) or the pair of a moved edge (in the
    open-addressing hash set ``table``, -1 = empty). ``deg`` tracks degrees for the
    linked-to-everyone test. Returns the index of the slot it stopped in when ``draws``
    ran out (``len(slots)`` when done)."""
    mask = table.shape[0] - 1
    nd = draws.shape[0]
    dpos = 0
    for e in range(start, slots.shape[0]):
        s = slots[e]
        a = np.int64(u[s])
        old = np.int64(v[s])
        b = np.int64(-1)
        while True:
            if dpos >= nd:
                return e
            c = (a + draws[dpos]) % n
            dpos += 1
            key, slot = _ws_pair_key_slot(n, half, a, c)
            linked = slot >= 0 and (moved[slot >> 3] >> (slot & 7)) & 1 == 0
            x = np.uint64(key) * np.uint64(11400714819323198485)  # Fibonacci hashing
            h = np.int64(x ^ (x >> np.uint64(32))) & mask
            if not linked:
                while table[h] != -1:
                    if table[h] == key:
                        linked = True
                        break
                    h = (h + 1) & mask
            if not linked:
                b = c
                break
            if deg[a] >= n - 1:
                break  # linked to everyone: the edge stays put
        if b >= 0:
            table[h] = key  # h: the empty slot the probe stopped at
            v[s] = b
            moved[s >> 3] |= np.uint8(1 << (s & 7))
            deg[old] -= 1
            deg[b] += 1
    return slots.shape[0]


# --------------------------------------------------------------------------- powerlaw cluster


def plc_nx(n: int, mean_degree: float, triangle_prob: float, rng: np.random.Generator) -> Edges:
    """Holme–Kim ``networkx.powerlaw_cluster_graph(n, m, triangle_prob)``, ``m = plc_m``."""
    m = plc_m(mean_degree)
    if n <= m:
        return complete_edges(n)
    return _nx_edges(nx.powerlaw_cluster_graph(n, m, triangle_prob, seed=_nx_seed(rng)))


def plc_numpy(
    n: int, mean_degree: float, triangle_prob: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Large-market stand-in for Holme–Kim: heavy-tailed configuration model plus triadic
    closure.

    1. A share ``c = triangle_prob * (m - 1) / m`` of the edges is kept for closing
       triangles (the share of Holme–Kim edges made by its triad-formation step).
    2. Target degrees ``d_i`` are Pareto with exponent 3 (``P(d) ~ d^-3``, as in
       Holme–Kim / Barabási–Albert), minimum ``mean_degree (1 - c) / 2``, capped at
       ``sqrt(n * mean_degree)`` and rescaled to mean ``mean_degree (1 - c)``; stochastic
       rounding keeps the sum. Stubs are shuffled and paired (configuration model);
       self-loops and repeated pairs are dropped (the erased configuration model).
    3. Triadic closure: ``c * n * mean_degree / 2`` times (plus the number of edges the
       erasure dropped, so the mean degree lands near ``mean_degree``), a uniformly
       random person ``u`` links to a random neighbour ``w`` of a random neighbour ``v``
       of ``u`` (as a new Holme–Kim node links to a neighbour of the hub it just
       attached to). Closures are drawn in rounds on the growing graph, each of at
       most half the initial shortfall, until the edge count is within 0.5% of the
       target (at most 8 rounds).

    Degrees keep a power-law tail with exponent about 3 and the graph gets clustering
    that rises with ``triangle_prob``. Returns CSR ``(indptr, indices)`` (not an edge
    list: the closure rounds need the CSR anyway).

    Not Holme–Kim, so only used where networkx is too slow (``build_graph``'s
    ``numpy_threshold``). Measured at 2,000 and 20,000 people, mean degree 10, 5 seeds,
    ``triangle_prob`` 0.1 / 0.5: max degree 144 / 179 against Holme–Kim's 203 / 283 at
    2,000 (455 / 566 against 711 / 1,172 at 20,000); min degree 2.6-4 against 4-5;
    transitivity 0.088 against 0.055 (0.5, 2,000); degree assortativity -0.01 against
    -0.06 to -0.10; and no link between id and degree (rank correlation 0.00) where
    Holme–Kim's oldest, lowest ids are the hubs (-0.8: block 0 holds them).
    """
    m = plc_m(mean_degree)
    close = triangle_prob * (m - 1) / m
    target = mean_degree * (1.0 - close)
    if n < 3:
        return csr_from_edges(n, *complete_edges(n))
    xmin = target / 2.0
    d = xmin * (1.0 - rng.random(n)) ** -0.5  # Pareto, exponent 3 (alpha = 2)
    np.minimum(d, np.sqrt(n * mean_degree), out=d)
    np.minimum(d, n - 1, out=d)
    d *= target * n / d.sum()
    deg = np.floor(d).astype(np.int64)
    deg += rng.random(n) < (d - deg)
    if deg.sum() % 2:
        deg[int(rng.integers(0, n))] += 1
    del d
    stubs = np.repeat(np.arange(n, dtype=np.int32), deg)
    del deg
    rng.shuffle(stubs)
    u0 = stubs[0::2].copy()
    v0 = stubs[1::2].copy()
    del stubs
    # closing edges: the planned share plus whatever the erasure removed, drawn in rounds
    # on the growing graph (closing edges become paths for later ones, as in Holme-Kim);
    # each round tops up the edges lost to repeats, until within 0.5% of the target
    target_edges = int(round(n * mean_degree / 2))
    indptr, indices = csr_from_edges(n, u0, v0)
    del u0, v0
    step = max(1, int(np.ceil((target_edges - int(indptr[-1] // 2)) / 2)))
    for _ in range(8):
        deficit = target_edges - int(indptr[-1] // 2)
        if deficit <= 0.005 * target_edges:
            break
        k = min(deficit, step)
        deg = np.diff(indptr)
        has = np.flatnonzero(deg > 0)
        if has.shape[0] == 0:
            break
        cu = has[rng.integers(0, has.shape[0], size=k)]
        cv = indices[indptr[cu] + (rng.random(k) * deg[cu]).astype(np.int64)]
        cw = indices[indptr[cv] + (rng.random(k) * deg[cv]).astype(np.int64)]
        del deg, has
        indptr, indices = csr_from_edges(n, cu, cw, base=(indptr, indices))
    return indptr, indices


# --------------------------------------------------------------------------- SBM


def sbm_probs(sizes: np.ndarray, mean_degree: float, within_share: float) -> np.ndarray:
    """Edge probability between blocks so that each person expects ``mean_degree``
    contacts, ``within_share`` of them in their own block.

    Within block ``a``: ``mean_degree * within / (s_a - 1)``. Between ``a`` and ``b``: a
    person of ``a`` spreads ``mean_degree * (1 - within)`` contacts over the other blocks
    in proportion to their sizes, i.e. ``mean_degree (1 - within) / (n - s_a)`` per
    person; the matrix must be symmetric, so the two directions are averaged (exact for
    equal blocks). With one block (or nobody outside a block) all contacts are within.
    Probabilities are capped at 1.
    """
    s = sizes.astype(float)
    n = s.sum()
    B = s.shape[0]
    outside = n - s
    within = np.where(outside > 0, within_share, 1.0)
    p_in = np.where(s > 1, mean_degree * within / np.maximum(s - 1, 1), 0.0)
    out_rate = np.where(outside > 0, mean_degree * (1 - within) / np.maximum(outside, 1), 0.0)
    P = (out_rate[:, None] + out_rate[None, :]) / 2.0
    P[np.arange(B), np.arange(B)] = p_in
    return np.clip(P, 0.0, 1.0)


def sbm_nx(sizes: np.ndarray, P: np.ndarray, rng: np.random.Generator) -> Edges:
    """``networkx.stochastic_block_model`` with nodes in block order."""
    G = nx.stochastic_block_model([int(x) for x in sizes], P.tolist(), seed=_nx_seed(rng), sparse=True)
    return _nx_edges(G)


#: Block pairs with an edge probability above this choose their edges among their
#: enumerated pairs (no repeats); sparser ones draw random pairs and redraw repeats.
#: Only blocks of fewer than about ``4 * mean_degree`` people have such dense pairs.
SBM_DENSE_P = 0.25
#: Most redrawing rounds of :func:`sbm_numpy`: a round's repeats are a share at most
#: ``SBM_DENSE_P`` of its draws, so each round cuts the shortfall at least 4-fold.
_SBM_ROUNDS = 64


def sbm_numpy(
    sizes: np.ndarray, P: np.ndarray, rng: np.random.Generator, chunk: int = 1 << 21
) -> tuple[np.ndarray, np.ndarray]:
    """The stochastic block model exactly (each pair of people linked independently
    with probability ``P[block a, block b]``, as ``networkx.stochastic_block_model``),
    nodes in block order. Returns CSR ``(indptr, indices)``.

    For each block pair ``M_ab ~ Binomial(pairs_ab, P_ab)`` edges, then ``M_ab`` distinct
    pairs uniformly at random (one end in each block; distinct people within a block):
    given its edge count a G(n, P) graph is uniform among graphs with that many edges.
    Dense block pairs (``P_ab > SBM_DENSE_P``) choose their pairs by index without
    replacement; the others draw uniform pairs with replacement (in chunks of about
    ``chunk`` edges, to bound temporary memory), build the CSR (which drops repeats),
    count each block pair's edges and draw each shortfall again, merged into the CSR
    (:func:`growthsim.graph.core.csr_add_edges`), until none is left.
    """
    s = sizes.astype(np.int64)
    n = int(s.sum())
    B = s.shape[0]
    start = np.concatenate(([0], np.cumsum(s)[:-1]))
    a_idx, b_idx = np.triu_indices(B)
    sa, sb = s[a_idx], s[b_idx]
    pairs = np.where(a_idx == b_idx, sa * (sa - 1) // 2, sa * sb)
    prob = P[a_idx, b_idx]
    m = rng.binomial(pairs, prob).astype(np.int64)
    dense = prob > SBM_DENSE_P
    u, v = _random_pairs(s, start, a_idx, b_idx, np.where(dense, 0, m), rng, chunk, extra=int(m[dense].sum()))
    at = u.shape[0] - int(m[dense].sum())
    for i in np.flatnonzero(dense & (m > 0)).tolist():
        at = _chosen_pairs(s, start, int(a_idx[i]), int(b_idx[i]), int(pairs[i]), int(m[i]), rng, u, v, at)
    indptr, indices = csr_from_edges(n, u, v)
    del u, v
    ends = np.cumsum(s)
    for _ in range(_SBM_ROUNDS):
        if B == 1:
            got = np.array([indptr[-1] // 2], dtype=np.int64)
        else:
            got = _block_pair_counts(indptr, indices, ends)[a_idx, b_idx]
        short = m - got
        if not short.any():
            break
        u, v = _random_pairs(s, start, a_idx, b_idx, short, rng, chunk)
        indices = csr_add_edges(indptr, indices, u, v)
        del u, v
    return indptr, indices


def _random_pairs(
    s: np.ndarray,
    start: np.ndarray,
    a_idx: np.ndarray,
    b_idx: np.ndarray,
    m: np.ndarray,
    rng: np.random.Generator,
    chunk: int,
    extra: int = 0,
) -> Edges:
    """``m[i]`` uniform random pairs (with replacement) of block pair
    ``(a_idx[i], b_idx[i])``, in block-pair order, drawn in chunks of ``chunk`` edges
    (temporaries stay a few times ``chunk`` however the edges spread over the pairs);
    the arrays have ``extra`` unfilled slots at the end."""
    csum = np.cumsum(m)
    total = int(csum[-1]) if csum.shape[0] else 0
    u = np.empty(total + extra, dtype=np.int32)
    v = np.empty(total + extra, dtype=np.int32)
    for e0 in range(0, total, chunk):
        e1 = min(total, e0 + chunk)
        # edge e belongs to pair i when csum[i-1] <= e < csum[i]
        first, last = np.searchsorted(csum, [e0, e1 - 1], side="right")
        if first == last:  # the whole chunk in one block pair (large blocks): scalars
            which: np.ndarray | int = int(first)
        else:
            which = np.searchsorted(csum, np.arange(e0, e1, dtype=np.int64), side="right")
        a, b = a_idx[which], b_idx[which]
        size_a = s[a]
        same = a == b
        ua = (rng.random(e1 - e0) * size_a).astype(np.int64)
        # within a block the second end is a distinct member: offset 1..s_a-1 around the block
        off = (rng.random(e1 - e0) * np.where(same, size_a - 1, s[b])).astype(np.int64)
        vb = np.where(same, (ua + 1 + off) % np.maximum(size_a, 1), off)
        u[e0:e1] = start[a] + ua
        v[e0:e1] = start[b] + vb
        del which, a, b, size_a, same, ua, off, vb
    return u, v


def _chosen_pairs(
    s: np.ndarray,
    start: np.ndarray,
    a: int,
    b: int,
    pairs: int,
    m: int,
    rng: np.random.Generator,
    u: np.ndarray,
    v: np.ndarray,
    at: int,
) -> int:
    """Write ``m`` distinct uniform pairs of block pair ``(a, b)`` into ``u[at:], v[at:]``
    (pairs chosen by index without replacement); return the next free slot."""
    t = rng.choice(pairs, size=m, replace=False).astype(np.int64)
    if a == b:
        # pair index t -> (r, c), r < c: row r holds the pairs (r, r+1..size-1)
        size = int(s[a])
        rows = np.arange(size, dtype=np.int64)
        offs = rows * (2 * size - rows - 1) // 2
        r = np.searchsorted(offs, t, side="right") - 1
        c = t - offs[r] + r + 1
        u[at : at + m] = start[a] + r
        v[at : at + m] = start[a] + c
    else:
        u[at : at + m] = start[a] + t // s[b]
        v[at : at + m] = start[b] + t % s[b]
    return at + m


@njit(cache=True)
def _block_pair_counts(indptr: np.ndarray, indices: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Edges between each pair of blocks (``[a, b]`` for ``a <= b``) of a CSR whose
    people are in block order (block ``b`` holds ids below ``ends[b]``, rows sorted)."""
    B = ends.shape[0]
    n = indptr.shape[0] - 1
    out = np.zeros((B, B), dtype=np.int64)
    a = 0
    for i in range(n):
        while i >= ends[a]:
            a += 1
        b = a
        for j in range(indptr[i], indptr[i + 1]):
            x = indices[j]
            if x > i:
                while x >= ends[b]:
                    b += 1
                out[a, b] += 1
    return out
