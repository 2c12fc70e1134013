"""One huge replicate's member passes on numba threads, deterministic by construction.

A batch of several replicates runs them side by side (:mod:`growthsim.kernels.batch`); a
single replicate of a large market instead cuts its work lists into chunks of a fixed
size and runs the chunks on threads. For a plan of at least :data:`CHUNKED_MIN_PEOPLE`
people (the decision is the plan's, never the thread count's; ``chunk_for``) the batch
functions call the passes of this module with :data:`CHUNK`; each pass

1. runs the one-replicate member rule of :mod:`growthsim.kernels.daily` on each chunk
   (``prange`` over the chunks: the chunk's people only, its draws keyed as always by
   ``(seed, day, purpose, person)``), writing what is shared to the chunk's own part of a
   buffer: the ids it keeps, its counters, its order values, its effects on groups;
2. then commits the chunks serially, in chunk order: concatenates the ids, adds the
   counters, sums the order values in the members' order, applies the group effects.

Nothing a chunk writes is read or written by another chunk, and the commit's order is
fixed, so the results do not depend on the number of threads or on which thread takes
which chunk. They are also exactly those of the one-replicate passes, bit for bit: the
member rules are the same functions, a member's outcome depends on their own fields and
draws only, the counters are integers and the revenue is summed in the same order. So a
plan runs the same chunked or not, alone or in a batch.

Word of mouth (:func:`referral`) is a claim-then-commit pass: several active members may
invite the same outsider, and an outsider who accepts is no outsider for the next
invitation. Phase 1 (threads, by chunks of active members) draws each member's invitees
(keyed draws that depend on neither status nor order), counting them first so that each
chunk writes its proposals at a fixed offset, and keeps the proposals whose invitee was
an outsider at the start of the pass; phase 2 (serial) offers them in the members' order
(the lowest position in the active list first, then row order), each still-outsider
invitee once: the first accepted invitation wins, exactly as in
:func:`growthsim.kernels.daily.referral_pass`.

Buffers: the replicate's ``Work.cum`` (float64, one per person; only the well-mixed
referral uses it otherwise, inside its own call) holds the order values, the group
events and the invitation probabilities of the day's passes; the proposals are allocated
per call (invitations drawn: a few per cent of the active members' edges).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from growthsim.kernels.daily import (
    OUTSIDER,
    activity_pass,
    apply_group_events,
    churn_members,
    churn_pass,
    conversion_members,
    invite_prob,
    offer_invite,
    referral_pass,
    select_invitees,
)

#: people (roster entries, active members) per chunk: a constant, so that the chunks and
#: hence every sum are the same at any thread count
CHUNK = 32768
#: markets from this size run one replicate's member passes in chunks on threads
CHUNKED_MIN_PEOPLE = 1_000_000


def chunk_for(n_people: int, parallel_batch: bool = False) -> int:
    """The chunk size of the member passes of one replicate of ``n_people`` people: 0 (not
    chunked) below :data:`CHUNKED_MIN_PEOPLE` or when the batch already runs its
    replicates on threads (``parallel_batch``), else :data:`CHUNK`. Chunked or not, the
    results are the same (see the module docstring): this decides speed only."""
    if parallel_batch or n_people < CHUNKED_MIN_PEOPLE:
        return 0
    return int(CHUNK)


@njit(cache=True, parallel=True)
def _activity(roster, n_roster, mem, lv, act_mult, rules, seed, day, active_out, chunk):
    n_ch = (n_roster + chunk - 1) // chunk
    ks = np.zeros(n_ch, dtype=np.int64)
    ws = np.zeros(n_ch, dtype=np.int64)
    for c in prange(n_ch):
        lo = c * chunk
        hi = min(n_roster, lo + chunk)
        # a chunk's active members (at most its length) go to its own span of active_out
        k, w = activity_pass(roster[lo:hi], hi - lo, mem, lv, act_mult, rules, seed, day, active_out[lo:hi])
        ks[c] = k
        ws[c] = w
    k = 0
    w = 0
    for c in range(n_ch):  # commit: the chunks' active members in chunk order
        lo = c * chunk
        if k != lo:  # forward, element by element (the spans may overlap)
            for q in range(ks[c]):
                active_out[k + q] = active_out[lo + q]
        k += ks[c]
        w += ws[c]
    return k, w, n_ch


@njit(cache=True)
def activity(roster, n_roster, mem, lv, act_mult, rules, seed, day, active_out, chunk):
    """:func:`growthsim.kernels.daily.activity_pass` over chunks of ``chunk`` roster
    entries (``chunk`` 0 or the roster one chunk: the plain pass). Returns (n_active,
    n_woken, chunks)."""
    if chunk <= 0 or n_roster <= chunk:
        k, w = activity_pass(roster, n_roster, mem, lv, act_mult, rules, seed, day, active_out)
        return k, w, 0
    return _activity(roster, n_roster, mem, lv, act_mult, rules, seed, day, active_out, chunk)


@njit(cache=True, parallel=True)
def _churn(roster, n_roster, mem, lv, g_size, rules, seed, day, ev, chunk):
    n_ch = (n_roster + chunk - 1) // chunk
    res = np.zeros((n_ch, 14), dtype=np.int64)
    lv.core[:] = 0.0
    lv.koc[:] = 0.0
    for c in prange(n_ch):
        lo = c * chunk
        hi = min(n_roster, lo + chunk)
        # the chunk keeps its staying members at the front of its span of the roster and
        # records its group effects (at most one a member) in its span of ev
        out = churn_members(roster[lo:hi], hi - lo, mem, lv, g_size, rules, seed, day, ev[lo:hi])
        for q in range(14):
            res[c, q] = out[q]
    tot = np.zeros(12, dtype=np.int64)
    w = 0
    for c in range(n_ch):  # commit in chunk order
        lo = c * chunk
        for q in range(12):
            tot[q] += res[c, q]
        kept = res[c, 12]
        if w != lo:  # forward, element by element (the spans may overlap)
            for q in range(kept):
                roster[w + q] = roster[lo + q]
        w += kept
        apply_group_events(ev[lo:], res[c, 13], g_size, lv.core, lv.koc)
    return (
        tot[0],
        tot[1],
        tot[2],
        tot[3],
        tot[4],
        tot[5],
        tot[6],
        tot[7],
        tot[8],
        tot[9],
        tot[10],
        tot[11],
        w,
        n_ch,
    )


@njit(cache=True)
def churn(roster, n_roster, mem, lv, g_size, rules, seed, day, ev, chunk):
    """:func:`growthsim.kernels.daily.churn_pass` over chunks of ``chunk`` roster entries
    (``chunk`` 0 or the roster one chunk: the plain pass); ``ev`` a float64 scratch buffer
    as long as the roster. Returns churn_pass's tuple and the chunks."""
    if chunk <= 0 or n_roster <= chunk:
        o = churn_pass(roster, n_roster, mem, lv, g_size, rules, seed, day)
        return o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], o[10], o[11], o[12], 0
    return _churn(roster, n_roster, mem, lv, g_size, rules, seed, day, ev, chunk)


