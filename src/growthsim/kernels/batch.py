"""The day's passes for a batch of replicates: one kernel call per pass for the batch.

A batch holds ``R`` replicates of one plan laid end to end (see
:mod:`growthsim.kernels.state`): replicate ``r``'s people are ``[r*n, (r+1)*n)``, its
groups ``[r*cap, (r+1)*cap)``. Each function here loops over the replicates and calls the
one-replicate kernel of :mod:`growthsim.kernels.daily` on the replicate's slices — the
member rules exist once. Per-replicate inputs (today's multipliers, reach, caps, seeds) are
arrays of length ``R``; per-replicate outputs go to arrays or to the ``counts`` table.

The records cross from Python as plain tuples (``tuple(record)``; numba types a plain
tuple in its C fast path, a ``NamedTuple`` field by field in Python, ~7 µs a call) and
each function turns them back into their record type on entry (``Members(*mem_t)``), so
the bodies still read every field by name.

Every function comes twice, compiled from the same source: ``serial.<name>`` (a plain loop,
used for a batch of one: no thread start-up) and ``parallel.<name>`` (``prange`` over the
replicates, numba threads). A replicate's draws are keyed by its own seed (the replicate's
child seed), the day, the purpose and the person, and replicates share no state, so the
results are the same, bit for bit, whatever the number of threads, the batch size or the
order in which threads take the replicates.

A replicate's own passes may run on threads too: from :data:`growthsim.kernels.huge.
CHUNKED_MIN_PEOPLE` people, in a batch whose replicates are not on threads, the counts
table's ``C_CHUNK`` column (set by the model's day state, ``huge.chunk_for``) is the
chunk size with which activity, referral, conversion and churn cut the replicate's work
lists into chunks on threads (:mod:`growthsim.kernels.huge`: same results, bit for bit).

Threads: numba's (``NUMBA_NUM_THREADS``, ``numba.set_num_threads``); OpenMP threads wait
passively between passes (``OMP_WAIT_POLICY=PASSIVE`` unless set).
"""

from __future__ import annotations

import os
import types

# Threads waiting between the many short parallel passes of a day sleep instead of spinning
# (OpenMP's default spins, which on a machine shared with other work burns the cores the
# other threads need); set OMP_WAIT_POLICY before the first parallel call to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
from numba import njit, prange

from growthsim.kernels import huge
from growthsim.kernels.daily import (
    channel_pass,
    credit_wellmixed_referrers,
    invite_weights,
    organic_pass,
    place_members,
    replay_pass,
    roster_add,
    wellmixed_referral_pass,
)
from growthsim.kernels.state import (
    C_ACC,
    C_ACTIVE,
    C_CHUNK,
    C_CHUNKS,
    C_NEW,
    C_ROOM,
    C_ROSTER,
    Groups,
    Levels,
    Members,
    Work,
)
from growthsim.kernels.views import levels_of, members_of, rules_at


@njit(cache=True)
def groups_of(grp, r, cap, n_cats1):
    o = r * cap
    c = r * n_cats1
    return Groups(
        grp.size[o : o + cap],
        grp.cat[o : o + cap],
        grp.managed[o : o + cap],
        grp.count[r : r + 1],
        grp.open_ptr[c : c + n_cats1],
    )


# --------------------------------------------------------------------------- acquisition
def channel(mem_t, work_t, counts, n, reach, candidates, join_rate, caps, src, e0, seeds, day, stream, joins):
    """One channel for every replicate (``reach[r]`` people reached, ``caps[r]`` intake cap)."""
    mem = Members(*mem_t)
    work = Work(*work_t)
    for r in prange(seeds.shape[0]):
        o = r * n
        nn, j, room = channel_pass(
            members_of(mem, r, n),
            work.new_ids[o : o + n],
            counts[r, C_NEW],
            reach[r],
            candidates,
            join_rate,
            caps[r],
            src,
            e0,
            counts[r, C_ROOM],
            seeds[r],
            day,
            stream,
        )
        counts[r, C_NEW] = nn
        counts[r, C_ROOM] = room
        joins[r] = j


