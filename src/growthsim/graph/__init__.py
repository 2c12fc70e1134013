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
    G(n, p) with ``p = mean_degree / (n - 1)``, exactly: ``M ~ Binomial(n(n-1)/2, p)``
    distinct uniform random pairs (the model of networkx ``fast_gnp_random_graph``).
``watts_strogatz`` (``mean_degree``, ``rewire_prob``)
    Small world: a ring lattice with ``k`` = the even integer nearest ``mean_degree``,
    each edge rewired with probability ``rewire_prob`` to a person not yet linked (the
    model of networkx ``watts_strogatz_graph``; exactly ``n k / 2`` edges).
``powerlaw_cluster`` (``mean_degree``, ``triangle_prob``)
    Holme–Kim: heavy-tailed degrees (``P(k) ~ k^-3``) with clustering: networkx
    ``powerlaw_cluster_graph`` with ``m = round(mean_degree / 2)`` up to
    ``numpy_threshold`` people (200,000 by default); larger markets use a stand-in, an
    erased configuration model with Pareto degrees plus triadic closure for a share
    ``triangle_prob (m - 1) / m`` of the edges (see
    :func:`growthsim.graph.generators.plc_numpy`). The stand-in is a different model
    (at 2,000-20,000 people: max degree 30-50% lower, no link between a person's id and
    degree where Holme–Kim's oldest, lowest ids are the hubs, other transitivity), so
    it is kept for the markets networkx is too slow for.
``sbm`` (``mean_degree``, ``blocks``, ``block_shares``, ``within_block_share``)
    Stochastic block model: each person expects ``mean_degree`` contacts, a share
    ``within_block_share`` of them inside their own block, the rest spread over the other
    blocks by size; each pair linked independently (the model of networkx
    ``stochastic_block_model``), sampled per block pair like ``erdos_renyi``.
``edge_list`` (``path``)
    A CSV of two integer person-id columns (0-based, below the market size; header
    optional); self-loops and repeats are dropped, edges made undirected. Problems raise
    ``InputFileError`` naming the file and line.

``erdos_renyi``, ``watts_strogatz`` and ``sbm`` are built by vectorised numpy samplers at
every size (same distribution of graphs as the networkx generators, which
``build_graph(..., reference=True)`` still uses, for tests and benchmarks; about 5x
faster per edge). ``Graph.mean_degree`` reports the realised mean degree. A graph is a fixed function of (spec, n, seed), where
``spec.seed`` wins over the scenario seed; the last four graphs built in a process are
cached, so replicates of one plan share one graph.
"""

from growthsim.graph.build import (
    CACHE_SIZE,
    COMPLETE_MAX_N,
    NUMPY_THRESHOLD,
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
