"""Offline events, a campaign kind (``docs/model.md``, "Offline events").

On each event day the campaign holds ``events_per_day`` events (each paid
``cost_per_event`` in full, or not held), each with ``capacity`` seats:
``round(capacity * new_share)`` for new members (tenure below ``new_member_days``), the
rest for older members; seats left empty on one side go to the other. Among the placed
members of a side (status member, not yet seated today) the invited are those with the
smallest ``-log(u_i) / e_i`` (``u_i`` the keyed draw ``(P_OFFLINE_SEAT, i, event)``): a
weighted draw without replacement, so engaged members are more likely to come. Each
attendee costs ``cost_per_attendee`` (paid seat by seat), gains ``engagement_lift * (1 - e)``
engagement, counts as seen today, and buys on the spot with ``purchase_prob`` (draw
``(P_OFFLINE_BUY, i)``; the order value log-normal with the plan's mean and spread, draw
``(P_OFFLINE_VALUE, i)``), which is added to the day's orders and revenue.
"""

from __future__ import annotations

import numpy as np

from growthsim.kernels import social as KS
from growthsim.model.levers import CAMPAIGN_AGENTS, EventCampaignAgent
from growthsim.vocab import MEMBER


class OfflineEventAgent(EventCampaignAgent):
    """An offline event campaign (see the module docstring)."""

    def __init__(self, model, name, spec):
        super().__init__(model, name, spec)
        self.attendees_total = 0
        self.new_attendees_total = 0
        self.held = 0
        self.orders_total = 0
        self.log: list[tuple[int, int, int]] = []  # (day, new members seated, people seated) per event

    def _pick(self, cand: np.ndarray, k: int, event: int) -> np.ndarray:
        if k <= 0 or len(cand) == 0:
            return cand[:0]
        m = self.model
        u = KS.uniforms_of(m.kernel_seed, m.day, KS.P_OFFLINE_SEAT, cand, self.stream * 1024 + event)
        e = np.maximum(m.pop.eng[cand], 1e-9)
        key = -np.log1p(-u) / e
        order = np.lexsort((cand, key))
        return cand[order[:k]]

    def event(self) -> None:
        m, s, pop = self.model, self.spec, self.model.pop
        if not self.running:
            return
        day = m.day
        ids = m.roster[: m.n_roster]
        ids = ids[pop.status[ids] == MEMBER]
        seated = np.zeros(0, dtype=np.int64)
        new_seated = 0
        for k in range(s.events_per_day):
            if self.pay_units(s.cost_per_event, 1) < 1:
                break
            free = ids[~np.isin(ids, seated)] if len(seated) else ids
            is_new = day - pop.join_day[free] < s.new_member_days
            want_new = int(round(s.capacity * s.new_share))
            new = self._pick(free[is_new], want_new, 2 * k)
            old = self._pick(free[~is_new], s.capacity - len(new), 2 * k + 1)
            if len(new) + len(old) < s.capacity:  # too few older members: more new ones
                more = free[is_new][~np.isin(free[is_new], new)]
                new = np.concatenate([new, self._pick(more, s.capacity - len(new) - len(old), 2 * k)])
            people = np.concatenate([new, old])
            paid = self.pay_units(s.cost_per_attendee, len(people))
            people = np.sort(people[:paid])
            n_new = int(np.isin(people, new).sum())
            new_seated += n_new
            self.log.append((day, n_new, len(people)))
            seated = np.concatenate([seated, people])
            self.held += 1
        if len(seated) == 0:
            return
        self.events += 1
        seated = np.sort(seated)
        pop.eng[seated] += s.engagement_lift * (1.0 - pop.eng[seated])
        pop.last_seen[seated] = day
        u = KS.uniforms_of(m.kernel_seed, day, KS.P_OFFLINE_BUY, seated, self.stream)
        buyers = seated[u < s.purchase_prob]
        econ = m.plan.economics
        first = int((pop.paying[buyers] == 0).sum())
        value = np.full(len(buyers), float(econ.order_value))
        if econ.order_value_sigma > 0 and len(buyers):
            z = KS.normals_of(m.kernel_seed, day, KS.P_OFFLINE_VALUE, buyers, self.stream)
            sg = econ.order_value_sigma
            value = econ.order_value * np.exp(sg * z - 0.5 * sg * sg)
        pop.paying[buyers] = 1
        pop.purchases[buyers] += 1
        pop.revenue[buyers] += value
        m._members_changed(seated)
        rev = float(value.sum())
        m.life.add_today(
            offline_attendees=len(seated),
            first_purchases=first,
            purchases=len(buyers),
            revenue=rev,
            gross_margin=rev * econ.gross_margin,
        )
        self.attendees_total += len(seated)
        self.new_attendees_total += new_seated
        self.orders_total += len(buyers)


CAMPAIGN_AGENTS["offline_event"] = OfflineEventAgent
