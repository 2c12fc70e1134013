"""Edge generators: networkx for moderate markets, vectorised numpy for large ones.

Every function returns ``(u, v)`` endpoint arrays of an undirected edge list (possibly
with a few self-loops or duplicates, which :func:`growthsim.graph.core.csr_from_edges`
drops), except :func:`plc_numpy`, which returns CSR arrays. All randomness comes from the ``numpy.random.Generator`` passed in, so a seed
fixes the graph. Degrees are in people; probabilities in ``[0, 1]``.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from growthsim.graph.core import csr_from_edges

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


def er_numpy(n: int, mean_degree: float, rng: np.random.Generator) -> Edges:
    """Edge sampling: ``M ~ Binomial(n (n-1) / 2, p)`` edges, each a uniform random pair of
    distinct people. The rare repeated pairs (a fraction about ``p / 2``) are dropped."""
    if n < 2:
        e = np.zeros(0, dtype=np.int32)
        return e, e
    p = min(1.0, mean_degree / (n - 1))
    m = int(rng.binomial(n * (n - 1) // 2, p))
    u = rng.integers(0, n, size=m, dtype=np.int32)
    v = ((u.astype(np.int64) + rng.integers(1, n, size=m)) % n).astype(np.int32)
    return u, v


# --------------------------------------------------------------------------- Watts–Strogatz


def ws_nx(n: int, mean_degree: float, rewire_prob: float, rng: np.random.Generator) -> Edges:
    """``networkx.watts_strogatz_graph(n, k, rewire_prob)`` with ``k = ws_k(mean_degree)``."""
    k = ws_k(mean_degree, n)
    if k < 2:
        return complete_edges(n)
    return _nx_edges(nx.watts_strogatz_graph(n, k, rewire_prob, seed=_nx_seed(rng)))


def ws_numpy(n: int, mean_degree: float, rewire_prob: float, rng: np.random.Generator) -> Edges:
    """Ring lattice (each person linked to the ``k/2`` next ids, ``k = ws_k(mean_degree)``),
    then each edge ``(i, i + j)`` has its far end moved, with probability ``rewire_prob``,
    to a uniformly chosen other person. Rewired edges that land on an existing edge are
    dropped (a fraction about ``k / n`` of the rewired ones)."""
    k = ws_k(mean_degree, n)
    if k < 2:
        return complete_edges(n)
    half = k // 2
    # int32 throughout (ids stay below n + half < 2^31) and the rewiring coin drawn in
    # chunks (the same doubles in the same order): ~100 bytes a person at the peak
    # instead of ~280 (int64 copies and one double per edge)
    u = np.repeat(np.arange(n, dtype=np.int32), half)
    v = (np.arange(n, dtype=np.int32)[:, None] + np.arange(1, half + 1, dtype=np.int32)[None, :]).ravel()
    v[v >= n] -= n
    m = u.shape[0]
    chunk = 1 << 22
    rew = np.concatenate(
        [np.flatnonzero(rng.random(min(chunk, m - lo)) < rewire_prob) + lo for lo in range(0, m, chunk)]
        or [np.zeros(0, dtype=np.int64)]
    )
    v[rew] = (u[rew].astype(np.int64) + rng.integers(1, n, size=rew.shape[0])) % n
    return u, v


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


def sbm_numpy(sizes: np.ndarray, P: np.ndarray, rng: np.random.Generator, chunk: int = 1 << 21) -> Edges:
    """Block-pair sampling: for each block pair ``M_ab ~ Binomial(pairs_ab, P_ab)`` edges,
    each a uniform random pair with one end in each block (distinct people within a
    block). Repeated pairs (a fraction about ``P_ab / 2``) are dropped. Edges are drawn
    in chunks of about ``chunk`` to bound temporary memory."""
    s = sizes.astype(np.int64)
    B = s.shape[0]
    start = np.concatenate(([0], np.cumsum(s)[:-1]))
    a_idx, b_idx = np.triu_indices(B)
    sa, sb = s[a_idx], s[b_idx]
    pairs = np.where(a_idx == b_idx, sa * (sa - 1) // 2, sa * sb)
    m = rng.binomial(pairs, P[a_idx, b_idx])
    csum = np.concatenate(([0], np.cumsum(m)))
    total = int(csum[-1])
    u = np.empty(total, dtype=np.int32)
    v = np.empty(total, dtype=np.int32)
    lo = 0
    while lo < a_idx.shape[0]:
        # pairs lo..hi-1 hold about `chunk` edges (at least one pair per chunk)
        hi = int(np.searchsorted(csum, csum[lo] + chunk, side="right"))
        hi = min(max(hi - 1, lo + 1), a_idx.shape[0])
        which = np.repeat(np.arange(lo, hi), m[lo:hi])
        e0, e1 = int(csum[lo]), int(csum[hi])
        a, b = a_idx[which], b_idx[which]
        del which
        size_a = s[a]
        same = a == b
        ua = (rng.random(e1 - e0) * size_a).astype(np.int64)
        # within a block the second end is a distinct member: offset 1..s_a-1 around the block
        off = (rng.random(e1 - e0) * np.where(same, size_a - 1, s[b])).astype(np.int64)
        vb = np.where(same, (ua + 1 + off) % np.maximum(size_a, 1), off)
        u[e0:e1] = start[a] + ua
        v[e0:e1] = start[b] + vb
        lo = hi
    return u, v