def plain_joins(mem_t, work_t, counts, n, replayed, value, e0, seeds, day, joins):
    """Replayed joins (``replayed`` 1: exactly ``value`` outsiders) or organic joins
    (``replayed`` 0: each outsider with probability ``value``) for every replicate."""
    mem = Members(*mem_t)
    work = Work(*work_t)
    for r in prange(seeds.shape[0]):
        o = r * n
        m, ids, start, room = members_of(mem, r, n), work.new_ids[o : o + n], counts[r, C_NEW], counts[r, C_ROOM]
        if replayed:
            nn, j, room = replay_pass(m, ids, start, int(value), e0, room, seeds[r], day)
        else:
            nn, j, room = organic_pass(m, ids, start, value, e0, room, seeds[r], day)
        counts[r, C_NEW] = nn
        counts[r, C_ROOM] = room
        joins[r] = j


# --------------------------------------------------------------------------- member passes
def activity(mem_t, work_t, counts, lv_t, n, cap, act_mult, rules_t, seeds, day, woken):
    mem = Members(*mem_t)
    work = Work(*work_t)
    lv = Levels(*lv_t)
    for r in prange(seeds.shape[0]):
        rules = rules_at(rules_t, r)
        o = r * n
        k, w, t = huge.activity(
            work.roster[o : o + n],
            counts[r, C_ROSTER],
            members_of(mem, r, n),
            levels_of(lv, r, cap),
            act_mult[r],
            rules,
            seeds[r],
            day,
            work.active[o : o + n],
            counts[r, C_CHUNK],
        )
        counts[r, C_CHUNKS] = t
        counts[r, C_ACTIVE] = k
        woken[r] = w


def referral(indptr, indices, mem_t, work_t, counts, lv_t, n, cap, p_inv, p_acc, rules_t, seeds, day, invites):
    """Word of mouth along the graph's edges (the graph is shared by the batch)."""
    mem = Members(*mem_t)
    work = Work(*work_t)
    lv = Levels(*lv_t)
    for r in prange(seeds.shape[0]):
        rules = rules_at(rules_t, r)
        o = r * n
        active = work.active[o : o + counts[r, C_ACTIVE]]
        nn, inv, acc, room, t = huge.referral(
            indptr,
            indices,
            members_of(mem, r, n),
            levels_of(lv, r, cap).ref,
            active,
            work.new_ids[o : o + n],
            counts[r, C_NEW],
            work.acc_ref[o : o + n],
            p_inv[r],
            p_acc[r],
            rules,
            counts[r, C_ROOM],
            seeds[r],
            day,
            work.cum[o : o + n],
            counts[r, C_CHUNK],
        )
        counts[r, C_CHUNKS] = t
        counts[r, C_NEW] = nn
        counts[r, C_ACC] = acc
        counts[r, C_ROOM] = room
        invites[r] = inv


def wellmixed(mem_t, work_t, counts, lv_t, n, cap, p_inv, p_acc, mean_degree, linear, rules_t, seeds, day, invites):
    """Word of mouth in a well-mixed market: invitation weights, invitations, credits. An
    outsider is invited with ``1 - exp(-lam)`` (``lam`` = expected invitations per
    outsider), or with ``min(1, lam)`` when ``linear`` (the textbook discrete Bass model)."""
    mem = Members(*mem_t)
    work = Work(*work_t)
    lv = Levels(*lv_t)
    for r in prange(seeds.shape[0]):
        rules = rules_at(rules_t, r)
        o = r * n
        m = members_of(mem, r, n)
        n_act = counts[r, C_ACTIVE]
        active = work.active[o : o + n_act]
        cum = work.cum[o : o + n_act]
        total = invite_weights(active, m, levels_of(lv, r, cap).ref, p_inv[r] * mean_degree, cum)
        lam = total / max(1, n - 1)
        if total <= 0:
            p = 0.0
        elif linear:
            p = min(1.0, lam)
        else:
            p = -np.expm1(-lam)
        start = counts[r, C_NEW]
        nn, inv, _, room = wellmixed_referral_pass(
            m,
            work.new_ids[o : o + n],
            start,
            p,
            p_acc[r],
            active,
            cum,
            total,
            rules.e0,
            counts[r, C_ROOM],
            seeds[r],
            day,
        )
        counts[r, C_ACC] = credit_wellmixed_referrers(
            work.new_ids[o : o + n], start, nn, m, work.acc_ref[o : o + n], rules
        )
        counts[r, C_NEW] = nn
        counts[r, C_ROOM] = room
        invites[r] = inv