@njit(cache=True, parallel=True)
def _conversion(active_ids, mem, p_first, p_repeat, rules, seed, day, values, chunk):
    n_act = active_ids.shape[0]
    n_ch = (n_act + chunk - 1) // chunk
    res = np.zeros((n_ch, 2), dtype=np.int64)
    for c in prange(n_ch):
        lo = c * chunk
        hi = min(n_act, lo + chunk)
        # a chunk's order values (at most one a member) go to its span of values
        first, orders, _ = conversion_members(
            active_ids[lo:hi], mem, p_first, p_repeat, rules, seed, day, values[lo:hi]
        )
        res[c, 0] = first
        res[c, 1] = orders
    first = 0
    orders = 0
    rev = 0.0
    for c in range(n_ch):  # commit: the revenue summed order by order, in the members' order
        lo = c * chunk
        first += res[c, 0]
        orders += res[c, 1]
        for q in range(res[c, 1]):
            rev += values[lo + q]
    return first, orders, rev, n_ch


@njit(cache=True)
def conversion(active_ids, mem, p_first, p_repeat, rules, seed, day, values, chunk):
    """:func:`growthsim.kernels.daily.conversion_pass` over chunks of ``chunk`` active
    members (``chunk`` 0 or one chunk: the plain pass); ``values`` a float64 scratch buffer
    as long as ``active_ids``. Returns (first_purchases, orders, revenue, chunks)."""
    if chunk <= 0 or active_ids.shape[0] <= chunk:
        first, orders, rev = conversion_members(
            active_ids, mem, p_first, p_repeat, rules, seed, day, np.empty(0, dtype=np.float64)
        )
        return first, orders, rev, 0
    return _conversion(active_ids, mem, p_first, p_repeat, rules, seed, day, values, chunk)


