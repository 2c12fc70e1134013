"""Kernel state as a few typed records (``NamedTuple`` s of numpy arrays and scalars).

A kernel takes a handful of records instead of a long list of positional arrays: its body
reads ``mem.status``, ``grp.size``, ``rules.theta`` by name, so passing one array where
another was meant cannot compile silently (a record of the wrong kind lacks the field and
numba refuses to compile; a field is never matched by position). numba passes a
``NamedTuple`` of arrays as one typed argument and caches functions that take them.

Records:

- :class:`Members`: the per-person arrays, the single source of the member fields
  (names, dtypes, initial values; :class:`growthsim.population.Population` is generated
  from it). In a batch of ``R`` replicates the arrays hold the replicates
  end to end (replicate ``r`` is ``[r*n, (r+1)*n)``); a kernel works on one replicate's
  slice, person ids local to the replicate.
- :class:`Groups`: group sizes, categories, managed flags, the number of groups and the
  open group per category; replicate ``r`` owns ``[r*cap, (r+1)*cap)`` (``count[r]``,
  ``open_ptr[r*n_cats1 ...]``).
- :class:`Levels`: the day's per-group levels (``resp``, ``decay``, ``churn``, ``recall``,
  ``ref``, ``stim``), same layout as the groups.
- :class:`Work`: per-replicate work lists (placed members ``roster``, today's ``active``
  members, today's joiners ``new_ids``, referrers of accepted invites ``acc_ref``,
  invitation weights ``cum``), each ``n`` long per replicate; their lengths live in the
  batch's ``counts`` table (columns ``C_*``).
- :class:`Rules`: the plan's member-rule constants (one per plan, shared by the batch).
"""

from __future__ import annotations

from typing import Annotated, NamedTuple, get_type_hints

import numpy as np

# columns of the per-replicate counts table (int64, shape (R, N_COUNTS))
C_ROSTER = 0  # placed members in `roster`
C_NEW = 1  # today's joiners in `new_ids`
C_ACTIVE = 2  # today's active members in `active`
C_ACC = 3  # referrers of today's accepted invites in `acc_ref`
C_ROOM = 4  # joins still possible today
C_CHUNK = 5  # chunk size of one replicate's chunked member passes, 0: none (kernels.huge)
C_CHUNKS = 6  # chunks run by the last chunked pass, 0: it ran unchunked (a diagnostic)
N_COUNTS = 7


class Col(NamedTuple):
    """How a :class:`Members` field is laid out: its dtype and its value for a person who
    never joined (the ``Annotated`` metadata of the field; ``Population.empty`` reads it)."""

    dtype: type
    fill: float | int


class Members(NamedTuple):
    """The per-person arrays, the single source of the member fields: their names, order,
    dtypes and initial values (:class:`growthsim.population.Population` is generated from
    it). Codes are those of :mod:`growthsim.vocab`."""

    status: Annotated[np.ndarray, Col(np.int8, 0)]  # outsider / member / dormant / churned
    prop: Annotated[np.ndarray, Col(np.float32, 0.0)]  # activity propensity a_i (fixed)
    eng: Annotated[np.ndarray, Col(np.float32, 0.0)]  # engagement e_i
    group: Annotated[np.ndarray, Col(np.int32, -1)]  # group index, -1: none
    join_day: Annotated[np.ndarray, Col(np.int32, -1)]  # day numbers, -1: never
    leave_day: Annotated[np.ndarray, Col(np.int32, -1)]
    last_active: Annotated[np.ndarray, Col(np.int32, -1)]
    last_seen: Annotated[np.ndarray, Col(np.int32, -1)]
    referrer: Annotated[np.ndarray, Col(np.int32, -1)]  # who invited this person, -1: nobody
    source: Annotated[np.ndarray, Col(np.int16, -1)]  # how they joined (SRC_*), -1: never
    paying: Annotated[np.ndarray, Col(np.uint8, 0)]  # 0/1
    vip: Annotated[np.ndarray, Col(np.uint8, 0)]  # 0/1
    purchases: Annotated[np.ndarray, Col(np.int32, 0)]  # orders placed
    revenue: Annotated[np.ndarray, Col(np.float64, 0.0)]  # money spent
    active_days: Annotated[np.ndarray, Col(np.int32, 0)]
    streak: Annotated[np.ndarray, Col(np.int32, 0)]  # consecutive active days
    accepted: Annotated[np.ndarray, Col(np.int32, 0)]  # accepted invitations
    boost: Annotated[np.ndarray, Col(np.float32, 1.0)]  # invitation multiplier (internal KOLs)
    role: Annotated[np.ndarray, Col(np.int8, 0)]  # member / internal KOL / volunteer admin
    block: Annotated[np.ndarray, Col(np.int32, 0)]  # graph block (given)
    interest: Annotated[np.ndarray, Col(np.float32, 0.0)]  # newcomer interest n_i (lifecycle)
    early: Annotated[np.ndarray, Col(np.int64, 0)]  # bit a-1: active on day a after joining, a = 1..63
    score: Annotated[np.ndarray, Col(np.float32, 0.0)]  # contribution score c_i (tiers)
    points: Annotated[np.ndarray, Col(np.float32, 0.0)]  # points balance (points programme)
    tier: Annotated[np.ndarray, Col(np.int8, 0)]  # TIER_NEW / ACTIVE / CORE / KOC


