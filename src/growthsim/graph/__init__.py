"""The market's social graph: who knows whom, as CSR arrays.

``build_graph(spec, n, seed)`` turns a scenario's ``market.graph``
(:class:`growthsim.scenario.schema.GraphSpec`) into a read-only :class:`Graph` for a
market of ``n`` people. Every model labels people with a block (region / interest
category): ``blocks`` blocks of contiguous ids, sized in proportion to ``block_shares``
(equal by default). Degrees are numbers of acquaintances (people).

Models and the parameters they use:

``well_mixed`` (``mean_degree``)
    No explicit edges (``indptr`` all zeros, ``well_mixed=True``): word of mouth reaches
    anyone in proportion to the active members; ``mean_degree`` is kept on the graph as
    the number of acquaintances each member's word of mouth reaches. The Bass limit.
``complete``
    Everyone knows everyone; markets of at most 20,000 people (else a ``ScenarioError``
    suggesting ``well_mixed``).
``erdos_renyi`` (``mean_degree``)
    G(n, p) with ``p = mean_degree / (n - 1)``: networkx ``fast_gnp_random_graph`` (or
    ``gnp_random_graph`` when ``p >= 0.1``); large markets draw
    ``M ~ Binomial(n(n-1)/2, p)`` uniform random pairs.
``watts_strogatz`` (``mean_degree``, ``rewire_prob``)
    Small world: a ring lattice with ``k`` = the even integer nearest ``mean_degree``,
    each edge rewired with probability ``rewire_prob``: networkx
    ``watts_strogatz_graph``; large markets build the lattice and rewire in numpy.
``powerlaw_cluster`` (``mean_degree``, ``triangle_prob``)
    Holme–Kim: heavy-tailed degrees (``P(k) ~ k^-3``) with clustering: networkx
    ``powerlaw_cluster_graph`` with ``m = round(mean_degree / 2)``; large markets use an
    erased configuration model with Pareto degrees plus triadic closure for a share
    ``triangle_prob (m - 1) / m`` of the edges (see
    :func:`growthsim.graph.generators.plc_numpy`).
``sbm`` (``mean_degree``, ``blocks``, ``block_shares``, ``within_block_share``)
    Stochastic block model: each person expects ``mean_degree`` contacts, a share
    ``within_block_share`` of them inside their own block, the rest spread over the other
    blocks by size: networkx ``stochastic_block_model`` up to 10,000 people (it walks
    all pairs of people, quadratic in n); larger markets sample each block pair's edges
    in numpy.
``edge_list`` (``path``)
    A CSV of two integer person-id columns (0-based, below the market size; header
    optional); self-loops and repeats are dropped, edges made undirected. Problems raise
    ``InputFileError`` naming the file and line.

Markets above ``numpy_threshold`` (200,000 people by default) use the vectorised numpy
generators; in those, the few repeated pairs that random sampling produces are dropped, so
the realised mean degree can be a little below ``mean_degree`` (``Graph.mean_degree``
reports the realised value). A graph is a fixed function of (spec, n, seed), where
``spec.seed`` wins over the scenario seed; the last four graphs built in a process are
cached, so replicates of one plan share one graph.
"""

from growthsim.graph.build import (
    CACHE_SIZE,
    COMPLETE_MAX_N,
    NUMPY_THRESHOLD,
    SBM_NETWORKX_MAX,
    build_graph,
    clear_graph_cache,
)
from growthsim.graph.core import (
    Graph,
    block_index,
    block_labels,
    block_members,
    block_sizes,
    csr_from_edges,
    from_networkx,
    hubs,
    to_networkx,
)
from growthsim.graph.edgelist import read_edge_list

__all__ = [
    "CACHE_SIZE",
    "COMPLETE_MAX_N",
    "NUMPY_THRESHOLD",
    "SBM_NETWORKX_MAX",
    "Graph",
    "block_index",
    "block_labels",
    "block_members",
    "block_sizes",
    "build_graph",
    "clear_graph_cache",
    "csr_from_edges",
    "from_networkx",
    "hubs",
    "read_edge_list",
    "to_networkx",
]
