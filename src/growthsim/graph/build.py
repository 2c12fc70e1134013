"""``build_graph``: a scenario's :class:`GraphSpec` -> :class:`Graph`, with a small cache."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from growthsim.errors import ScenarioError, located
from growthsim.graph import generators as gen
from growthsim.graph.core import Graph, block_sizes, complete_csr, csr_from_edges, frozen_graph
from growthsim.graph.edgelist import read_edge_list
from growthsim.i18n import _
from growthsim.scenario.schema import GraphSpec

__all__ = [
    "build_graph",
    "clear_graph_cache",
    "graph_rng",
    "COMPLETE_MAX_N",
    "NUMPY_THRESHOLD",
    "CACHE_SIZE",
]

#: Largest market for the ``complete`` model (its edge count grows as n^2 / 2).
COMPLETE_MAX_N = 20_000
#: powerlaw_cluster markets larger than this use the numpy stand-in for Holme–Kim
#: (:func:`growthsim.graph.generators.plc_numpy`, a different model with a similar
#: degree tail and clustering); smaller ones networkx's Holme–Kim. The other models use
#: their exact numpy samplers at every size.
NUMPY_THRESHOLD = 200_000
#: Graphs kept by the in-process cache.
CACHE_SIZE = 4

# "graph" in ASCII: keeps the graph's random stream apart from the simulation's streams
# drawn from the same scenario seed.
_GRAPH_STREAM = 0x6772617068

_cache: OrderedDict[tuple, Graph] = OrderedDict()
_cache_lock = threading.Lock()


def graph_rng(seed: int) -> np.random.Generator:
    """The random generator used to build a graph from ``seed``."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), _GRAPH_STREAM]))


def clear_graph_cache() -> None:
    """Forget all cached graphs."""
    with _cache_lock:
        _cache.clear()


def _file_stamp(path: str | None) -> tuple:
    if not path:
        return ()
    try:
        st = os.stat(path)
    except OSError:
        return (path, None)
    return (str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


def build_graph(
    spec: GraphSpec,
    n: int,
    seed: int,
    *,
    numpy_threshold: int = NUMPY_THRESHOLD,
    reference: bool = False,
    cache: bool = True,
) -> Graph:
    """Build the market's network described by ``spec`` for ``n`` people.

    Args:
        spec: the scenario's ``market.graph``.
        n: market size (people), >= 1.
        seed: the scenario seed; ``spec.seed`` takes precedence when set. The same
            (spec, n, seed) always gives the same graph.
        numpy_threshold: powerlaw_cluster markets with ``n`` above this use the numpy
            stand-in for Holme–Kim instead of networkx (see the package docstring);
            the other models always use their numpy samplers.
        reference: build erdos_renyi, watts_strogatz, sbm and powerlaw_cluster with the
            networkx generators at any size (the reference distribution the numpy
            samplers are tested and benchmarked against; sbm's is quadratic in ``n``).
        cache: reuse one of the last :data:`CACHE_SIZE` graphs built in this process for
            the same inputs (an edge-list file is re-read if its size or mtime changed).

    Returns:
        A :class:`Graph` whose arrays are read-only.

    Raises:
        ScenarioError: ``complete`` for a market above :data:`COMPLETE_MAX_N`.
        InputFileError: an unusable edge-list file.
    """
    n = int(n)
    if n < 1:
        raise ValueError(_("market size must be >= 1, got {n}").format(n=n))
    seed = int(spec.seed if spec.seed is not None else seed)
    if not cache:
        return _build(spec, n, seed, numpy_threshold, reference)
    key = (
        spec.model_dump_json(),
        n,
        seed,
        int(numpy_threshold),
        bool(reference),
        _file_stamp(spec.path if spec.model == "edge_list" else None),
    )
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    graph = _build(spec, n, seed, numpy_threshold, reference)
    with _cache_lock:
        _cache[key] = graph
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return graph


def _build(spec: GraphSpec, n: int, seed: int, numpy_threshold: int, reference: bool) -> Graph:
    sizes = block_sizes(n, spec.blocks, spec.block_shares)
    block = np.repeat(np.arange(spec.blocks, dtype=np.int32), sizes)
    rng = graph_rng(seed)
    model = spec.model
    if model == "well_mixed":
        indptr = np.zeros(n + 1, dtype=np.int64)
        indices = np.zeros(0, dtype=np.int32)
        return frozen_graph(n, indptr, indices, block, spec.blocks, True, float(spec.mean_degree))
    elif model == "complete":
        if n > COMPLETE_MAX_N:
            raise ScenarioError(
                located(
                    None,
                    None,
                    "market.graph.model",
                    _(
                        "'complete' is limited to markets of at most {COMPLETE_MAX_N:,} people (found market.size {n:,}); use model 'well_mixed' for everyone-meets-everyone word of mouth in a large market"
                    ).format(COMPLETE_MAX_N=COMPLETE_MAX_N, n=n),
                )
            )
        indptr, indices = complete_csr(n)
        return frozen_graph(n, indptr, indices, block, spec.blocks, False, float(n - 1))
    elif model == "erdos_renyi":
        if not reference:
            indptr, indices = gen.er_numpy(n, spec.mean_degree, rng)
            return frozen_graph(n, indptr, indices, block, spec.blocks, False, float(indptr[-1] / n))
        u, v = gen.er_nx(n, spec.mean_degree, rng)
    elif model == "watts_strogatz":
        u, v = (gen.ws_nx if reference else gen.ws_numpy)(n, spec.mean_degree, spec.rewire_prob, rng)
    elif model == "powerlaw_cluster":
        if n > numpy_threshold and not reference:
            indptr, indices = gen.plc_numpy(n, spec.mean_degree, spec.triangle_prob, rng)
            return frozen_graph(n, indptr, indices, block, spec.blocks, False, float(indptr[-1] / n))
        u, v = gen.plc_nx(n, spec.mean_degree, spec.triangle_prob, rng)
    elif model == "sbm":
        P = gen.sbm_probs(sizes, spec.mean_degree, spec.within_block_share)
        if not reference:
            indptr, indices = gen.sbm_numpy(sizes, P, rng)
            return frozen_graph(n, indptr, indices, block, spec.blocks, False, float(indptr[-1] / n))
        u, v = gen.sbm_nx(sizes, P, rng)
    elif model == "edge_list":
        assert spec.path is not None  # the schema requires it
        u, v = read_edge_list(spec.path, n)
    else:  # pragma: no cover - the schema's Literal forbids it
        raise ScenarioError(located(None, None, "market.graph.model", _("unknown model {model!r}").format(model=model)))
    indptr, indices = csr_from_edges(n, u, v)
    del u, v
    return frozen_graph(n, indptr, indices, block, spec.blocks, False, float(indptr[-1] / n))
