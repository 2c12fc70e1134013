"""Fatigue: promotions and ads cost members' patience (``docs/model.md``, "Fatigue").

Promotion pressure of group ``g`` on day ``t`` (promotions a week)::

    x_g(t) = (7 / W) * [ P(t-W+1 .. t) + ad_weight * A_g(t-W .. t-1) ]

``P``: the operator's promotions held in the window (events of the campaign kinds in
``fatigue.kinds``, today's included: they are announced in the morning); ``A_g``: ads
members posted in the group over the window's previous days (see
:mod:`growthsim.model.moderation`). With ``excess = max(0, x_g - tolerance_per_week)``:

- the group's leave-hazard multiplier is multiplied by ``1 + leave_per_promotion * excess``;
- each member (status member, placed in ``g``) mutes the group today with probability
  ``min(1, mute_per_promotion * excess)`` (keyed draw ``(P_MUTE, i)``): muted members are
  silent (dormant) until they come back by themselves or are recalled.

With pressure at or below the tolerance nothing changes and no draw is made, so a plan
without promotion-heavy weeks runs bit for bit as without fatigue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthsim.kernels import social as KS
from growthsim.vocab import DORMANT, MEMBER

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel


class Fatigue:
    """One model's promotion pressure and its effects (see the module docstring)."""

    def __init__(self, model: "CommunityModel") -> None:
        self.model = model
        self.spec = model.plan.fatigue
        W = self.spec.window_days
        self.promos = np.zeros(W, dtype=np.float64)  # ring: promotions per day
        self._kinds = set(self.spec.kinds)
        self._agents = [c for c in model.campaigns if c.spec.kind in self._kinds]
        self._seen = 0
        self.muted_total = 0
        self.pressure = np.zeros(model.g_cap, dtype=np.float64)  # today's, per group
        self._no_ads = np.zeros(model.g_cap, dtype=np.float64)
        self._promo_sum = 0  # promotions in the ring

    def promotions_today(self) -> int:
        """Promotions held this morning (events counted by the campaign agents)."""
        held = sum(c.events for c in self._agents)
        today = held - self._seen
        self._seen = held
        return today

    def apply(self, G: int, ads_window: np.ndarray | None) -> int:
        """Today's pressure per group, leave multipliers and mutes (the levels of the first
        ``G`` groups are today's). ``ads_window[g]``: ads in group ``g`` over the window
        (``None``: no ads, a plan without ad posters). Returns the members who muted."""
        m, s = self.model, self.spec
        W = s.window_days
        day = m.day
        today = self.promotions_today()
        # the window's sum kept as whole numbers (the same as summing the ring)
        self._promo_sum += today - int(self.promos[day % W])
        self.promos[day % W] = today
        if not s.enabled:
            return 0
        promos = float(self._promo_sum)
        if promos * 7.0 / W <= s.tolerance_per_week and (ads_window is None or not ads_window[:G].any()):
            return 0  # no group above the tolerance: nothing to do
        if ads_window is None:
            ads_window = self._no_ads
        x = self.pressure[:G]
        x[:] = (7.0 / W) * (promos + s.ad_weight * ads_window[:G])
        excess = np.maximum(0.0, x - s.tolerance_per_week)
        if not excess.any():
            return 0
        m._lv.churn[:G] *= 1.0 + s.leave_per_promotion * excess
        h = np.minimum(1.0, s.mute_per_promotion * excess)
        if not h.any():
            return 0
        ids = m.roster[: m.n_roster]
        pop = m.pop
        ids = ids[pop.status[ids] == MEMBER]
        g = pop.group[ids]
        hg = h[g]
        ids, hg = ids[hg > 0], hg[hg > 0]
        if len(ids) == 0:
            return 0
        u = KS.uniforms_of(m.kernel_seed, day, KS.P_MUTE, ids, 0)
        muted = ids[u < hg]
        if len(muted):
            pop.status[muted] = DORMANT
            m._members_changed(muted)
        self.muted_total += len(muted)
        return len(muted)
