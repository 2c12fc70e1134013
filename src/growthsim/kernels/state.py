"""Kernel state as a few typed records (``NamedTuple`` s of numpy arrays and scalars).

A kernel takes a handful of records instead of a long list of positional arrays: its body
reads ``mem.status``, ``grp.size``, ``rules.theta`` by name, so passing one array where
another was meant cannot compile silently (a record of the wrong kind lacks the field and
numba refuses to compile; a field is never matched by position). numba passes a
``NamedTuple`` of arrays as one typed argument and caches functions that take them.

Records:

- :class:`Members`: the per-person arrays of :class:`growthsim.population.Population`
  (same names and dtypes). In a batch of ``R`` replicates the arrays hold the replicates
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

from typing import NamedTuple

import numpy as np

# columns of the per-replicate counts table (int64, shape (R, N_COUNTS))
C_ROSTER = 0  # placed members in `roster`
C_NEW = 1  # today's joiners in `new_ids`
C_ACTIVE = 2  # today's active members in `active`
C_ACC = 3  # referrers of today's accepted invites in `acc_ref`
C_ROOM = 4  # joins still possible today
N_COUNTS = 5


class Members(NamedTuple):
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


def rules_of(plan, vip_cat: int, max_groups: int) -> Rules:
    """The :class:`Rules` of a validated plan."""
    m, g, e = plan.members, plan.groups, plan.economics
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


def slice_record(rec, start: int, stop: int):
    """The same record with every array field viewed over ``[start, stop)``."""
    return type(rec)(*(a[start:stop] for a in rec))


def concat_records(recs):
    """One record whose fields are the given records' fields laid end to end."""
    first = recs[0]
    return type(first)(*(np.concatenate([getattr(r, f) for r in recs]) for f in first._fields))
