"""Read-only views of a :class:`~growthsim.model.community.CommunityModel`'s members, for
researchers inspecting state between steps.

The engine keeps people in the arrays of :class:`growthsim.population.Population` (no
Python object per person), so Mesa's ``model.agents`` holds only the levers. Two views
stand in for an agent set:

- :func:`members_frame` (``model.members_frame()``): a ``pandas.DataFrame`` with one row
  per person who ever joined (or everyone), codes spelled out (status, source, role, tier);
- :class:`MemberSet` (``model.members()``): an ``AgentSet``-like, read-only collection of
  :class:`Member` records with Mesa's ``select`` / ``get`` / ``agg`` / ``groupby`` /
  ``sort`` / ``shuffle`` vocabulary, for small models (at most :data:`MEMBER_SET_LIMIT`
  people in the set).

Both are snapshots: they copy the state when called and do not follow later steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthsim.vocab import ROLE_NAMES, STATUS_NAMES, TIER_NAMES, source_names

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel

__all__ = ["MEMBER_SET_LIMIT", "MEMBER_COLUMNS", "Member", "MemberSet", "members_frame"]

#: the most people a :class:`MemberSet` holds (a Python object each); use
#: :func:`members_frame` beyond
MEMBER_SET_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Member:
    """One person as of the snapshot (``unique_id``: the person's index in the market)."""

    unique_id: int
    status: str  # outsider / member / dormant / churned
    source: str  # initial / organic / referral / replay / channel:<name>; "" never joined
    role: str  # member / internal_kol / volunteer_admin
    group: int  # -1: in no group
    block: int
    join_day: int  # -1: never
    leave_day: int
    last_active: int
    last_seen: int
    referrer: int  # -1: nobody
    propensity: float
    engagement: float
    active_days: int
    streak: int
    accepted: int
    paying: bool
    vip: bool
    purchases: int
    revenue: float
    tier: str  # new / active / core / koc
    score: float  # contribution score
    interest: float  # newcomer interest
    points: float  # points balance


MEMBER_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Member))

# Member field -> Population array
_ARRAYS = {
    "status": "status",
    "source": "source",
    "role": "role",
    "group": "group",
    "block": "block",
    "join_day": "join_day",
    "leave_day": "leave_day",
    "last_active": "last_active",
    "last_seen": "last_seen",
    "referrer": "referrer",
    "propensity": "prop",
    "engagement": "eng",
    "active_days": "active_days",
    "streak": "streak",
    "accepted": "accepted",
    "paying": "paying",
    "vip": "vip",
    "purchases": "purchases",
    "revenue": "revenue",
    "tier": "tier",
    "score": "score",
    "interest": "interest",
    "points": "points",
}


def members_frame(model: CommunityModel, include_outsiders: bool = False) -> pd.DataFrame:
    """The market's people as a DataFrame (a copy), indexed by ``unique_id``.

    Rows: everyone who ever joined (``include_outsiders=True``: the whole market). Columns:
    :data:`MEMBER_COLUMNS` less ``unique_id``; ``status``, ``source``, ``role`` and ``tier`` are
    categoricals with the names of :mod:`growthsim.vocab`, ``paying`` / ``vip`` booleans.
    """
    pop = model.pop
    ids = np.arange(pop.n) if include_outsiders else np.nonzero(pop.join_day >= 0)[0]
    src = source_names(list(model.channel_names))
    cols: dict[str, Any] = {}
    for name, arr in _ARRAYS.items():
        values = getattr(pop, arr)[ids]
        if name == "status":
            values = pd.Categorical.from_codes(values.astype(np.int64), list(STATUS_NAMES.values()))
        elif name == "role":
            values = pd.Categorical.from_codes(values.astype(np.int64), list(ROLE_NAMES.values()))
        elif name == "tier":
            values = pd.Categorical.from_codes(values.astype(np.int64), list(TIER_NAMES.values()))
        elif name == "source":
            codes = sorted(src)
            values = pd.Categorical.from_codes(np.searchsorted(codes, values.astype(np.int64)), [src[c] for c in codes])
        elif name in ("paying", "vip"):
            values = values.astype(bool)
        elif name in ("propensity", "engagement", "revenue", "score", "interest", "points"):
            values = values.astype(np.float64)
        else:
            values = values.astype(np.int64)
        cols[name] = values
    return pd.DataFrame(cols, index=pd.Index(ids.astype(np.int64), name="unique_id"))