@njit(cache=True, parallel=True)
def _referral(
    indptr,
    indices,
    mem,
    g_ref,
    active_ids,
    new_ids,
    n_new,
    accept_referrers,
    p_invite,
    p_accept,
    rules,
    room,
    seed,
    day,
    pis,
    chunk,
):
    status, eng, group, boost = mem.status, mem.eng, mem.group, mem.boost
    n_act = active_ids.shape[0]
    n_ch = (n_act + chunk - 1) // chunk
    cnt = np.zeros(n_ch + 1, dtype=np.int64)
    none = np.empty(0, dtype=np.int64)
    # phase 1a: each member's invitation probability (kept in pis) and how many
    # neighbours they select, by chunk
    for c in prange(n_ch):
        lo = c * chunk
        hi = min(n_act, lo + chunk)
        m = 0
        for k in range(lo, hi):
            i = active_ids[k]
            pi = invite_prob(i, p_invite, eng, group, boost, g_ref)
            pis[k] = pi
            m = select_invitees(i, pi, indptr[i], indptr[i + 1], seed, day, none, m)
        cnt[c + 1] = m
    for c in range(n_ch):
        cnt[c + 1] += cnt[c]
    total = cnt[n_ch]
    s_k = np.empty(total, dtype=np.int64)
    s_j = np.empty(total, dtype=np.int64)
    # phase 1b: the same draws again, each chunk writing its proposals from its offset;
    # then the invitees gathered (row positions to people, a pass of its own, then their
    # status: independent misses), a proposal kept (s_k >= 0) when the invitee was an
    # outsider at the start of the pass (one who was not is none later: the pass only
    # turns outsiders into members)
    for c in prange(n_ch):
        lo = c * chunk
        hi = min(n_act, lo + chunk)
        m = cnt[c]
        for k in range(lo, hi):
            i = active_ids[k]
            m1 = select_invitees(i, pis[k], indptr[i], indptr[i + 1], seed, day, s_j, m)
            s_k[m:m1] = k
            m = m1
        for q in range(cnt[c], m):
            s_j[q] = indices[s_j[q]]
        for q in range(cnt[c], m):
            if status[s_j[q]] != OUTSIDER:
                s_k[q] = -1
    # phase 2 (commit): the proposals in the members' order, each offered by the one
    # rule of the serial pass (offer_invite: an invitee who joined through an earlier
    # proposal is passed over)
    invites = 0
    acc = 0
    for q in range(total):
        k = s_k[q]
        if k < 0:
            continue
        inv, n_new, acc, room = offer_invite(
            active_ids[k],
            s_j[q],
            indptr,
            indices,
            mem,
            new_ids,
            n_new,
            accept_referrers,
            acc,
            p_accept,
            rules,
            room,
            seed,
            day,
        )
        invites += inv
    return n_new, invites, acc, room, n_ch


@njit(cache=True)
def referral(
    indptr,
    indices,
    mem,
    g_ref,
    active_ids,
    new_ids,
    n_new,
    accept_referrers,
    p_invite,
    p_accept,
    rules,
    room,
    seed,
    day,
    pis,
    chunk,
):
    """:func:`growthsim.kernels.daily.referral_pass` as a claim-then-commit pass over chunks
    of ``chunk`` active members (``chunk`` 0 or one chunk: the plain pass); ``pis`` a
    float64 scratch buffer as long as ``active_ids``. Returns (n_new, invites,
    accepted_count, room_left, chunks)."""
    if chunk <= 0 or active_ids.shape[0] <= chunk:
        nn, inv, acc, room = referral_pass(
            indptr,
            indices,
            mem,
            g_ref,
            active_ids,
            new_ids,
            n_new,
            accept_referrers,
            p_invite,
            p_accept,
            rules,
            room,
            seed,
            day,
        )
        return nn, inv, acc, room, 0
    return _referral(
        indptr,
        indices,
        mem,
        g_ref,
        active_ids,
        new_ids,
        n_new,
        accept_referrers,
        p_invite,
        p_accept,
        rules,
        room,
        seed,
        day,
        pis,
        chunk,
    )


__all__ = ["CHUNK", "CHUNKED_MIN_PEOPLE", "chunk_for", "activity", "churn", "conversion", "referral"]
