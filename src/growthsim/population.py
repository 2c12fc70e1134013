"""Member state as a struct of numpy arrays: one array per attribute, one slot per person
of the market (outsiders included), so kernels can step a million people without a
Python object each.

The fields, their dtypes and initial values are those of
:class:`growthsim.kernels.state.Members` (the single source): :class:`Population` holds
one array per ``Members`` field, under the field's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthsim.kernels.state import MEMBER_COLUMNS, Members, empty_members
from growthsim.scenario.schema import Propensity
from growthsim.vocab import MEMBER, SRC_INITIAL


class Population:
    """Per-person arrays (length = market size), one per field of
    :class:`growthsim.kernels.state.Members` (see its comments for the meaning, dtype and
    initial value of each): ``status``, ``prop``, ``eng``, ``group``, ``join_day``, ...,
    ``tier``. Codes (status, source, role, tier) are those of :mod:`growthsim.vocab`.
    """

    __slots__ = tuple(MEMBER_COLUMNS)

    if TYPE_CHECKING:  # every attribute is one of the Members arrays

        def __getattr__(self, name: str) -> np.ndarray: ...

    def __init__(self, record: Members) -> None:
        for f, a in zip(Members._fields, record):
            setattr(self, f, a)

    @classmethod
    def empty(cls, n: int, block: np.ndarray) -> "Population":
        return cls(empty_members(n, block))

    @property
    def n(self) -> int:
        return int(self.status.shape[0])

    def nbytes(self) -> int:
        return sum(getattr(self, f).nbytes for f in Members._fields)

    def record(self) -> "Members":
        """The arrays as a :class:`growthsim.kernels.state.Members` record (same arrays,
        not copies), what the kernels take."""
        return Members(*(getattr(self, f) for f in Members._fields))

    def seed_members(self, ids: np.ndarray, e0: float, interest: float = 0.0) -> None:
        """Make ``ids`` members on day 0 (source: initial), with newcomer ``interest``."""
        self.status[ids] = MEMBER
        self.eng[ids] = e0
        self.interest[ids] = interest
        self.join_day[ids] = 0
        self.last_seen[ids] = 0
        self.source[ids] = SRC_INITIAL


def draw_propensity(spec: Propensity, n: int, rng: np.random.Generator) -> np.ndarray:
    """Each person's activity propensity: Beta(alpha, beta) or a constant."""
    if spec.distribution == "constant":
        return np.full(n, spec.value, dtype=np.float32)
    return rng.beta(spec.alpha, spec.beta, size=n).astype(np.float32)