class MemberSet(Sequence[Member]):
    """A read-only, ``mesa.AgentSet``-like collection of :class:`Member` snapshots.

    Supports ``len``, iteration, indexing, ``in`` and Mesa's read-side methods:
    :meth:`select`, :meth:`get`, :meth:`agg`, :meth:`groupby`, :meth:`sort`,
    :meth:`shuffle`, :meth:`map`; :meth:`to_frame` gives a DataFrame. Nothing here changes
    the model.
    """

    def __init__(self, members: Iterable[Member], random: np.random.Generator | None = None) -> None:
        self._members: tuple[Member, ...] = tuple(members)
        self._rng = random if random is not None else np.random.default_rng()

    @classmethod
    def of(cls, model: CommunityModel, include_outsiders: bool = False) -> MemberSet:
        """The set of ``model``'s people (everyone who ever joined, or the whole market)."""
        n = model.pop.n if include_outsiders else int((model.pop.join_day >= 0).sum())
        if n > MEMBER_SET_LIMIT:
            raise ValueError(
                f"{n:,} people is more than a MemberSet holds ({MEMBER_SET_LIMIT:,}, one Python "
                "object each); use model.members_frame() instead"
            )
        df = members_frame(model, include_outsiders)
        rows = zip(df.index.tolist(), *(df[c].tolist() for c in MEMBER_COLUMNS[1:]))
        # a generator of its own, so inspecting never moves the model's random numbers
        return cls((Member(*r) for r in rows), random=np.random.default_rng(model.base_seed))

    # --------------------------------------------------------------------- sequence
    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterator[Member]:
        return iter(self._members)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return MemberSet(self._members[i], self._rng)
        return self._members[i]

    def __contains__(self, member: object) -> bool:
        if isinstance(member, Member):
            return member in self._members
        return any(m.unique_id == member for m in self._members)

    def __repr__(self) -> str:
        return f"MemberSet({len(self)} members)"

    # --------------------------------------------------------------------- AgentSet-like
    def select(
        self,
        filter_func: Callable[[Member], bool] | None = None,
        at_most: int | float = float("inf"),
        **equals: Any,
    ) -> MemberSet:
        """Members for which ``filter_func`` is true and whose fields equal ``equals``
        (``select(status="member", vip=True)``); ``at_most``: the first N (an int) or that
        share of the set (a float in (0, 1]), as in ``mesa.AgentSet.select``."""
        unknown = set(equals) - set(MEMBER_COLUMNS)
        if unknown:
            raise AttributeError(f"members have no field {', '.join(sorted(unknown))}")
        if isinstance(at_most, float) and at_most <= 1.0:
            at_most = int(len(self) * at_most)
        out: list[Member] = []
        for m in self._members:
            if len(out) >= at_most:
                break
            if filter_func is not None and not filter_func(m):
                continue
            if any(getattr(m, k) != v for k, v in equals.items()):
                continue
            out.append(m)
        return MemberSet(out, self._rng)

    def get(self, attr_names: str | list[str]) -> list[Any]:
        """One field of every member (a list), or several (a list of lists)."""
        if isinstance(attr_names, str):
            return [getattr(m, attr_names) for m in self._members]
        return [[getattr(m, a) for a in attr_names] for m in self._members]

    def agg(self, attribute: str, func: Callable[[list[Any]], Any]) -> Any:
        """``func`` applied to one field of every member (``agg("revenue", sum)``)."""
        return func(self.get(attribute))

    def groupby(self, by: str | Callable[[Member], Any]) -> dict[Any, MemberSet]:
        """Members grouped by a field or a function of a member."""
        key = (lambda m: getattr(m, by)) if isinstance(by, str) else by
        groups: dict[Any, list[Member]] = defaultdict(list)
        for m in self._members:
            groups[key(m)].append(m)
        return {k: MemberSet(v, self._rng) for k, v in groups.items()}

    def sort(self, key: str | Callable[[Member], Any], ascending: bool = False) -> MemberSet:
        """Members sorted by a field or a function (descending by default, as in Mesa)."""
        fn = (lambda m: getattr(m, key)) if isinstance(key, str) else key
        return MemberSet(sorted(self._members, key=fn, reverse=not ascending), self._rng)

    def shuffle(self) -> MemberSet:
        """The members in random order (the set's own generator; the model's is untouched)."""
        order = self._rng.permutation(len(self._members))
        return MemberSet([self._members[i] for i in order], self._rng)

    def map(self, func: Callable[[Member], Any]) -> list[Any]:
        """``func`` of every member."""
        return [func(m) for m in self._members]

    def to_frame(self) -> pd.DataFrame:
        """The members as a DataFrame indexed by ``unique_id``."""
        df = pd.DataFrame(
            [[getattr(m, c) for c in MEMBER_COLUMNS] for m in self._members], columns=list(MEMBER_COLUMNS)
        )
        return df.set_index("unique_id")
