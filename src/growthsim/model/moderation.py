"""Ad posters and group rules (``docs/model.md``, "Ads and moderation").

Person ``i`` is an ad poster when the keyed draw ``(P_AD_POSTER, i)`` of day 0 is below
``moderation.ad_poster_share`` (fixed for the run, the same in every plan of a seed). An
ad poster who is active on a day, placed in group ``g``, not muted by the rules and not
reformed, posts ``ads_per_day`` ads in ``g`` (in the ad group instead, once they moved
there). Ads count towards the group's promotion pressure (:mod:`growthsim.model.fatigue`)
and raise its engagement decay by the factor ``1 + ad_decay * a_g`` with ``a_g`` the ads a
day over the window.

Rules (``enabled``): a poster's ads of the day are caught, with one keyed draw
``(P_AD_CAUGHT, i)``, with ``detect_managed`` in a group that had staff attention today,
else ``detect_unmanaged``. The poster's ``k``-th catch gets ``actions[min(k, len-1)]``:

- ``warn``: with ``warn_compliance`` (draw ``(P_WARN, i)``) the poster stops for good;
- ``mute``: no ads for ``mute_days``;
- ``remove``: the poster leaves the community the next morning (counted as a leaver).

With an ``ad_group``, a caught poster moves their ads there with ``ad_group_accept``
(draw ``(P_AD_GROUP, i)``) before any action. Each catch costs ``minutes_per_incident``
of staff time at ``hourly_cost`` (ledger category ``moderation``), the ad group its
monthly upkeep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthsim.kernels import social as KS
from growthsim.vocab import CHURNED, DORMANT, MEMBER

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel

NEVER = np.iinfo(np.int32).max
CATEGORY = "moderation"


class Moderation:
    """One model's ad posters, the ads they post and the rules applied to them."""

    def __init__(self, model: "CommunityModel", window_days: int) -> None:
        self.model = model
        self.spec = s = model.plan.moderation
        n, cap = model.pop.n, model.g_cap
        self.on = s.ad_poster_share > 0
        self.W = int(window_days)
        self.ads = np.zeros((self.W, cap), dtype=np.float64)  # ring: ads per group per day
        self.ads_window = np.zeros(cap, dtype=np.float64)  # ads over the window, per group
        if self.on:
            u = KS.uniforms_of(model.kernel_seed, 0, KS.P_AD_POSTER, np.arange(n, dtype=np.int64), 0)
            self.poster = u < s.ad_poster_share
        else:
            self.poster = np.zeros(n, dtype=bool)
        self.strikes = np.zeros(n, dtype=np.int32)
        self.blocked_until = np.zeros(n, dtype=np.int32)  # no ads before this day
        self.in_ad_group = np.zeros(n, dtype=bool)
        self.pending_removal = np.zeros(0, dtype=np.int64)
        self.totals = {"ads_posted": 0.0, "ads_caught": 0, "warned": 0, "muted_posters": 0, "removed": 0}
        self.today: dict[str, float] = {}

    @property
    def costs(self) -> bool:
        """Whether the plan can spend money on moderation (a ledger category)."""
        return self.on or self.spec.ad_group

    @property
    def has_morning(self) -> bool:
        """Whether :meth:`morning` can do anything (ads, removals or the ad group's upkeep)."""
        return self.on or bool(self.spec.ad_group and self.spec.ad_group_cost_per_month > 0)

    def morning(self) -> int:
        """Yesterday's removals leave; the ad group's upkeep; the window's ads per group.
        Returns the people removed."""
        m, s = self.model, self.spec
        day = m.day
        if s.ad_group and s.ad_group_cost_per_month > 0:
            m.ledger.pay_fixed(day, CATEGORY, s.ad_group_cost_per_month / 30.0)
        if self.on:
            self.ads_window[:] = self.ads.sum(axis=0)
        ids = self.pending_removal
        self.pending_removal = np.zeros(0, dtype=np.int64)
        if len(ids) == 0:
            return 0
        pop = m.pop
        ids = ids[(pop.status[ids] == MEMBER) | (pop.status[ids] == DORMANT)]
        if len(ids) == 0:
            return 0
        np.subtract.at(m.g_size, pop.group[ids], 1)
        pop.status[ids] = CHURNED
        pop.leave_day[ids] = day
        m.churned_total += len(ids)
        m._members_changed(ids)
        self.totals["removed"] += len(ids)
        return len(ids)

    def decay_multipliers(self, G: int) -> None:
        """Ads raise the engagement decay of the first ``G`` groups (today's levels)."""
        if self.on:
            a = self.ads_window[:G] / self.W
            self.model._lv.decay[:G] *= 1.0 + self.spec.ad_decay * a

    def after_activity(self, active: np.ndarray) -> dict[str, float]:
        """Today's ads by active posters and the rules' catches; returns today's counts."""
        if not self.on:
            return {}
        m, s = self.model, self.spec
        day = m.day
        slot = self.ads[day % self.W]
        slot[:] = 0.0
        out = {"ads_posted": 0.0, "ads_caught": 0.0}
        if len(active) == 0:
            return out
        pop = m.pop
        posting = active[self.poster[active] & (self.blocked_until[active] <= day)]
        if len(posting) == 0:
            return out
        in_groups = posting[~self.in_ad_group[posting]]
        np.add.at(slot, pop.group[in_groups], s.ads_per_day)
        out["ads_posted"] = float(len(posting) * s.ads_per_day)
        self.totals["ads_posted"] += out["ads_posted"]
        if not s.enabled:
            return out
        # only ads in ordinary groups are policed; ads in the ad group are allowed there
        cand = in_groups
        gc = pop.group[cand]
        p = np.where(m.g_managed[gc] == 1, s.detect_managed, s.detect_unmanaged)
        u = KS.uniforms_of(m.kernel_seed, day, KS.P_AD_CAUGHT, cand, 0)
        caught = cand[u < p]
        if len(caught) == 0:
            return out
        out["ads_caught"] = float(len(caught))
        self.totals["ads_caught"] += len(caught)
        cost = len(caught) * s.minutes_per_incident / 60.0 * s.hourly_cost
        if cost > 0:
            m.ledger.pay_fixed(day, CATEGORY, cost)
        if s.ad_group:
            ua = KS.uniforms_of(m.kernel_seed, day, KS.P_AD_GROUP, caught, 0)
            moved = caught[ua < s.ad_group_accept]
            self.in_ad_group[moved] = True
            caught = caught[ua >= s.ad_group_accept]
        k = np.minimum(self.strikes[caught], len(s.actions) - 1)
        self.strikes[caught] += 1
        acts = np.array(s.actions)[k] if len(caught) else np.array([], dtype=str)
        warned = caught[acts == "warn"]
        if len(warned):
            uw = KS.uniforms_of(m.kernel_seed, day, KS.P_WARN, warned, 0)
            self.blocked_until[warned[uw < s.warn_compliance]] = NEVER
            self.totals["warned"] += len(warned)
        muted = caught[acts == "mute"]
        self.blocked_until[muted] = np.maximum(self.blocked_until[muted], day + 1 + s.mute_days)
        self.totals["muted_posters"] += len(muted)
        removed = caught[acts == "remove"]
        self.blocked_until[removed] = NEVER
        if len(removed):
            self.pending_removal = np.concatenate([self.pending_removal, removed])
        return out