#: field -> :class:`Col` of every :class:`Members` field, in field order
MEMBER_COLUMNS: dict[str, Col] = {f: h.__metadata__[0] for f, h in get_type_hints(Members, include_extras=True).items()}
EARLY_DAYS = 63  # days after joining recorded in Members.early


class Groups(NamedTuple):
    size: np.ndarray  # int32, members per group
    cat: np.ndarray  # int32, category (graph block, 0, or the VIP category); -1 unused
    managed: np.ndarray  # uint8, 1 when the group had staff hours today
    count: np.ndarray  # type: ignore[assignment]  # shadows tuple.count; int64, groups opened (one per replicate)
    open_ptr: np.ndarray  # int64, the group being filled per category (-1 none)


class Levels(NamedTuple):
    resp: np.ndarray
    decay: np.ndarray
    churn: np.ndarray
    recall: np.ndarray
    ref: np.ndarray
    stim: np.ndarray
    life: np.ndarray  # newcomer interest decay of the day (lifecycle)
    core: np.ndarray  # core + KOC members at the end of the previous day (tiers)
    koc: np.ndarray  # KOC members at the end of the previous day


class Work(NamedTuple):
    roster: np.ndarray  # int64
    active: np.ndarray  # int64
    new_ids: np.ndarray  # int64
    acc_ref: np.ndarray  # int64
    cum: np.ndarray  # float64


class Rules(NamedTuple):
    """Member-rule constants of a plan (floats and ints, cast on construction)."""

    e0: float  # engagement of a new member (channels may override theirs)
    dormant_factor: float
    habit: float
    reinforcement: float
    vip_conv_mult: float
    order_value: float
    sigma: float
    base_hazard: float
    theta: float
    silent_days: int
    dormant_hazard: float
    max_active_days: int
    vip_churn_mult: float
    onboarding: float
    target: int
    max_size: int
    max_groups: int
    vip_cat: int
    by_block: int  # 1: groups by graph block
    interaction_sustain: float  # lifecycle
    onboarding_interest: float
    initial_interest: float
    score_keep: float  # tiers: daily score retention 0.5**(1/half-life)
    active_points: float
    referral_points: float
    order_points: float
    active_score: float
    core_score: float
    koc_min_referrals: int
    koc_min_orders: int
    demotion_ratio: float
    pt_active: float  # points programme (0 when off)
    pt_referral: float
    pt_order: float


def rules_of(plan, vip_cat: int, max_groups: int) -> Rules:
    """The :class:`Rules` of a validated plan."""
    m, g, e = plan.members, plan.groups, plan.economics
    t, pt = m.tiers, m.points
    return Rules(
        e0=float(m.engagement.initial),
        dormant_factor=float(m.churn.dormant_activity_factor),
        habit=float(m.engagement.habit_gain),
        reinforcement=float(m.referral.social_reinforcement),
        vip_conv_mult=float(g.vip.conversion_multiplier),
        order_value=float(e.order_value),
        sigma=float(e.order_value_sigma),
        base_hazard=float(m.churn.base_hazard),
        theta=float(m.churn.engagement_sensitivity),
        silent_days=int(m.churn.silent_days),
        dormant_hazard=float(m.churn.dormant_hazard),
        max_active_days=int(m.churn.max_active_days or 0),
        vip_churn_mult=float(g.vip.churn_multiplier),
        onboarding=float(plan.operations.onboarding_boost),
        target=int(g.target_size),
        max_size=int(g.max_size),
        max_groups=int(max_groups),
        vip_cat=int(vip_cat),
        by_block=1 if g.by_block else 0,
        interaction_sustain=float(m.lifecycle.interaction_sustain),
        onboarding_interest=float(m.lifecycle.onboarding_interest),
        initial_interest=float(m.lifecycle.initial_interest),
        score_keep=float(0.5 ** (1.0 / t.score_half_life_days)),
        active_points=float(t.active_points),
        referral_points=float(t.referral_points),
        order_points=float(t.order_points),
        active_score=float(t.active_score),
        core_score=float(t.core_score),
        koc_min_referrals=int(t.koc_min_referrals),
        koc_min_orders=int(t.koc_min_orders),
        demotion_ratio=float(t.demotion_ratio),
        pt_active=float(pt.per_active_day) if pt.enabled else 0.0,
        pt_referral=float(pt.per_referral) if pt.enabled else 0.0,
        pt_order=float(pt.per_order) if pt.enabled else 0.0,
    )


