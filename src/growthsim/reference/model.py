"""``ReferenceModel``: the member rules of the engine written the slow, obvious way.

One :class:`Person` (a ``mesa.Agent``) per person of the market, outsiders included, each
holding its own status, propensity, engagement, group, tenure and purchase history as
plain Python attributes. Every day the model loops over the people in Python, in the order
of :meth:`growthsim.model.community.CommunityModel.step`:

1. prepare today's per-group stimulus (the model's own ``_prepare_groups``);
2. acquisition: channels, replayed joins, organic joins;
3. activity (with the newcomer's fading interest); 4. referral (along the edges of a ``mesa.discrete_space.Network``, or, in a
   well-mixed market, by Poisson numbers of invitations sent to uniformly drawn people);
5. conversion; 6. churn, dormancy, recall and tiers (the contribution score decays,
   promotions and demotions, the core/KOC counts per group); 7. placement of today's
   joiners (a newcomer's initial interest);
8. collect with the inherited ``mesa.DataCollector`` (same columns as the engine).

Randomness is Mesa's own: ``model.random`` (a ``random.Random`` seeded from the child
``SeedSequence(seed, spawn_key=(replicate, 2))``) for every per-person decision and
``model.rng`` for Poisson counts, so its dice are independent of the engine's
counter-based hashes: engine and reference agree in distribution, not draw by draw.

Why a subclass of :class:`CommunityModel`: the scheduled actors (channels, campaigns,
staff, volunteer admins, KOLs, VIP selection), the ledger, the group bookkeeping and the
data collector are not per-member rules; writing them twice would only test that they
were copied the same way. The reference therefore inherits them, and replaces exactly the
per-member work: ``step`` (all member passes) and group placement (``_place``,
``move_to_vip``). The lever agents read and write the population arrays
(``model.pop``), so the people's state is mirrored into those arrays at the end of each
day (and the KOL invitation boosts are read back each morning); the member rules
themselves never touch the arrays.

The graph is turned into a ``mesa.discrete_space.Network`` (``layout=None``: no drawing
positions) with one ``Person`` fixed in each node's cell; a person's acquaintances are
the agents of the cells connected to theirs.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from typing import Any

import numpy as np
from mesa.discrete_space import FixedAgent, Network

from growthsim.graph import Graph, to_networkx
from growthsim.model.community import CommunityModel, Today
from growthsim.model.seeding import PLAN_SEED, PastHorizonError
from growthsim.model.social import ADDED_TO as LIFE_ADDED_TO
from growthsim.scenario.schema import Scenario
from growthsim.vocab import (
    CHURNED,
    DORMANT,
    MEMBER,
    OUTSIDER,
    SRC_CHANNEL0,
    SRC_ORGANIC,
    SRC_REFERRAL,
    SRC_REPLAY,
    TIER_ACTIVE,
    TIER_CORE,
    TIER_KOC,
    TIER_NEW,
)

__all__ = ["Person", "ReferenceModel", "MIRRORED_FIELDS", "simulate_reference"]

#: Person attributes copied into ``model.pop`` arrays at the end of each day.
MIRRORED_FIELDS = (
    "status",
    "eng",
    "group",
    "join_day",
    "leave_day",
    "last_active",
    "last_seen",
    "referrer",
    "source",
    "paying",
    "vip",
    "purchases",
    "revenue",
    "active_days",
    "streak",
    "accepted",
    "interest",
    "early",
    "score",
    "points",
    "tier",
)


class Person(FixedAgent):
    """One person of the market (a ``mesa.Agent`` fixed to its node's cell).

    Attributes:
        pid: person id, ``0..n-1`` (the graph node).
        status: ``OUTSIDER`` 0, ``MEMBER`` 1, ``DORMANT`` 2, ``CHURNED`` 3.
        prop: activity propensity in [0, 1] (fixed).
        eng: engagement in [0, 1].
        group: group index, -1 when in none.
        join_day, leave_day, last_active, last_seen: day numbers, -1 when never.
        referrer: pid of the member whose invitation they accepted (-1: none).
        source: how they joined (``growthsim.kernels.daily.SRC_*``; -1: never).
        paying, vip: 0/1. purchases: orders. revenue: money spent.
        active_days, streak: active days in total / in a row. accepted: invitations of
        theirs that were accepted. boost: invitation multiplier (internal KOLs).
        block: graph block. friends: acquaintances (other ``Person`` agents).
        interest: newcomer interest (lifecycle). early: bit ``a-1`` set when active on day
        ``a`` after joining (``a`` = 1..63). score: contribution score; tier: ``TIER_*``;
        points: points balance.
    """

    def __init__(self, model: "ReferenceModel", pid: int, **state: Any) -> None:
        super().__init__(model)
        self.pid = pid
        self.friends: list[Person] = []
        for k, v in state.items():
            setattr(self, k, v)

    def join(self, day: int, source: int, referrer: int, e0: float) -> None:
        """Become a member today."""
        self.status = MEMBER
        self.eng = e0
        self.join_day = day
        self.last_seen = day
        self.source = source
        self.referrer = referrer


class ReferenceModel(CommunityModel):
    """The reference model: same plan, same levers, per-person Python rules.

    Args:
        scenario: the plan.
        seed: base seed (as :class:`CommunityModel`'s: not given, ``scenario.seed``).
        replicate: replicate index.
        graph: a prebuilt market graph (default: built from the scenario).
        network: build a ``mesa.discrete_space.Network`` for the acquaintances (True); with
            False the acquaintance lists come straight from the CSR graph (same people,
            cheaper construction for large markets).
    """

    roster_kept = False  # its own day (no kernels) does not keep the roster of placed members

    def __init__(
        self,
        scenario: Scenario | dict | None = None,
        seed: Any = PLAN_SEED,
        replicate: int = 0,
        graph: Graph | None = None,
        network: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(scenario=scenario, seed=seed, replicate=replicate, graph=graph, **kwargs)
        ss = np.random.SeedSequence(self.base_seed, spawn_key=(self.replicate, 2))
        self.random = random.Random(int(ss.generate_state(1, dtype=np.uint64)[0]))
        self.rng = np.random.default_rng(ss.spawn(1)[0])
        pop = self.pop
        cols = {f: getattr(pop, f).tolist() for f in (*MIRRORED_FIELDS, "prop", "boost", "block")}
        self.people: list[Person] = [Person(self, i, **{f: cols[f][i] for f in cols}) for i in range(pop.n)]
        self.network: Network | None = None
        if not self.graph.well_mixed:
            if network:
                self.network = Network(to_networkx(self.graph), random=self.random, layout=None)
                for p in self.people:
                    p.cell = self.network._cells[p.pid]
                for p in self.people:
                    p.friends = [a for c in p.cell.connections.values() for a in c._agents]
            else:
                ind, ptr = self.graph.indices.tolist(), self.graph.indptr.tolist()
                for p in self.people:
                    p.friends = [self.people[j] for j in ind[ptr[p.pid] : ptr[p.pid + 1]]]
        self._block_people: dict[int | None, list[Person]] = {}

    # ---------------------------------------------------------------- mirror to arrays
    def sync_arrays(self, people: list[Person] | None = None) -> None:
        """Copy the state of ``people`` (default: everyone) into ``model.pop``, where the
        levers and the results read it."""
        pop = self.pop
        people = self.people if people is None else people
        if not people:
            return
        ids = np.fromiter((p.pid for p in people), dtype=np.int64, count=len(people))
        for f in MIRRORED_FIELDS:
            getattr(pop, f)[ids] = [getattr(p, f) for p in people]

    def _members_changed(self, ids: np.ndarray) -> None:
        """Group life (model.social: mutes, removals, moves to member-run groups, offline
        events) wrote these people's arrays: copy the state into the people."""
        if not hasattr(self, "people"):
            return
        pop = self.pop
        for i in np.asarray(ids, dtype=np.int64).tolist():
            p = self.people[i]
            for f in MIRRORED_FIELDS:
                setattr(p, f, getattr(pop, f)[i].item())

    def _read_boosts(self) -> None:
        for p, b in zip(self.people, self.pop.boost.tolist()):
            p.boost = b
        m = self.plan.members
        if m.points.enabled or m.star_awards.enabled:  # the morning's exchanges and awards
            for p, e, pts in zip(self.people, self.pop.eng.tolist(), self.pop.points.tolist()):
                p.eng, p.points = e, pts

    # ---------------------------------------------------------------- groups
    def _place(self, ids: np.ndarray, cats: np.ndarray | None = None) -> None:
        if not hasattr(self, "people"):  # initial members, placed while the model is built
            super()._place(ids, cats)
            return
        cats = self._cats(np.asarray(ids, dtype=np.int64)) if cats is None else cats
        self._place_people([self.people[int(i)] for i in ids], [int(c) for c in cats])

    def _place_people(self, people: list[Person], cats: list[int]) -> None:
        """Fill the category's open group to the target size; else any group of the
        category below target; else open a new group (ordinary groups within
        ``max_groups``; VIP groups do not count against it); else the least-full group of
        the category below ``max_size``; else the least-full ordinary group (for a VIP
        member: the least-full group). A newcomer to a managed group is welcomed
        (onboarding engagement)."""
        g_spec = self.plan.groups
        size, gcat, managed = self.g_size, self.g_cat, self.g_managed
        cap = size.shape[0]
        vip = self.vip_cat
        onboarding = self.plan.operations.onboarding_boost
        life = self.plan.members.lifecycle
        for p, c in zip(people, cats):
            if p.group < 0:  # a newcomer (not a VIP move)
                p.interest = life.initial_interest
            g = int(self.open_ptr[c])
            if g < 0 or size[g] >= g_spec.target_size:
                G = int(self.g_state[0])
                n_ord = sum(1 for h in range(G) if gcat[h] != vip)
                g = next((h for h in range(G) if gcat[h] == c and size[h] < g_spec.target_size), -1)
                if g < 0 and G < cap and (c == vip or n_ord < self.max_groups):
                    g = G
                    self.g_state[0] = G + 1
                    gcat[g], size[g], managed[g] = c, 0, 0
                    G += 1
                if g < 0:
                    best = g_spec.max_size
                    for h in range(G):
                        if gcat[h] == c and size[h] < best:
                            best, g = size[h], h
                if g < 0:
                    allowed = [h for h in range(G) if c == vip or gcat[h] != vip]
                    g = min(allowed, key=lambda h: (size[h], h))
                self.open_ptr[c] = g
            p.group = g
            size[g] += 1
            if managed[g]:
                p.eng = p.eng + onboarding * (1.0 - p.eng)
                p.interest = p.interest + life.onboarding_interest * (1.0 - p.interest)
            self.pop.group[p.pid] = g
            self.pop.eng[p.pid] = p.eng
            self.pop.interest[p.pid] = p.interest

    def move_to_vip(self, ids: np.ndarray) -> None:
        people = [self.people[int(i)] for i in ids]
        for p in people:
            self.g_size[p.group] -= 1
            p.vip = 1
            self.pop.vip[p.pid] = 1
        self._place_people(people, [self.vip_cat] * len(people))

    def _candidate_people(self, block: int | None) -> list[Person]:
        if block not in self._block_people:
            self._block_people[block] = self.people if block is None else [p for p in self.people if p.block == block]
        return self._block_people[block]

    # ---------------------------------------------------------------- the day
    def step(self) -> None:  # noqa: C901 - one day, written out in full on purpose
        day = self.day
        if day >= self.horizon:
            self.running = False
            raise PastHorizonError(f"step for day {day}, past the plan's horizon of {self.horizon} days")
        sc, t, people, R = self.plan, self.today, self.people, self.random
        m = sc.members
        n = len(people)
        t.m_conv *= self._conv_boosts.pop(day, 1.0)
        grp = self._prepare_groups()
        self._read_boosts()  # after the groups: member admins' invitation boosts are set there
        resp, decay = grp["resp"].tolist(), grp["decay"].tolist()
        life = self._lv.life.tolist()
        g_ref, g_churn, g_recall = grp["ref"].tolist(), grp["churn"].tolist(), grp["recall"].tolist()
        c = {name: 0.0 for name in self.counter_names()}
        c["day"] = day
        room = self._room()
        new: list[Person] = []

        # 2. acquisition ---------------------------------------------------------------
        for ch in t.channels:
            spec = ch.spec
            e0 = self.e0 if spec.join_engagement is None else spec.join_engagement
            cands = self._candidate_people(spec.target_block)
            joins = 0
            cap = ch.intake_cap()
            if cands:
                for _ in range(ch.reach_today):
                    if room <= 0 or (cap >= 0 and joins >= cap):
                        break
                    p = R.choice(cands)
                    if p.status != OUTSIDER:
                        continue
                    if R.random() < spec.join_rate:
                        p.join(day, SRC_CHANNEL0 + ch.index, -1, e0)
                        new.append(p)
                        joins += 1
                        room -= 1
            c[f"new_{ch.name}"] += joins
            ch.pay_joins(joins)
        if sc.replay is not None:
            i = day - sc.replay.start_day
            if 0 <= i < len(sc.replay.daily_joins):
                target, joins, tries = sc.replay.daily_joins[i], 0, 0
                while joins < target and room > 0 and tries < 50 * (target + 10):
                    p = people[R.randrange(n)]
                    tries += 1
                    if p.status != OUTSIDER:
                        continue
                    p.join(day, SRC_REPLAY, -1, self.e0)
                    new.append(p)
                    joins += 1
                    room -= 1
                c["new_replay"] += joins
        if m.organic_join_prob > 0:
            for p in people:
                if room <= 0:
                    break
                if p.status == OUTSIDER and R.random() < m.organic_join_prob:
                    p.join(day, SRC_ORGANIC, -1, self.e0)
                    new.append(p)
                    c["new_organic"] += 1
                    room -= 1

        # 3. activity ------------------------------------------------------------------
        eng_spec = m.engagement
        act_mult, dormant_factor, habit = t.m_act, m.churn.dormant_activity_factor, eng_spec.habit_gain
        sustain, tiers = m.lifecycle.interaction_sustain, m.tiers
        pts = m.points if m.points.enabled else None
        active: list[Person] = []
        woken = 0
        for p in people:
            s = p.status
            if (s != MEMBER and s != DORMANT) or p.group < 0:
                continue  # outsiders, leavers, and today's joiners (not yet in a group)
            g = p.group
            e = p.eng + resp[g] * (1.0 - p.eng) - decay[g] * p.eng
            # a newcomer's interest adds a chance to be active on top of the habit
            prob = (p.prop * e + p.interest * (1.0 - p.prop * e)) * act_mult
            if s == DORMANT:
                prob *= dormant_factor
            fade = life[g]
            if R.random() < prob:
                e += habit * (1.0 - e)
                fade *= 1.0 - sustain  # interaction keeps some of the interest
                if 1 <= day - p.join_day <= 63:
                    p.early |= 1 << (day - p.join_day - 1)
                p.score += tiers.active_points
                if pts is not None:
                    p.points += pts.per_active_day
                p.last_active = p.last_seen = day
                p.active_days += 1
                p.streak += 1
                active.append(p)
                if s == DORMANT:
                    p.status = MEMBER
                    woken += 1
            else:
                p.streak = 0
            p.interest *= 1.0 - fade
            p.eng = min(1.0, max(0.0, e))
        c["active"], c["woken"] = len(active), woken
        if t.watchers:
            active_ids = np.array([p.pid for p in active], dtype=np.int64)
            self.pop.streak[active_ids] = [p.streak for p in active]
            for a in list(t.watchers.values()):
                a.after_activity(active_ids)

        # 4. referral ------------------------------------------------------------------
        p_inv = min(1.0, m.referral.invite_prob * t.m_invite)
        p_acc = min(1.0, m.referral.accept_prob * t.m_accept)
        reinforcement = m.referral.social_reinforcement
        invites = 0
        referrers: list[int] = []
        if self.graph.well_mixed:
            # each active member sends Poisson(w) invitations, w = p_inv * mean_degree * e *
            # group and KOL multipliers, each to one of the other n - 1 people at random;
            # an outsider invited at least once accepts with p_acc, crediting one of the
            # invitations that reached them
            inviters: dict[int, list[Person]] = defaultdict(list)
            base = p_inv * self.graph.mean_degree
            for p in active:
                w = base * p.eng * g_ref[p.group] * p.boost
                for _ in range(int(self.rng.poisson(w)) if w > 0 else 0):
                    j = R.randrange(n - 1)
                    if j >= p.pid:
                        j += 1
                    if people[j].status == OUTSIDER:
                        inviters[j].append(p)
            for j in sorted(inviters):
                if room <= 0:
                    break
                invites += 1
                if R.random() < p_acc:
                    ref = R.choice(inviters[j])
                    people[j].join(day, SRC_REFERRAL, ref.pid, self.e0)
                    new.append(people[j])
                    ref.accepted += 1
                    ref.score += tiers.referral_points
                    if pts is not None:
                        ref.points += pts.per_referral
                    referrers.append(ref.pid)
                    room -= 1
        else:
            for p in active:
                pi = p_inv * p.eng * g_ref[p.group] * p.boost
                if pi <= 0.0:
                    continue
                for q in p.friends:
                    if q.status != OUTSIDER or R.random() >= pi:
                        continue
                    invites += 1
                    if room <= 0:
                        continue
                    pa = p_acc
                    if reinforcement > 0.0:
                        friends = sum(1 for f in q.friends if f.status == MEMBER or f.status == DORMANT)
                        pa = min(1.0, p_acc * (1.0 + reinforcement * (friends - 1)))
                    if R.random() < pa:
                        q.join(day, SRC_REFERRAL, p.pid, self.e0)
                        new.append(q)
                        p.accepted += 1
                        p.score += tiers.referral_points
                        if pts is not None:
                            p.points += pts.per_referral
                        referrers.append(p.pid)
                        room -= 1
        c["invites_sent"] = invites
        c["invites_accepted"] = c["new_referral"] = len(referrers)
        for a in list(t.watchers.values()):
            a.after_referral(np.array(referrers, dtype=np.int64))

        # 5. conversion ----------------------------------------------------------------
        cv, econ = m.conversion, sc.economics
        p_first = min(1.0, cv.first_purchase_prob * t.m_conv)
        p_repeat = min(1.0, cv.repurchase_prob * t.m_conv)
        vip_mult, sigma = sc.groups.vip.conversion_multiplier, econ.order_value_sigma
        first = orders = 0
        rev = 0.0
        for p in active:
            prob = (p_repeat if p.paying else p_first) * p.eng
            if p.vip:
                prob *= vip_mult
            if R.random() < prob:
                value = econ.order_value
                if sigma > 0.0:  # log-normal with mean order_value
                    value *= R.lognormvariate(-0.5 * sigma * sigma, sigma)
                if not p.paying:
                    p.paying = 1
                    first += 1
                p.purchases += 1
                p.revenue += value
                p.score += tiers.order_points
                if pts is not None:
                    p.points += pts.per_order
                orders += 1
                rev += value
        c["first_purchases"], c["purchases"], c["revenue"] = first, orders, rev
        c["gross_margin"] = rev * econ.gross_margin
        for a in list(t.watchers.values()):
            a.after_conversion(rev)

        # 6. churn, dormancy, recall ----------------------------------------------------
        churn = m.churn
        max_days = churn.max_active_days or 0
        vip_churn, recall_boost = sc.groups.vip.churn_multiplier, sc.operations.onboarding_boost
        churned = recalled = members = dormant = wau = mau = payers = vips = 0
        keep = 0.5 ** (1.0 / tiers.score_half_life_days)
        n_tier = [0, 0, 0, 0]
        self._lv.core[:] = 0.0
        self._lv.koc[:] = 0.0
        touched: list[Person] = []  # everyone whose state may have changed today
        for p in people:
            s = p.status
            if s != MEMBER and s != DORMANT:
                continue
            touched.append(p)
            g = p.group
            if g < 0:
                members += 1  # joined today, placed below
                continue
            if max_days > 0 and p.active_days >= max_days:
                p.status, p.leave_day = CHURNED, day
                self.g_size[g] -= 1
                churned += 1
                continue
            if s == MEMBER and day - p.last_seen >= churn.silent_days:
                s = p.status = DORMANT
            if s == DORMANT and g_recall[g] > 0.0 and R.random() < g_recall[g]:
                s = p.status = MEMBER
                p.last_seen = day
                p.eng = p.eng + recall_boost * (1.0 - p.eng)
                recalled += 1
            h = (
                churn.base_hazard * math.exp(-churn.engagement_sensitivity * p.eng)
                if s == MEMBER
                else churn.dormant_hazard
            )
            h *= g_churn[g]
            if p.vip:
                h *= vip_churn
            if R.random() < h:
                p.status, p.leave_day = CHURNED, day
                self.g_size[g] -= 1
                churned += 1
                continue
            # tiers: the score decays, then promotion / demotion (with hysteresis)
            p.score *= keep
            was, r = p.tier, tiers.demotion_ratio
            if p.score >= tiers.core_score or (was >= TIER_CORE and p.score >= r * tiers.core_score):
                koc = p.accepted >= tiers.koc_min_referrals and p.purchases >= tiers.koc_min_orders
                p.tier = TIER_KOC if koc else TIER_CORE
            elif p.score >= tiers.active_score or (was >= TIER_ACTIVE and p.score >= r * tiers.active_score):
                p.tier = TIER_ACTIVE
            else:
                p.tier = TIER_NEW
            n_tier[p.tier] += 1
            if p.tier >= TIER_CORE:
                self._lv.core[g] += 1.0
                if p.tier == TIER_KOC:
                    self._lv.koc[g] += 1.0
            members += 1
            dormant += s == DORMANT
            payers += p.paying
            vips += p.vip
            if p.last_active >= 0:
                wau += day - p.last_active < 7
                mau += day - p.last_active < 30
        self.churned_total += churned

        # 7. groups --------------------------------------------------------------------
        if new:
            ids = np.array([p.pid for p in new], dtype=np.int64)
            self._place_people(new, self._cats(ids).tolist())

        # 8. collect -------------------------------------------------------------------
        self.sync_arrays(touched)
        c.update(
            members=members,
            dormant=dormant,
            wau=wau,
            mau=mau,
            paying=payers,
            vip_members=vips,
            churned=self.churned_total,
            recalled=recalled,
            new_members=len(new),
            groups=self.n_groups,
            managed_groups=int(grp["managed"]),
            budget_blocked=1 if day in self.ledger.blocked_days else 0,
            active_tier_members=n_tier[TIER_ACTIVE],
            core_members=n_tier[TIER_CORE],
            koc_members=n_tier[TIER_KOC],
        )
        total_cost = 0.0
        for cat in self.cost_categories:
            v = float(self.ledger.by_category[cat][day]) if cat in self.ledger.by_category else 0.0
            c[f"cost_{cat}"] = v
            total_cost += v
        c["cost"] = total_cost
        for k, v in self.life.counts().items():  # group life's counters (model.social)
            c[k] = c[k] + v if k in LIFE_ADDED_TO else v
        dc = self.datacollector
        dc.row[:] = [c[name] for name in dc.names]
        dc.collect(self)
        self.today = Today()
        if day + 1 >= self.horizon:
            self.running = False


def simulate_reference(scenario: Scenario, seed: int | None = None, replicate: int = 0, graph: Graph | None = None):
    """Run one replicate of the reference model; returns a ``RunResult`` like
    :func:`growthsim.runner.simulate`."""
    from growthsim.results import RunResult
    from growthsim.runner import graph_for

    seed = scenario.seed if seed is None else int(seed)
    model = ReferenceModel(scenario, seed, replicate, graph=graph if graph is not None else graph_for(scenario))
    model.run()
    return RunResult.from_model(model)
