"""Self-organised groups: members open and run groups under rules staff set
(``docs/model.md``, "Self-organised groups").

On a round day (``self_organisation.start_day`` and every ``every_days`` after), each
ordinary group ``g`` with at least ``min_parent_size`` members spins off a sub-group when
its keyed draw ``(P_SPAWN, g)`` is below ``spawn_prob`` (groups in ascending order, while
``max_new_per_round`` / ``max_total``, ``groups.max_groups`` and the group table allow):

- the founder is the group's most active eligible member (status member, role member,
  tenure >= ``min_tenure_days``, active days >= ``min_active_days``; most active days,
  then highest propensity, then lowest id); no eligible member, no sub-group;
- the founder moves to the new group (same category as the parent) and runs it; each other
  member of the parent with role member (and, for ``follow: paying``, a buyer) follows
  with ``follow_share`` (draw ``(P_FOLLOW, i)``), at most ``target_size - 1`` of them.

With ``admin_for_new_groups``, each ordinary group opened by placement since the last
morning gets as admin the most active eligible member of the newest older group of its
category that has an eligible member (the previous group, else the one before, ...), who
moves there. A member admin gives their group ``founder_hours_per_day`` of
attention every day (extra hours of that group, see ``kernels.daily.group_levels``) while
they are a member (not silent) in it; with ``succession`` a group whose admin left or fell
silent gets its most active eligible member as the next admin on the next round day.
A member admin's invitations are multiplied by ``founder_referral_multiplier`` (their
``boost``) while they run a group.
Money: ``approval_hours * staff_hourly_cost`` per new admin and ``stipend_per_month / 30``
per admin a day (ledger category ``self_organisation``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthsim.kernels import social as KS
from growthsim.vocab import DORMANT, MEMBER, ROLE_MEMBER, ROLE_MEMBER_ADMIN

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel

CATEGORY = "self_organisation"


class SelfOrganisation:
    """One model's member-run groups (see the module docstring)."""

    def __init__(self, model: "CommunityModel") -> None:
        self.model = model
        self.spec = model.plan.self_organisation
        cap = model.g_cap
        self.admin = np.full(cap, -1, dtype=np.int64)  # the member admin of each group
        self.member_run = np.zeros(cap, dtype=bool)  # opened as a sub-group by a member
        self.extra_h = np.zeros(cap, dtype=np.float64)  # today's member-admin hours
        self._known = model.n_groups  # groups already seen (placement may open more)
        self.spawned = 0
        self.admins_appointed = 0
        self.appointed: list[tuple[int, int, int]] = []  # (day, person, group) of each appointment
        self.today_new = 0

    # ---------------------------------------------------------------- helpers
    def _by_group(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Placed members sorted by group (stable: ascending id within a group) and the
        group bounds: members of ``g`` are ``ids[lo[g]:hi[g]]``."""
        m = self.model
        ids = m.roster[: m.n_roster]
        grp = m.pop.group[ids]
        order = np.argsort(grp, kind="stable")
        ids, grp = ids[order], grp[order]
        G = m.n_groups
        lo = np.searchsorted(grp, np.arange(G), side="left")
        hi = np.searchsorted(grp, np.arange(G), side="right")
        return ids, lo, hi

    def _most_active(self, members: np.ndarray) -> int:
        """The most active eligible member of ``members`` (-1 if none)."""
        m, s, pop = self.model, self.spec, self.model.pop
        ok = (
            (pop.status[members] == MEMBER)
            & (pop.role[members] == ROLE_MEMBER)
            & (m.day - pop.join_day[members] >= s.min_tenure_days)
            & (pop.active_days[members] >= s.min_active_days)
        )
        c = members[ok]
        if len(c) == 0:
            return -1
        order = np.lexsort((c, -pop.prop[c], -pop.active_days[c]))
        return int(c[order[0]])

    def _appoint(self, i: int, g: int) -> None:
        m, s = self.model, self.spec
        self.admin[g] = i
        m.pop.role[i] = ROLE_MEMBER_ADMIN
        m.pop.boost[i] = s.founder_referral_multiplier
        self.admins_appointed += 1
        self.appointed.append((m.day, i, g))
        cost = s.approval_hours * s.staff_hourly_cost
        if cost > 0:
            m.ledger.pay_fixed(m.day, CATEGORY, cost)

    def _move(self, ids: np.ndarray, h: int) -> None:
        m = self.model
        if len(ids) == 0:
            return
        np.subtract.at(m.g_size, m.pop.group[ids], 1)
        m.pop.group[ids] = h
        m.g_size[h] += len(ids)
        m._members_changed(ids)

    def _room_for_group(self) -> bool:
        m = self.model
        G = m.n_groups
        if G >= m.g_cap - (m.n_cats + 2):  # keep room for placement's own groups
            return False
        if m.plan.groups.max_groups is not None:
            n_ord = int((m.g_cat[:G] != m.vip_cat).sum())
            if n_ord >= m.max_groups:
                return False
        return True

    # ---------------------------------------------------------------- the morning
    def morning(self) -> np.ndarray:
        """Rounds, admins for new groups, today's member-admin hours and stipends.
        Returns the extra hours per group (the whole table)."""
        m, s = self.model, self.spec
        if not s.enabled:
            return self.extra_h  # all zeros
        self.today_new = 0
        self.extra_h[:] = 0.0
        day = m.day
        pop = m.pop
        G = m.n_groups
        # admins who left, fell silent or moved away stop running their group
        run = np.nonzero(self.admin[:G] >= 0)[0]
        if len(run):
            a = self.admin[run]
            gone = (pop.status[a] != MEMBER) | (pop.group[a] != run)
            for g, i in zip(run[gone].tolist(), a[gone].tolist()):
                if pop.status[i] == MEMBER or pop.status[i] == DORMANT:
                    pop.role[i] = ROLE_MEMBER
                pop.boost[i] = 1.0
                self.admin[g] = -1
        if day >= s.start_day:
            if s.admin_for_new_groups and G > self._known:
                self._admins_for_new(G)
            if (day - s.start_day) % s.every_days == 0:
                self._round()
        self._known = m.n_groups
        G = m.n_groups
        live = np.nonzero(self.admin[:G] >= 0)[0]
        self.extra_h[live] = s.founder_hours_per_day
        if len(live) and s.stipend_per_month > 0:
            m.ledger.pay_fixed(day, CATEGORY, len(live) * s.stipend_per_month / 30.0)
        return self.extra_h

    def _admins_for_new(self, G: int) -> None:
        m = self.model
        ids, lo, hi = self._by_group()
        for h in range(self._known, G):
            c = m.g_cat[h]
            if c == m.vip_cat or self.admin[h] >= 0:
                continue
            i = -1
            for prev in np.nonzero(m.g_cat[:h] == c)[0][::-1].tolist():  # newest older group first
                i = self._most_active(ids[lo[prev] : hi[prev]])
                if i >= 0:
                    break
            if i < 0:
                continue
            self._move(np.array([i], dtype=np.int64), h)
            self._appoint(i, h)

    def _round(self) -> None:
        m, s, pop = self.model, self.spec, self.model.pop
        day = m.day
        G = m.n_groups
        ids, lo, hi = self._by_group()
        if s.succession:
            for g in np.nonzero((self.admin[:G] < 0) & self.member_run[:G])[0].tolist():
                i = self._most_active(ids[lo[g] : hi[g]])
                if i >= 0:
                    self._appoint(i, g)
        parents = np.nonzero((m.g_cat[:G] != m.vip_cat) & (m.g_size[:G] >= s.min_parent_size))[0]
        if len(parents) == 0:
            return
        u = KS.uniforms_of(m.kernel_seed, day, KS.P_SPAWN, parents.astype(np.int64), 0)
        parents = parents[u < s.spawn_prob]
        new_here = 0
        for g in parents.tolist():
            if s.max_new_per_round is not None and new_here >= s.max_new_per_round:
                break
            if s.max_total is not None and self.spawned >= s.max_total:
                break
            if not self._room_for_group():
                break
            members = ids[lo[g] : hi[g]]
            members = members[pop.group[members] == g]  # not moved earlier this round
            founder = self._most_active(members)
            if founder < 0:
                continue
            h = m.n_groups
            m.g_state[0] = h + 1
            m.g_cat[h] = m.g_cat[g]
            m.g_size[h] = 0
            m.g_managed[h] = 0
            self.member_run[h] = True
            rest = members[(members != founder) & (pop.role[members] == ROLE_MEMBER)]
            st = pop.status[rest]
            rest = rest[(st == MEMBER) | (st == DORMANT)]
            if s.follow == "paying":
                rest = rest[pop.paying[rest] == 1]
            uf = KS.uniforms_of(m.kernel_seed, day, KS.P_FOLLOW, rest, 0)
            follow = rest[uf < s.follow_share][: max(0, m.plan.groups.target_size - 1)]
            self._move(np.concatenate([np.array([founder], dtype=np.int64), follow]), h)
            self._appoint(founder, h)
            self.spawned += 1
            self.today_new += 1
            new_here += 1
