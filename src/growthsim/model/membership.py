"""Members as members: lifecycle after joining, tiers, points and star-member awards.

The per-person rules live in the kernels (:mod:`growthsim.kernels.daily`: newcomer
interest in ``activity_pass``, the contribution score in the activity, referral and
conversion passes, tiers in ``churn_pass``); this module holds what is per group or per
plan, shared by the engine and the reference model:

- :func:`member_levels`: today's per-group interest decay and the lift core members and
  KOCs give their group (stimulus and referral), from the previous day's tier counts;
- :func:`activity_retention`: the share of a join cohort active on day N after joining
  (D1, D7, D30) and in week k after joining — *activity* retention, not *membership*
  retention (``retention_d*``: still in the community, active or not);
- :class:`PointsProgram` and :class:`StarAwards`: levers whose costs go to the ledger.

Equations and the sources of the defaults: ``docs/model.md`` ("Lifecycle after joining",
"Member tiers").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.time import Priority

from growthsim.kernels.state import EARLY_DAYS, Levels
from growthsim.model.levers import Lever
from growthsim.vocab import DORMANT, MEMBER, SRC_INITIAL

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.scenario import schema as S

__all__ = [
    "ACTIVITY_RETENTION_DAYS",
    "ACTIVITY_RETENTION_WEEKS",
    "PointsProgram",
    "StarAwards",
    "activity_retention",
    "member_levels",
    "membership_cost_categories",
]

#: days N of the activity-retention scalars ``activity_retention_d<N>``
ACTIVITY_RETENTION_DAYS = (1, 7, 30)
#: weeks k of ``activity_retention_w<k>`` (week k = days 7k-6 .. 7k after joining)
ACTIVITY_RETENTION_WEEKS = tuple(range(1, EARLY_DAYS // 7 + 1))


def member_levels(spec: "S.Members", lv: Levels, size: np.ndarray, managed: np.ndarray) -> None:
    """Add the tiers' group lift and set today's interest decay, in place, for the first
    ``G = len(size)`` groups of ``lv`` (after ``group_levels``, before the response):

    ``S_g += core_stimulus * core_g / size_g``; ``ref_g *= 1 + koc_referral * koc_g /
    size_g`` (``core_g`` counts core members and KOCs, ``koc_g`` KOCs, at the end of the
    previous day; ``size_g`` at least 1); ``life_g = (managed_interest_decay if managed
    else interest_decay) / (1 + content_sustain * S_g)``."""
    G = len(size)
    tiers, life = spec.tiers, spec.lifecycle
    n = np.maximum(size, 1).astype(np.float64)
    if tiers.core_stimulus > 0:
        lv.stim[:G] += tiers.core_stimulus * lv.core[:G] / n
    if tiers.koc_referral > 0:
        lv.ref[:G] *= 1.0 + tiers.koc_referral * lv.koc[:G] / n
    base = np.where(managed == 1, life.managed_interest_decay, life.interest_decay)
    lv.life[:G] = base / (1.0 + life.content_sustain * lv.stim[:G])


def activity_retention(pop, horizon: int) -> dict[str, float]:
    """Activity retention of everyone who joined during the horizon (the day-0 seed members
    are left out: they were members before day 0, and their day 0 is already a day of
    activity): ``activity_retention_d<N>`` = the share of members who joined at least N
    days before the horizon's last day and were active on day N after joining (leavers
    count as inactive); ``activity_retention_w<k>``
    = the share, among those who joined at least 7k days before the last day, active at
    least once in days 7k-6 .. 7k after joining. NaN when nobody is eligible."""
    ever = (pop.join_day >= 0) & (pop.source != SRC_INITIAL)
    join = pop.join_day.astype(np.int64)
    bits = pop.early.astype(np.int64)
    out: dict[str, float] = {}

    def share(last_day: int, mask: int) -> float:
        eligible = ever & (join <= horizon - 1 - last_day)
        if not eligible.any():
            return float("nan")
        return float(((bits[eligible] & mask) != 0).mean())

    for d in ACTIVITY_RETENTION_DAYS:
        out[f"activity_retention_d{d}"] = share(d, 1 << (d - 1))
    for k in ACTIVITY_RETENTION_WEEKS:
        week = sum(1 << (a - 1) for a in range(7 * k - 6, 7 * k + 1))
        out[f"activity_retention_w{k}"] = share(7 * k, week)
    return out


def membership_cost_categories(spec: "S.Members") -> list[str]:
    """The ledger categories of the member programmes a plan runs."""
    return (["points"] if spec.points.enabled else []) + (["star_awards"] if spec.star_awards.enabled else [])


def _placed(pop) -> np.ndarray:
    """Members (active or dormant) placed in a group, ascending."""
    return np.nonzero(((pop.status == MEMBER) | (pop.status == DORMANT)) & (pop.group >= 0))[0]


class PointsProgram(Lever):
    """Points, levels and titles. Members earn points in the kernels (``per_active_day``,
    ``per_referral``, ``per_order``; see ``Rules.pt_*``); each morning every placed member
    holding at least ``exchange_points`` exchanges whole multiples of it for rewards of
    ``exchange_value`` each (ledger category ``points``; when the budget refuses some,
    members are served in id order). While the programme runs, activity is multiplied by
    ``activity_multiplier`` (visible levels and titles)."""

    category_prefix = "points"

    def __init__(self, model, spec: "S.Points"):
        super().__init__(model, "points")
        self.spec = spec
        self.exchanges = 0
        if spec.enabled:
            self.every_day(self.run_day, 0, None, Priority.HIGH)

    @property
    def category(self) -> str:
        return "points"

    def run_day(self) -> None:
        m, s, pop = self.model, self.spec, self.model.pop
        m.today.m_act *= s.activity_multiplier
        ids = _placed(pop)
        units = np.floor(pop.points[ids] / s.exchange_points).astype(np.int64)
        want = int(units.sum())
        if want == 0:
            return
        granted = m.ledger.request_units(m.day, self.category, s.exchange_value, want)
        if granted < want:  # serve members in id order until the granted rewards run out
            before = np.cumsum(units) - units
            units = np.clip(granted - before, 0, units)
        pop.points[ids] -= (units * s.exchange_points).astype(np.float32)
        self.exchanges += int(units.sum())


class StarAwards(Lever):
    """Monthly "star member" awards: on each award day the ``winners`` placed members with
    the highest contribution scores (ties: lower id first) get ``prize`` each (ledger
    category ``star_awards``; winners the budget refuses get nothing) and
    ``engagement_boost * (1 - e)`` engagement."""

    category_prefix = "star_awards"

    def __init__(self, model, spec: "S.StarAwards"):
        super().__init__(model, "star_awards")
        self.spec = spec
        self.awarded = 0
        if spec.enabled and spec.start_day < model.horizon:
            self.every_n_days(self.award, spec.every_days, spec.start_day)

    @property
    def category(self) -> str:
        return "star_awards"

    def award(self) -> None:
        m, s, pop = self.model, self.spec, self.model.pop
        ids = _placed(pop)
        if len(ids) == 0:
            return
        order = np.lexsort((ids, -pop.score[ids].astype(np.float64)))
        top = ids[order[: s.winners]]
        k = m.ledger.request_units(m.day, self.category, s.prize, len(top))
        won = top[:k]
        pop.eng[won] += (s.engagement_boost * (1.0 - pop.eng[won])).astype(np.float32)
        self.awarded += int(k)
