"""Edge generators: networkx for moderate markets, vectorised numpy for large ones.

Every function returns ``(u, v)`` endpoint arrays of an undirected edge list (possibly
with a few self-loops or duplicates, which :func:`growthsim.graph.core.csr_from_edges`
drops). All randomness comes from the ``numpy.random.Generator`` passed in, so a seed
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
    u = np.repeat(np.arange(n, dtype=np.int32), half)
    v = u.astype(np.int64)
    v += np.tile(np.arange(1, half + 1, dtype=np.int64), n)
    v %= n
    rew = np.flatnonzero(rng.random(u.shape[0]) < rewire_prob)
    v[rew] = (u[rew].astype(np.int64) + rng.integers(1, n, size=rew.shape[0])) % n
    return u, v.astype(np.int32)


# --------------------------------------------------------------------------- powerlaw cluster


def plc_nx(n: int, mean_degree: float, triangle_prob: float, rng: np.random.Generator) -> Edges:
    """Holme–Kim ``networkx.powerlaw_cluster_graph(n, m, triangle_prob)``, ``m = plc_m``."""
    m = plc_m(mean_degree)
    if n <= m:
        return complete_edges(n)
    return _nx_edges(nx.powerlaw_cluster_graph(n, m, triangle_prob, seed=_nx_seed(rng)))


def plc_numpy(
    n: int, mean_degree: float, triangle_prob: float, rng: np.random.Generator
) -> Edges:
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
       attached to). This runs in up to 8 rounds on the growing graph, each topping up
       edges lost to repeats, until the edge count is within 0.5% of the target.

    Degrees keep a power-law tail with exponent about 3 and the graph gets clustering
    that rises with ``triangle_prob``.
    """
    m = plc_m(mean_degree)
    close = triangle_prob * (m - 1) / m
    target = mean_degree * (1.0 - close)
    if n < 3:
        return complete_edges(n)
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
    step = max(1, int(np.ceil(close * target_edges / 3)))
    us, vs = [u0], [v0]
    indptr, indices = csr_from_edges(n, u0, v0)
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
        us.append(cu.astype(np.int32))
        vs.append(cw)
        del indptr, indices, deg, has, cu, cv
        u0, v0 = np.concatenate(us), np.concatenate(vs)
        us, vs = [u0], [v0]
        indptr, indices = csr_from_edges(n, u0, v0)
    return u0, v0
