"""One simulated future, told day by day: the member curve, the day's events and a sampled
view of the social graph coloured by member state.

:func:`tell` builds a :class:`~growthsim.model.community.CommunityModel`, steps it with
``model.step()`` one day at a time and records after each day the counters, what happened
(campaign starts and ends, a campaign stopped at its cap, campaign events held, the budget
running out, groups opened, KOL posts, VIP selection rounds) and the state of every person
in a fixed sample of the market graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from growthsim.model.community import CommunityModel
from growthsim.runner import graph_for
from growthsim.scenario.schema import Scenario
from growthsim.vocab import CHURNED as S_CHURNED
from growthsim.vocab import DORMANT as S_DORMANT
from growthsim.vocab import MEMBER

# member states of the graph view
OUTSIDER, IN, ACTIVE, DORMANT, CHURNED = 0, 1, 2, 3, 4
STATE_KEYS = ("state.outsider", "state.member", "state.active", "state.dormant", "state.churned")
STATE_COLOURS = ("#d0d0d0", "#1f77b4", "#ff7f0e", "#9467bd", "#2b2b2b")

# event kinds (keys of growthsim.app.strings.MESSAGES are "event.<kind>")
EVENT_KINDS = ("campaign_start", "campaign_end", "campaign_stopped", "campaign_event", "budget", "groups", "kol", "vip")


@dataclass
class Event:
    day: int
    kind: str
    values: dict = field(default_factory=dict)


@dataclass
class Story:
    """Day ``d``'s figures at index ``d``; ``states[d, i]``: sampled person ``i`` after day ``d``."""

    plan: Scenario
    members: np.ndarray
    active: np.ndarray
    groups: np.ndarray
    events: list[Event]
    sample: np.ndarray  # person ids
    edges: np.ndarray  # (m, 2) positions in ``sample``
    pos: np.ndarray  # (n, 2) layout
    states: np.ndarray  # (horizon, n) int8

    @property
    def days(self) -> int:
        return len(self.members)

    def events_on(self, day: int) -> list[Event]:
        return [e for e in self.events if e.day == day]


def _sample(model: CommunityModel, size: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``size`` people around some initial members: a breadth-first walk of the graph
    from a few initial members (random people where the market has no edges)."""
    n = model.pop.n
    size = min(size, n)
    members = np.nonzero(model.pop.status == MEMBER)[0]
    g = model.graph
    if g.well_mixed or len(members) == 0:
        extra = rng.choice(n, size=size, replace=False)
        keep = np.unique(np.concatenate([members[: size // 5], extra]))[:size]
        return np.sort(keep)
    seeds = rng.choice(members, size=min(len(members), max(1, size // 12)), replace=False)
    seen: dict[int, None] = {int(s): None for s in seeds}
    frontier = list(seen)
    while frontier and len(seen) < size:
        nxt = []
        for v in frontier:
            nb = g.indices[g.indptr[v] : g.indptr[v + 1]]
            for u in rng.permutation(nb)[:8]:
                u = int(u)
                if u not in seen:
                    seen[u] = None
                    nxt.append(u)
                    if len(seen) >= size:
                        break
            if len(seen) >= size:
                break
        frontier = nxt
    return np.array(sorted(seen), dtype=np.int64)


def _edges(model: CommunityModel, sample: np.ndarray) -> np.ndarray:
    g = model.graph
    if g.well_mixed:
        return np.zeros((0, 2), dtype=np.int64)
    where = {int(v): i for i, v in enumerate(sample)}
    out = []
    for i, v in enumerate(sample):
        for u in g.indices[g.indptr[v] : g.indptr[v + 1]]:
            j = where.get(int(u))
            if j is not None and j > i:
                out.append((i, j))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def _layout(n: int, edges: np.ndarray, seed: int) -> np.ndarray:
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(map(tuple, edges.tolist()))
    pos = nx.spring_layout(G, seed=seed, iterations=40)
    return np.array([pos[i] for i in range(n)], dtype=float)


def _states(model: CommunityModel, sample: np.ndarray, day: int) -> np.ndarray:
    st = model.pop.status[sample]
    out = np.full(len(sample), OUTSIDER, dtype=np.int8)
    out[st == MEMBER] = IN
    out[(st == MEMBER) & (model.pop.last_active[sample] == day)] = ACTIVE
    out[st == S_DORMANT] = DORMANT
    out[st == S_CHURNED] = CHURNED
    return out


def tell(
    plan: Scenario,
    seed: int | None = None,
    replicate: int = 0,
    sample_size: int = 300,
    on_day: Callable[[int, int], None] | None = None,
) -> Story:
    """Step replicate ``replicate`` of ``plan`` day by day and record its story."""
    seed = plan.seed if seed is None else int(seed)
    model = CommunityModel(scenario=plan, seed=seed, replicate=replicate, graph=graph_for(plan))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replicate, 99)))
    sample = _sample(model, sample_size, rng)
    edges = _edges(model, sample)
    H = plan.horizon_days
    members = np.zeros(H)
    active = np.zeros(H)
    groups = np.zeros(H)
    states = np.zeros((H, len(sample)), dtype=np.int8)
    events: list[Event] = []
    camp_stopped = {c.name: None for c in model.campaigns}
    camp_events = {c.name: 0 for c in model.campaigns}
    kol_posts = {k.name: 0 for k in model.kols}
    vip_invited = 0
    n_groups = model.n_groups
    was_blocked = False
    for d in range(H):
        model.step()
        row = model.counters
        members[d], active[d], groups[d] = row["members"], row["active"], row["groups"]
        states[d] = _states(model, sample, d)
        for c in model.campaigns:
            s = c.spec
            if s.start_day == d:
                events.append(Event(d, "campaign_start", {"name": c.name}))
            if s.end_day is not None and s.end_day == d and (c.stopped_day is None or c.stopped_day >= d):
                events.append(Event(d, "campaign_end", {"name": c.name}))
            if c.stopped_day is not None and camp_stopped[c.name] is None:
                camp_stopped[c.name] = c.stopped_day
                events.append(Event(d, "campaign_stopped", {"name": c.name}))
            if c.events > camp_events[c.name]:
                camp_events[c.name] = c.events
                events.append(Event(d, "campaign_event", {"name": c.name}))
        blocked = d in model.ledger.blocked_days
        if blocked and not was_blocked:
            events.append(Event(d, "budget", {}))
        was_blocked = blocked
        if model.n_groups > n_groups:
            events.append(Event(d, "groups", {"n": model.n_groups - n_groups, "total": model.n_groups}))
            n_groups = model.n_groups
        for k in model.kols:
            if k.posts > kol_posts[k.name]:
                events.append(Event(d, "kol", {"name": k.name, "n": k.posts - kol_posts[k.name]}))
                kol_posts[k.name] = k.posts
        if model.vip_program.invited > vip_invited:
            events.append(Event(d, "vip", {"n": model.vip_program.invited - vip_invited}))
            vip_invited = model.vip_program.invited
        if on_day is not None:
            on_day(d, H)
    pos = _layout(len(sample), edges, seed % (2**32))
    return Story(plan, members, active, groups, events, sample, edges, pos, states)