def empty_work(n: int) -> Work:
    return Work(
        roster=np.empty(n, dtype=np.int64),
        active=np.zeros(n, dtype=np.int64),
        new_ids=np.zeros(n, dtype=np.int64),
        acc_ref=np.zeros(n, dtype=np.int64),
        cum=np.zeros(n, dtype=np.float64),
    )


def empty_levels(n: int) -> Levels:
    return Levels(*(np.zeros(n) for _ in Levels._fields))


def empty_members(n: int, block: np.ndarray) -> Members:
    """A :class:`Members` record for ``n`` people who never joined (each field filled with
    its :class:`Col` value; ``block`` given)."""
    cols: dict[str, np.ndarray] = {f: np.full(n, c.fill, dtype=c.dtype) for f, c in MEMBER_COLUMNS.items()}
    cols["block"] = np.ascontiguousarray(block, dtype=np.int32)
    return Members(**cols)


def slice_record(rec, start: int, stop: int):
    """The same record with every array field viewed over ``[start, stop)``."""
    return type(rec)(*(a[start:stop] for a in rec))


def concat_records(recs):
    """One record whose fields are the given records' fields laid end to end."""
    first = recs[0]
    return type(first)(*(np.concatenate([getattr(r, f) for r in recs]) for f in first._fields))


VIEWS_MODULE = "growthsim.kernels.views"


def views_source() -> str:
    """The source of :mod:`growthsim.kernels.views` (one replicate's view of a batch's
    records, and one replicate's :class:`Rules`), generated from the fields of
    :class:`Members`, :class:`Levels` and :class:`Rules` so that the field lists exist once. Regenerate with ``python -m growthsim.kernels.state``;
    ``tests/test_batch.py`` checks the file is current."""

    def view(name: str, rec: str, fields: tuple[str, ...], size: str, doc: str) -> str:
        body = "".join(f"        a.{f}[o:e],\n" for f in fields)
        return (
            f"@njit(cache=True)\ndef {name}(a, r, {size}):\n"
            f'    """{doc}"""\n'
            f"    o = r * {size}\n    e = o + {size}\n    return {rec}(\n{body}    )\n"
        )

    return (
        '"""Generated by ``python -m growthsim.kernels.state`` from the fields of\n'
        ':class:`growthsim.kernels.state.Members`, ``Levels`` and ``Rules``; do not edit."""\n\n'
        "from numba import njit\n\n"
        "from growthsim.kernels.state import Levels, Members, Rules\n\n\n"
        + view("members_of", "Members", Members._fields, "n", "Replicate ``r``'s view of the batch's member arrays.")
        + "\n\n"
        + view("levels_of", "Levels", Levels._fields, "cap", "Replicate ``r``'s view of the batch's group levels.")
        + "\n\n@njit(cache=True)\ndef rules_at(ra, r):\n"
        + '    """Replicate ``r``\'s :class:`Rules` from ``ra``: one array per field, one entry per\n'
        + '    replicate (replicates of a batch may run plans that differ in their member rules)."""\n'
        + "    return Rules(\n"
        + "".join(f"        ra[{j}][r],  # {f}\n" for j, f in enumerate(Rules._fields))
        + "    )\n"
        + '\n\n__all__ = ["members_of", "levels_of", "rules_at"]\n'
    )


if __name__ == "__main__":  # pragma: no cover - regenerates kernels/views.py
    import pathlib

    pathlib.Path(__file__).with_name("views.py").write_text(views_source(), encoding="utf-8")
