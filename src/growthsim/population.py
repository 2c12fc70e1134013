"""Member state as a struct of numpy arrays: one array per attribute, one slot per person
of the market (outsiders included), so kernels can step a million people without a
Python object each."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from growthsim.vocab import MEMBER, SRC_INITIAL, SRC_NONE
from growthsim.scenario.schema import Propensity


@dataclass
class Population:
    """Per-person arrays (length = market size).

    Codes (status, source, role) are those of :mod:`growthsim.vocab`.

    status: 0 outsider, 1 member, 2 dormant, 3 churned (int8).
    prop: activity propensity a_i in [0, 1] (fixed).
    eng: engagement e_i in [0, 1].
    group: group index, -1 when in none.
    join_day / leave_day / last_active / last_seen: day numbers, -1 when never.
    referrer: who invited this person (-1: nobody). source: how they joined (see
    ``growthsim.vocab.SRC_*``; -1 never joined).
    paying, vip: 0/1 flags. purchases: orders placed. revenue: money spent.
    active_days: days active; streak: consecutive active days; accepted: accepted invites.
    boost: invitation multiplier (internal KOLs > 1). role: 0 member, 1 internal KOL,
    2 volunteer admin. block: graph block (region / interest category).
    """

    status: np.ndarray
    prop: np.ndarray
    eng: np.ndarray
    group: np.ndarray
    join_day: np.ndarray
    leave_day: np.ndarray
    last_active: np.ndarray
    last_seen: np.ndarray
    referrer: np.ndarray
    source: np.ndarray
    paying: np.ndarray
    vip: np.ndarray
    purchases: np.ndarray
    revenue: np.ndarray
    active_days: np.ndarray
    streak: np.ndarray
    accepted: np.ndarray
    boost: np.ndarray
    role: np.ndarray
    block: np.ndarray

    @classmethod
    def empty(cls, n: int, block: np.ndarray) -> "Population":
        neg = lambda: np.full(n, -1, dtype=np.int32)  # noqa: E731
        return cls(
            status=np.zeros(n, dtype=np.int8),
            prop=np.zeros(n, dtype=np.float32),
            eng=np.zeros(n, dtype=np.float32),
            group=neg(),
            join_day=neg(),
            leave_day=neg(),
            last_active=neg(),
            last_seen=neg(),
            referrer=neg(),
            source=np.full(n, SRC_NONE, dtype=np.int16),
            paying=np.zeros(n, dtype=np.uint8),
            vip=np.zeros(n, dtype=np.uint8),
            purchases=np.zeros(n, dtype=np.int32),
            revenue=np.zeros(n, dtype=np.float64),
            active_days=np.zeros(n, dtype=np.int32),
            streak=np.zeros(n, dtype=np.int32),
            accepted=np.zeros(n, dtype=np.int32),
            boost=np.ones(n, dtype=np.float32),
            role=np.zeros(n, dtype=np.int8),
            block=np.ascontiguousarray(block, dtype=np.int32),
        )

    @property
    def n(self) -> int:
        return int(self.status.shape[0])

    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self))

    def seed_members(self, ids: np.ndarray, e0: float) -> None:
        """Make ``ids`` members on day 0 (source: initial)."""
        self.status[ids] = MEMBER
        self.eng[ids] = e0
        self.join_day[ids] = 0
        self.last_seen[ids] = 0
        self.source[ids] = SRC_INITIAL


def draw_propensity(spec: Propensity, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each person's activity propensity: Beta(alpha, beta) or a constant."""
    if spec.distribution == "constant":
        return np.full(n, spec.value, dtype=np.float32)
    return rng.beta(spec.alpha, spec.beta, size=n).astype(np.float32)