def conversion(mem_t, work_t, counts, n, p_first, p_repeat, rules_t, seeds, day, ints, rev):
    mem = Members(*mem_t)
    work = Work(*work_t)
    for r in prange(seeds.shape[0]):
        rules = rules_at(rules_t, r)
        o = r * n
        first, orders, v, t = huge.conversion(
            work.active[o : o + counts[r, C_ACTIVE]],
            members_of(mem, r, n),
            p_first[r],
            p_repeat[r],
            rules,
            seeds[r],
            day,
            work.cum[o : o + n],
            counts[r, C_CHUNK],
        )
        counts[r, C_CHUNKS] = t
        ints[r, 0] = first
        ints[r, 1] = orders
        rev[r] = v


def churn(mem_t, work_t, counts, lv_t, grp_t, n, cap, rules_t, seeds, day, out):
    """Churn, dormancy, recall and tiers; ``out[r]``: churned, to_dormant, recalled,
    members, dormant, wau, mau, payers, vips, tier_active, tier_core, tier_koc."""
    mem = Members(*mem_t)
    work = Work(*work_t)
    lv = Levels(*lv_t)
    grp = Groups(*grp_t)
    for r in prange(seeds.shape[0]):
        rules = rules_at(rules_t, r)
        o = r * n
        res = huge.churn(
            work.roster[o : o + n],
            counts[r, C_ROSTER],
            members_of(mem, r, n),
            levels_of(lv, r, cap),
            grp.size[r * cap : (r + 1) * cap],
            rules,
            seeds[r],
            day,
            work.cum[o : o + n],
            counts[r, C_CHUNK],
        )
        counts[r, C_CHUNKS] = res[13]
        for q in range(12):
            out[r, q] = res[q]
        counts[r, C_ROSTER] = res[12]


def place(mem_t, work_t, counts, grp_t, n, cap, n_cats1, rules_t, R):
    """Today's joiners into groups, then into the roster of placed members."""
    mem = Members(*mem_t)
    work = Work(*work_t)
    grp = Groups(*grp_t)
    for r in prange(R):
        rules = rules_at(rules_t, r)
        o = r * n
        m = members_of(mem, r, n)
        ids = work.new_ids[o : o + counts[r, C_NEW]]
        cats = np.zeros(ids.shape[0], dtype=np.int64)
        if rules.by_block:
            for k in range(ids.shape[0]):
                cats[k] = m.block[ids[k]]
        if ids.shape[0] > 0:
            place_members(ids, cats, m, groups_of(grp, r, cap, n_cats1), rules)
        counts[r, C_ROSTER] = roster_add(work.roster[o : o + n], counts[r, C_ROSTER], ids)


_PASSES = (channel, plain_joins, activity, referral, wellmixed, conversion, churn, place)


def _clone(fn, suffix: str):
    """A copy of ``fn`` under another name, so that its compiled versions are cached apart."""
    g = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + suffix, fn.__defaults__, fn.__closure__)
    g.__qualname__ = fn.__qualname__ + suffix
    g.__doc__ = fn.__doc__
    return g


serial = types.SimpleNamespace(**{f.__name__: njit(cache=True)(_clone(f, "_serial")) for f in _PASSES})
parallel = types.SimpleNamespace(
    **{f.__name__: njit(cache=True, parallel=True)(_clone(f, "_parallel")) for f in _PASSES}
)

__all__ = ["serial", "parallel", "members_of", "levels_of", "groups_of", "rules_at"]
