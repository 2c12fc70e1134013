"""Group life: fatigue, ads and moderation, self-organised groups, offline events and
group health, wired into the day of :class:`growthsim.model.community.CommunityModel`
(``docs/model.md``, "Fatigue, ads, self-organised groups, offline events and group health").

The mechanisms work on one model's arrays (its slice of a batch's), with keyed draws
(:mod:`growthsim.kernels.social`), at fixed points of the day, so a model runs them the
same alone or in a batch of any size and thread count:

1. morning, before the groups' levels (``before_levels``): removals decided yesterday,
   self-organisation rounds, member admins' hours (extra hours per group);
2. morning, after the levels (``after_levels``): promotion pressure, the leave
   multipliers and mutes of fatigue, the ads' engagement decay, the groups' managed
   streaks;
3. after the activity pass (``after_activity``, a watcher of the day): ads posted and
   caught, activity per group and the warning levels;
4. collect (``collect``): the day's counters into the series row.

Member state changed here goes through ``CommunityModel._members_changed`` (a no-op for
the engine; the one-agent-per-person reference model copies it into its people).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthsim.metrics.health import GroupHealth
from growthsim.model import offline as _offline  # noqa: F401  (registers the campaign kind)
from growthsim.model.fatigue import Fatigue
from growthsim.model.levers import no_op_hook
from growthsim.model.moderation import CATEGORY as MODERATION
from growthsim.model.moderation import Moderation
from growthsim.model.selforg import CATEGORY as SELF_ORGANISATION
from growthsim.model.selforg import SelfOrganisation
from growthsim.vocab import SERIES_LIFE

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel

#: series columns added by group life (counts per day; member_run_groups at the end of the day)
COUNTERS = SERIES_LIFE
#: series columns to which group life adds (offline events' orders)
ADDED_TO = ("first_purchases", "purchases", "revenue", "gross_margin")


def cost_categories(plan) -> list[str]:
    """The ledger categories group life may spend in, for ``plan``."""
    out = []
    mo = plan.moderation
    if mo.ad_poster_share > 0 or mo.ad_group:
        out.append(MODERATION)
    if plan.self_organisation.enabled:
        out.append(SELF_ORGANISATION)
    return out


class GroupLife:
    """The group-life mechanisms of one model (see the module docstring)."""

    def __init__(self, model: "CommunityModel") -> None:
        self.model = model
        self.fatigue = Fatigue(model)
        self.moderation = Moderation(model, model.plan.fatigue.window_days)
        self.selforg = SelfOrganisation(model)
        self.health = GroupHealth(model)
        self.day_counts: dict[str, float] = {}

    def add_today(self, **counts: float) -> None:
        for k, v in counts.items():
            self.day_counts[k] = self.day_counts.get(k, 0.0) + float(v)

    @property
    def levels_morning(self) -> bool:
        """Whether :meth:`before_levels` has anything to do for this plan (moderation's
        morning or self-organisation; else the extra hours are all zeros)."""
        return self.moderation.has_morning or self.selforg.spec.enabled

    def before_levels(self) -> np.ndarray:
        """Removals, self-organisation; returns the extra hours per group."""
        removed = self.moderation.morning()
        if removed:
            self.add_today(removed_for_ads=removed)
        return self.selforg.morning()

    def after_levels(self, G: int) -> None:
        m = self.model
        mo = self.moderation
        muted = self.fatigue.apply(G, mo.ads_window if mo.on else None)  # no posters: no ads
        if muted:
            self.add_today(muted=muted)
        self.moderation.decay_multipliers(G)
        if not self.health.batched:  # else the batch runs it (kernels.groups.health_morning)
            self.health.morning(G)
        m.today.watch(self)

    # hooks of the day (a watcher of Today)
    @property
    def live_hooks(self) -> tuple[bool, bool, bool]:
        """The hooks the day calls (levers.live_hooks): after the activity only with ads
        or a tracker of its own (else the batch runs the health)."""
        return (self.moderation.on or not self.health.batched, False, False)

    def after_activity(self, active: np.ndarray) -> None:
        m = self.model
        if self.moderation.on:
            self.add_today(**self.moderation.after_activity(active))
        if not self.health.batched:  # else the day runs the batch's (metrics.health.HealthBatch)
            G = max(m.n_groups, 1)
            self.add_today(**self.health.after_activity(active, G, self.moderation.ads_window, self.moderation.W))

    @no_op_hook
    def after_referral(self, referrers: np.ndarray) -> None:
        pass

    @no_op_hook
    def after_conversion(self, revenue: float) -> None:
        pass

    def counts(self) -> dict[str, float]:
        """Today's counters (and the additions to the kernels' columns); resets them."""
        m = self.model
        c = self.day_counts
        self.day_counts = {}
        if self.selforg.spec.enabled:
            c["member_run_groups"] = float((self.selforg.admin[: m.n_groups] >= 0).sum())
            c["subgroups_opened"] = float(self.selforg.today_new)
        return c

    def collect(self, row: np.ndarray, ix: dict[str, int]) -> None:
        """Write today's counters into the series row (adding to the order columns)."""
        if not self.day_counts and not self.selforg.spec.enabled:
            return  # nothing counted today
        c = self.counts()
        for k, v in c.items():
            if k in ADDED_TO:
                row[ix[k]] += v
            else:
                row[ix[k]] = v
