"""The day's member passes: acquisition, activity, referral, conversion, churn, placement.

Pure functions of typed records (:mod:`growthsim.kernels.state`: ``Members``, ``Groups``,
``Levels``, ``Rules``) and scalars, compiled with ``numba.njit(cache=True)``; each works on
one replicate (a batch calls it on each replicate's slice, see
:mod:`growthsim.kernels.batch`). Arrays are updated in place; each pass returns its counts. Person ``i``'s random draws come
from :mod:`growthsim.kernels.rng` keyed by ``(seed, day, purpose, i, j)``, so a pass gives
the same result whatever order or thread count. Status and source codes are those of
:mod:`growthsim.vocab`: ``OUTSIDER`` (never joined), ``MEMBER``, ``DORMANT`` (silent too
long, still in a group), ``CHURNED`` (left for good).

See ``docs/model.md`` for the equations these implement.
"""

from __future__ import annotations

import numpy as np
from numba import njit, uint64

from growthsim.kernels.rng import (
    P_ACCEPT,
    P_ACTIVE,
    P_BUY,
    P_CHANNEL,
    P_CHURN,
    P_INVITE,
    P_ORDER_VALUE,
    P_ORGANIC,
    P_RECALL,
    P_REFERRER,
    P_REPLAY,
    P_WOM,
    P_WOM_ACCEPT,
    normal,
    randint,
    uniform,
)
from growthsim.kernels.state import EARLY_DAYS, Groups, Levels
from growthsim.vocab import (
    CHURNED,
    DORMANT,
    MEMBER,
    OUTSIDER,
    SRC_CHANNEL0,
    SRC_INITIAL,
    SRC_ORGANIC,
    SRC_REFERRAL,
    SRC_REPLAY,
    TIER_ACTIVE,
    TIER_CORE,
    TIER_KOC,
    TIER_NEW,
)


@njit(inline="always", cache=True)
def _join(i, day, src, ref, e0, mem):
    mem.status[i] = MEMBER
    mem.eng[i] = e0
    mem.join_day[i] = day
    mem.last_seen[i] = day
    mem.source[i] = src
    mem.referrer[i] = ref


@njit(inline="always", cache=True)
def _next_selected(pos, stop, p, log_q, seed, day, purpose, a, b):
    """The next index after ``pos`` when each index of ``pos+1 .. stop-1`` is selected
    independently with probability ``p`` (``log_q = log(1 - p)``), or ``stop`` when none
    is: the gap is geometric, drawn by inverting one keyed uniform ``(purpose, a, b)``."""
    if p >= 1.0:
        return pos + 1
    gap = np.floor(np.log1p(-uniform(seed, day, purpose, a, b)) / log_q)  # a float: may be huge
    if gap >= stop - pos - 1:
        return stop
    return pos + 1 + int(gap)


@njit(cache=True)
def wellmixed_referral_pass(
    mem,
    new_ids,
    n_new,
    p_invite,
    p_accept,
    active_ids,
    cum_weight,
    total_weight,
    e0,
    room,
    seed,
    day,
):
    """Word of mouth in a well-mixed market: each outsider is invited at least once with
    ``p_invite`` (= 1 - exp(-λ), λ = expected invitations per person) and accepts with
    ``p_accept``; the referrer is drawn among today's active members in proportion to
    their invitation weight (``cum_weight``, total ``total_weight``).

    Visits only the people it selects: the gaps between selections over the market are
    geometric (draws ``(P_WOM, k)``); a selected person who is not an outsider is passed
    over, so each outsider is invited with ``p_invite``. Returns (n_new, invites,
    referral_joins, room_left)."""
    status = mem.status
    n = status.shape[0]
    invites = 0
    referred = 0
    n_act = active_ids.shape[0]
    if p_invite <= 0.0 or n_act == 0:
        return n_new, 0, 0, room
    log_q = np.log1p(-p_invite) if p_invite < 1.0 else 0.0
    j = -1
    k = 0
    while room > 0:
        j = _next_selected(j, n, p_invite, log_q, seed, day, P_WOM, k, 1)
        k += 1
        if j >= n:
            break
        if status[j] != OUTSIDER:
            continue
        invites += 1
        if uniform(seed, day, P_WOM_ACCEPT, j, 0) < p_accept:
            x = uniform(seed, day, P_REFERRER, j, 0) * total_weight
            r = np.searchsorted(cum_weight, x, side="right")
            if r >= n_act:
                r = n_act - 1
            _join(j, day, SRC_REFERRAL, active_ids[r], e0, mem)
            new_ids[n_new] = j
            n_new += 1
            referred += 1
            room -= 1
    return n_new, invites, referred, room


@njit(cache=True)
def organic_pass(mem, new_ids, n_new, p, e0, room, seed, day):
    """Organic joins: each outsider joins with probability ``p`` independently.

    Visits only the selected people: the gaps between successive selections over the whole
    market are geometric (inverse-CDF draws ``k`` of purpose ``P_ORGANIC``), so the cost is
    ``O(n p)``, not ``O(n)``; a selected person who is not an outsider is passed over, which
    thins the selection to outsiders with the same ``p``. Returns (n_new, joins, room_left)."""
    status = mem.status
    n = status.shape[0]
    joins = 0
    if p <= 0.0 or room <= 0:
        return n_new, 0, room
    log_q = np.log1p(-p) if p < 1.0 else 0.0
    j = -1
    k = 0
    while room > 0:
        j = _next_selected(j, n, p, log_q, seed, day, P_ORGANIC, k, 1)
        k += 1
        if j >= n:
            break
        if status[j] != OUTSIDER:
            continue
        _join(j, day, SRC_ORGANIC, -1, e0, mem)
        new_ids[n_new] = j
        n_new += 1
        joins += 1
        room -= 1
    return n_new, joins, room


@njit(cache=True)
def channel_pass(mem, new_ids, n_new, n_reach, candidates, join_rate, intake_cap, src, e0, room, seed, day, stream):
    """``n_reach`` people are reached, each a uniform draw from ``candidates`` (everyone, or
    one graph block); a reached outsider joins with ``join_rate``, at most ``intake_cap``
    joins (negative: no cap). ``stream`` is the channel's stream key (a hash of its name,
    so its draws do not depend on the other channels). Returns (n_new, joins, room_left)."""
    status = mem.status
    joins = 0
    m = candidates.shape[0]
    if m == 0:
        return n_new, 0, room
    purpose = P_CHANNEL + 1000 * (stream + 1)
    for k in range(n_reach):
        if room <= 0 or (intake_cap >= 0 and joins >= intake_cap):
            break
        j = candidates[randint(seed, day, purpose, k, 0, m)]
        if status[j] != OUTSIDER:
            continue
        if uniform(seed, day, purpose + 1, k, 0) < join_rate:
            _join(j, day, src, -1, e0, mem)
            new_ids[n_new] = j
            n_new += 1
            joins += 1
            room -= 1
    return n_new, joins, room


@njit(cache=True)
def replay_pass(mem, new_ids, n_new, target, e0, room, seed, day):
    """Exactly ``target`` outsiders (while any remain) join, drawn uniformly: observed sign-ups
    replayed as they happened. Returns (n_new, joins, room_left)."""
    status = mem.status
    n = status.shape[0]
    joins = 0
    tries = 0
    while joins < target and room > 0 and tries < 50 * (target + 10):
        j = randint(seed, day, P_REPLAY, tries, 0, n)
        tries += 1
        if status[j] != OUTSIDER:
            continue
        _join(j, day, SRC_REPLAY, -1, e0, mem)
        new_ids[n_new] = j
        n_new += 1
        joins += 1
        room -= 1
    return n_new, joins, room


@njit(cache=True)
def activity_pass(roster, n_roster, mem, lv, act_mult, rules, seed, day, active_out):
    """Engagement update and today's activity for members placed in a group.

    ``e <- e + g_resp[g]*(1-e) - g_decay[g]*e``; active with probability
    ``(prop*e + n*(1 - prop*e)) * act_mult``, ``n`` the newcomer interest (times
    ``dormant_factor`` when dormant); an active day adds ``habit*(1-e)``, wakes a dormant
    member, sets bit ``a-1`` of ``early`` (``a`` = days since joining, 1..EARLY_DAYS) and
    adds ``active_points`` to the score and ``pt_active`` to the points. Then the interest
    fades: ``n <- n*(1 - life[g]*(1 - interaction_sustain*active))``. Visits the ``n_roster`` people of
    ``roster`` (the placed members, ascending); ``active_out[:n_active]`` is written in the
    same order. Returns (n_active, n_woken)."""
    status, prop, eng, group = mem.status, mem.prop, mem.eng, mem.group
    last_active, last_seen, active_days, streak = mem.last_active, mem.last_seen, mem.active_days, mem.streak
    g_resp, g_decay, g_life = lv.resp, lv.decay, lv.life
    interest, early, join_day, score, points = mem.interest, mem.early, mem.join_day, mem.score, mem.points
    dormant_factor, habit = rules.dormant_factor, rules.habit
    sustain, a_pts, p_pts = rules.interaction_sustain, rules.active_points, rules.pt_active
    k = 0
    woken = 0
    for r in range(n_roster):
        i = roster[r]
        s = status[i]
        if s != MEMBER and s != DORMANT:
            continue
        g = group[i]
        if g < 0:
            continue
        e = eng[i]
        e = e + g_resp[g] * (1.0 - e) - g_decay[g] * e
        nu = interest[i]
        base = prop[i] * e
        p = (base + nu * (1.0 - base)) * act_mult
        if s == DORMANT:
            p *= dormant_factor
        lam = g_life[g]
        if uniform(seed, day, P_ACTIVE, i, 0) < p:
            e += habit * (1.0 - e)
            lam *= 1.0 - sustain
            a = day - join_day[i]
            if 1 <= a <= EARLY_DAYS:
                early[i] |= np.int64(1) << np.int64(a - 1)
            score[i] += a_pts
            points[i] += p_pts
            last_active[i] = day
            last_seen[i] = day
            active_days[i] += 1
            streak[i] += 1
            active_out[k] = i
            k += 1
            if s == DORMANT:
                status[i] = MEMBER
                woken += 1
        else:
            streak[i] = 0
        interest[i] = nu * (1.0 - lam)
        if e < 0.0:
            e = 0.0
        elif e > 1.0:
            e = 1.0
        eng[i] = e
    return k, woken


@njit(cache=True)
def invite_weights(active_ids, mem, g_ref, base, cum):
    """Cumulative invitation weights ``base * e_i * g_ref[g_i] * boost_i`` of active members,
    written to ``cum[:len(active_ids)]``. Returns the total."""
    eng, group, boost = mem.eng, mem.group, mem.boost
    m = active_ids.shape[0]
    total = 0.0
    for k in range(m):
        i = active_ids[k]
        total += base * eng[i] * g_ref[group[i]] * boost[i]
        cum[k] = total
    return total


@njit(inline="always", cache=True)
def invite_prob(i, p_invite, eng, group, boost, g_ref):
    """Active member ``i``'s probability of inviting each neighbour: ``p_invite * e_i *
    g_ref[g_i] * boost_i``."""
    return p_invite * eng[i] * g_ref[group[i]] * boost[i]


@njit(inline="always", cache=True)
def select_invitees(i, pi, lo, hi, seed, day, out, m):
    """The neighbours that member ``i`` selects, each of the row ``indices[lo:hi]``
    independently with probability ``pi``: only the selected ones are visited, the gaps
    between them geometric (draws ``(P_INVITE, i, 0..)``). Their row positions go to
    ``out[m:]`` (room for ``hi - lo`` more); with ``out`` empty they are only counted.
    Returns the new ``m``. The draws depend on neither status nor visit order."""
    if pi <= 0.0:
        return m
    ptr = lo - 1
    log_q = np.log1p(-pi) if pi < 1.0 else 0.0
    draw = 0
    keep = out.shape[0] > 0
    while True:
        ptr = _next_selected(ptr, hi, pi, log_q, seed, day, P_INVITE, i, draw)
        draw += 1
        if ptr >= hi:
            return m
        if keep:
            out[m] = ptr
        m += 1


@njit(inline="always", cache=True)
def offer_invite(i, j, indptr, indices, mem, new_ids, n_new, accept_referrers, acc, p_accept, rules, room, seed, day):
    """Member ``i`` invites ``j`` if ``j`` is still an outsider: ``j`` joins with
    ``p_accept`` (complex contagion: times ``1 + reinforcement * (member friends - 1)``,
    capped at 1) while there is room; an accepted invite is written to
    ``accept_referrers`` and adds ``referral_points`` to ``i``'s score and ``pt_referral``
    to their points. Returns (invited 0/1, n_new, acc, room)."""
    status = mem.status
    if status[j] != OUTSIDER:
        return 0, n_new, acc, room
    if room <= 0:
        return 1, n_new, acc, room
    pa = p_accept
    reinforcement = rules.reinforcement
    if reinforcement > 0.0:
        friends = 0
        for r in range(indptr[j], indptr[j + 1]):
            sq = status[indices[r]]
            if sq == MEMBER or sq == DORMANT:
                friends += 1
        pa = p_accept * (1.0 + reinforcement * (friends - 1))
        if pa > 1.0:
            pa = 1.0
    if uniform(seed, day, P_ACCEPT, i, j) < pa:
        _join(j, day, SRC_REFERRAL, i, rules.e0, mem)
        new_ids[n_new] = j
        n_new += 1
        mem.accepted[i] += 1
        mem.score[i] += rules.referral_points
        mem.points[i] += rules.pt_referral
        accept_referrers[acc] = i
        acc += 1
        room -= 1
    return 1, n_new, acc, room


@njit(cache=True)
def referral_pass(
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
):
    """Active members invite outsider neighbours with ``p_invite * e_i * g_ref[g_i] *
    boost_i`` (:func:`invite_prob`); an invitee joins with ``p_accept`` (complex contagion:
    times ``1 + reinforcement * (member friends - 1)``, capped at 1; :func:`offer_invite`).
    Referrers of accepted invites are written to ``accept_referrers``; each accepted invite
    adds ``referral_points`` to the referrer's score and ``pt_referral`` to their points.
    Returns (n_new, invites, accepted_count, room_left).

    Member ``i`` selects each of its neighbours independently with probability ``pi``; the
    kernel visits only the selected ones, drawing the gaps between them (geometric, draws
    ``(P_INVITE, i, 0..)``, :func:`select_invitees`), and a selected neighbour who is an
    outsider is invited. The cost is ``O(1 + degree * pi)`` per active member instead of
    ``O(degree)``; the reads are grouped into passes over blocks of members (see the
    comments below). :func:`growthsim.kernels.huge.referral` is the same pass with the
    selection on threads."""
    status, eng, group, boost = mem.status, mem.eng, mem.group, mem.boost
    invites = 0
    acc = 0
    n_act = active_ids.shape[0]
    # The active members are taken in blocks of REFERRAL_BLOCK, each in four passes, so
    # that the scattered reads of one pass do not wait on each other (no chains of
    # dependent cache misses): (1) gather each member's invitation probability and row
    # bounds; (2) draw the selected neighbours (draws depend on neither status nor visit
    # order); (3) gather the selected neighbours and whether each is an outsider; (4) in
    # the members' order, invite the outsiders, exactly as one member after another
    # would: a neighbour who was no outsider at (3) is none at (4) (the pass only turns
    # outsiders into members, and no active member's engagement, group or boost), and one
    # who was is checked again, in case an earlier invitation of the block made them join.
    B = REFERRAL_BLOCK
    b_pi = np.empty(B, dtype=np.float64)
    b_lo = np.empty(B, dtype=np.int64)
    b_hi = np.empty(B, dtype=np.int64)
    cap = 4 * B
    s_i = np.empty(cap, dtype=np.int64)
    s_j = np.empty(cap, dtype=np.int64)
    s_out = np.empty(cap, dtype=np.uint8)
    for b0 in range(0, n_act, B):
        b1 = min(n_act, b0 + B)
        for k in range(b0, b1):
            i = active_ids[k]
            b_pi[k - b0] = invite_prob(i, p_invite, eng, group, boost, g_ref)
            b_lo[k - b0] = indptr[i]
            b_hi[k - b0] = indptr[i + 1]
        m = 0
        for k in range(b0, b1):
            lo = b_lo[k - b0]
            hi = b_hi[k - b0]
            if m + hi - lo > cap:
                cap = max(2 * cap, m + hi - lo)
                s_i = _grown(s_i, cap)
                s_j = _grown(s_j, cap)
                s_out = _grown(s_out, cap)
            i = active_ids[k]
            m1 = select_invitees(i, b_pi[k - b0], lo, hi, seed, day, s_j, m)
            s_i[m:m1] = i
            m = m1
        for q in range(m):
            j = indices[s_j[q]]
            s_j[q] = j
            s_out[q] = status[j] == OUTSIDER
        for q in range(m):
            if not s_out[q]:
                continue
            inv, n_new, acc, room = offer_invite(
                s_i[q],
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
    return n_new, invites, acc, room


#: Active members per block of :func:`referral_pass` (its buffers: ~40 bytes a member).
REFERRAL_BLOCK = 4096


@njit(cache=True)
def _grown(a, size):
    out = np.empty(size, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def credit_wellmixed_referrers(new_ids, start, stop, mem, accept_referrers, rules):
    """Credit the referrers of well-mixed word-of-mouth joins (accepted invites, score and
    points as in :func:`referral_pass`). Returns the count."""
    referrer, accepted, score, points = mem.referrer, mem.accepted, mem.score, mem.points
    acc = 0
    for k in range(start, stop):
        j = new_ids[k]
        r = referrer[j]
        if r >= 0:
            accepted[r] += 1
            score[r] += rules.referral_points
            points[r] += rules.pt_referral
            accept_referrers[acc] = r
            acc += 1
    return acc


@njit(cache=True)
def conversion_pass(active_ids, mem, p_first, p_repeat, rules, seed, day):
    """Active members buy: non-payers with ``p_first * e``, payers with ``p_repeat * e``
    (times ``vip_mult`` for VIP members). Order values are log-normal with mean
    ``order_value``. An order adds ``order_points`` to the score and ``pt_order`` to the
    points. Returns (first_purchases, orders, revenue)."""
    return conversion_members(active_ids, mem, p_first, p_repeat, rules, seed, day, np.empty(0, dtype=np.float64))


@njit(cache=True)
def conversion_members(active_ids, mem, p_first, p_repeat, rules, seed, day, values):
    """:func:`conversion_pass`; with ``values`` not empty, each order's value is also
    written to ``values[0..orders-1]`` in the members' order (so that a caller can sum the
    values of several spans in one order, :func:`growthsim.kernels.huge.conversion`).
    Returns (first_purchases, orders, revenue)."""
    eng, vip, paying, purchases, revenue = mem.eng, mem.vip, mem.paying, mem.purchases, mem.revenue
    score, points = mem.score, mem.points
    vip_mult, order_value, sigma = rules.vip_conv_mult, rules.order_value, rules.sigma
    keep = values.shape[0] > 0
    first = 0
    orders = 0
    rev = 0.0
    shift = 0.5 * sigma * sigma
    for k in range(active_ids.shape[0]):
        i = active_ids[k]
        p = (p_repeat if paying[i] else p_first) * eng[i]
        if vip[i]:
            p *= vip_mult
        if uniform(seed, day, P_BUY, i, 0) < p:
            value = order_value
            if sigma > 0.0:
                value = order_value * np.exp(sigma * normal(seed, day, P_ORDER_VALUE, i, 0) - shift)
            if not paying[i]:
                paying[i] = 1
                first += 1
            purchases[i] += 1
            revenue[i] += value
            score[i] += rules.order_points
            points[i] += rules.pt_order
            if keep:
                values[orders] = value
            orders += 1
            rev += value
    return first, orders, rev


#: codes of a member's effect on their group in the churn pass (:func:`group_event`)
EV_LEFT = 0  # the group loses the member
EV_CORE = 1  # a core member of the group (core or KOC tier)
EV_KOC = 2  # a KOC member of the group (counted in core too)


@njit(inline="always", cache=True)
def group_event(g, code, g_size, g_core, g_koc, ev, n_ev):
    """A member's effect on their group ``g`` in the churn pass (``code``: EV_LEFT,
    EV_CORE, EV_KOC). With ``ev`` empty it is applied at once; else it is recorded as
    ``4 g + code`` in ``ev[n_ev]`` (a float64 buffer: exact below 2**53) and applied by
    the caller later (:func:`apply_group_events`). Returns the events recorded."""
    if ev.shape[0] == 0:
        if code == EV_LEFT:
            g_size[g] -= 1
        else:
            g_core[g] += 1.0
            if code == EV_KOC:
                g_koc[g] += 1.0
        return n_ev
    ev[n_ev] = 4 * g + code
    return n_ev + 1


@njit(cache=True)
def apply_group_events(ev, n_ev, g_size, g_core, g_koc):
    """Apply the group events ``ev[:n_ev]`` recorded by :func:`group_event` (integer
    counts: the order they are applied in does not change the result)."""
    none = np.empty(0, dtype=np.float64)
    for q in range(n_ev):
        x = np.int64(ev[q])
        group_event(x >> 2, x & 3, g_size, g_core, g_koc, none, 0)


@njit(cache=True)
def churn_pass(roster, n_roster, mem, lv, g_size, rules, seed, day):
    """Silence, recall and leaving for members placed in a group.

    A member silent for ``silent_days`` becomes dormant; a dormant member in a group with
    staff attention is recalled with ``g_recall[g]``; members leave with hazard
    ``base_hazard * exp(-theta * e) * g_churn[g]`` (dormant: ``dormant_hazard * g_churn[g]``),
    times ``vip_churn_mult`` for VIP members; with ``max_active_days > 0`` a member leaves
    after that many active days. A member who stays gets their tier (:func:`tier_of`, the
    score first decays by ``score_keep``) and is counted in ``lv.core`` / ``lv.koc`` of
    their group. Returns (churned, to_dormant, recalled, members, dormant, wau, mau,
    payers, vips, tier_active, tier_core, tier_koc, n_roster_left) where members..tier_koc
    are end-of-day counts of the placed members (today's joiners are placed after this
    pass). Visits the ``n_roster``
    people of ``roster`` (ascending) and removes those who leave, keeping the others' order.
    The recall boost is ``rules.onboarding``."""
    lv.core[:] = 0.0
    lv.koc[:] = 0.0
    return churn_members(roster, n_roster, mem, lv, g_size, rules, seed, day, np.empty(0, dtype=np.float64))[:13]


@njit(cache=True)
def churn_members(roster, n_roster, mem, lv, g_size, rules, seed, day, ev):
    """The member rules of :func:`churn_pass` (which zeroes ``lv.core`` / ``lv.koc`` first);
    with ``ev`` not empty, the effects on the groups (a member leaving, a core or KOC
    member counted) are recorded there (:func:`group_event`) instead of applied, so that
    spans of the roster can run on threads (:func:`growthsim.kernels.huge.churn`).
    Returns churn_pass's tuple and the number of events recorded."""
    status, eng, group, last_active, last_seen = mem.status, mem.eng, mem.group, mem.last_active, mem.last_seen
    leave_day, active_days, vip, paying = mem.leave_day, mem.active_days, mem.vip, mem.paying
    g_churn, g_recall = lv.churn, lv.recall
    base_hazard, theta, silent_days = rules.base_hazard, rules.theta, rules.silent_days
    dormant_hazard, max_active_days = rules.dormant_hazard, rules.max_active_days
    vip_churn_mult, recall_boost = rules.vip_churn_mult, rules.onboarding
    score, tier, accepted, purchases = mem.score, mem.tier, mem.accepted, mem.purchases
    g_core, g_koc = lv.core, lv.koc
    n_ev = 0
    n_tier = np.zeros(4, dtype=np.int64)
    churned = 0
    w = 0
    to_dormant = 0
    recalled = 0
    members = 0
    dormant = 0
    wau = 0
    mau = 0
    payers = 0
    vips = 0
    for r in range(n_roster):
        i = roster[r]
        s = status[i]
        if s != MEMBER and s != DORMANT:
            continue
        g = group[i]
        if max_active_days > 0 and active_days[i] >= max_active_days:
            status[i] = CHURNED
            leave_day[i] = day
            n_ev = group_event(g, EV_LEFT, g_size, g_core, g_koc, ev, n_ev)
            churned += 1
            continue
        if s == MEMBER and day - last_seen[i] >= silent_days:
            s = DORMANT
            status[i] = DORMANT
            to_dormant += 1
        if s == DORMANT and g_recall[g] > 0.0 and uniform(seed, day, P_RECALL, i, 0) < g_recall[g]:
            s = MEMBER
            status[i] = MEMBER
            last_seen[i] = day
            eng[i] = eng[i] + recall_boost * (1.0 - eng[i])
            recalled += 1
        u = uniform(seed, day, P_CHURN, i, 0)
        if s == MEMBER:
            # exp(-theta e) <= 1 (theta >= 0, e >= 0) and rounding is monotone, so the
            # hazard is at most base * churn * vip: a draw at or above that bound stays
            # without the exp (most members: the same outcome, bit for bit)
            if theta >= 0.0:
                bound = base_hazard * g_churn[g]
                if vip[i]:
                    bound *= vip_churn_mult
                if u >= bound:
                    h = -1.0
                else:
                    h = base_hazard * np.exp(-theta * eng[i])
            else:
                h = base_hazard * np.exp(-theta * eng[i])
        else:
            h = dormant_hazard
        if h >= 0.0:
            h *= g_churn[g]
            if vip[i]:
                h *= vip_churn_mult
        if u < h:
            status[i] = CHURNED
            leave_day[i] = day
            n_ev = group_event(g, EV_LEFT, g_size, g_core, g_koc, ev, n_ev)
            churned += 1
            continue
        roster[w] = i
        w += 1
        c = score[i] * rules.score_keep
        score[i] = c
        t = tier_of(c, tier[i], accepted[i], purchases[i], rules)
        tier[i] = t
        n_tier[t] += 1
        if t >= TIER_CORE:
            n_ev = group_event(g, EV_KOC if t == TIER_KOC else EV_CORE, g_size, g_core, g_koc, ev, n_ev)
        members += 1
        if s == DORMANT:
            dormant += 1
        if paying[i]:
            payers += 1
        if vip[i]:
            vips += 1
        la = last_active[i]
        if la >= 0:
            if day - la < 7:
                wau += 1
            if day - la < 30:
                mau += 1
    return (
        churned,
        to_dormant,
        recalled,
        members,
        dormant,
        wau,
        mau,
        payers,
        vips,
        n_tier[TIER_ACTIVE],
        n_tier[TIER_CORE],
        n_tier[TIER_KOC],
        w,
        n_ev,
    )


@njit(inline="always", cache=True)
def tier_of(c, t, accepted, orders, rules):
    """The tier of a member with score ``c`` and tier ``t`` so far: core (a KOC with
    ``koc_min_referrals`` accepted invites and ``koc_min_orders`` orders) at ``c >=
    core_score``, active at ``c >= active_score``, else new; a member keeps a tier while
    ``c >= demotion_ratio * threshold`` (hysteresis)."""
    keep = rules.demotion_ratio
    if c >= rules.core_score or (t >= TIER_CORE and c >= keep * rules.core_score):
        if accepted >= rules.koc_min_referrals and orders >= rules.koc_min_orders:
            return TIER_KOC
        return TIER_CORE
    if c >= rules.active_score or (t >= TIER_ACTIVE and c >= keep * rules.active_score):
        return TIER_ACTIVE
    return TIER_NEW


@njit(inline="always", cache=True)
def _heap_push(heap, m, x):
    """Push ``x`` on the binary min-heap ``heap[:m]``; returns the new length."""
    k = m
    while k > 0:
        p = (k - 1) >> 1
        if heap[p] <= x:
            break
        heap[k] = heap[p]
        k = p
    heap[k] = x
    return m + 1


@njit(inline="always", cache=True)
def _heap_pop(heap, m):
    """Remove the least entry of the min-heap ``heap[:m]``; returns the new length."""
    m -= 1
    if m <= 0:
        return 0
    x = heap[m]
    k = 0
    while True:
        c = 2 * k + 1
        if c >= m:
            break
        if c + 1 < m and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] >= x:
            break
        heap[k] = heap[c]
        k = c
    heap[k] = x
    return m


@njit(inline="always", cache=True)
def _heap_least(heap, m, g_size, limit):
    """The least-full group below ``limit`` (the lowest index among equals) of the lazy
    heap ``heap[:m]`` of keys ``size << 32 | group``, or -1. Sizes only grow while people
    are placed, so a key whose size is out of date is too small: it is pushed again with
    the group's size (or dropped once the group reaches ``limit``). Returns (group, m)."""
    while m > 0:
        x = heap[0]
        g = x & 0xFFFFFFFF
        s = x >> 32
        if s == g_size[g]:
            return g, m
        m = _heap_pop(heap, m)
        if g_size[g] < limit:
            m = _heap_push(heap, m, (np.int64(g_size[g]) << 32) | g)
    return -1, m


@njit(cache=True)
def place_members(ids, cats, mem, grp, rules):
    """Put people ``ids`` (with categories ``cats``) into groups: the category's open group
    while it is below ``target``; else any group of the category below ``target``; else a
    new group (ordinary groups: up to ``max_groups``; VIP groups, category ``vip_cat``, do
    not count against it); else the least-full group of the category below ``max_size``;
    else (category full everywhere) the least-full ordinary group of any category for an
    ordinary member, the least-full group of any category for a VIP member. "Any group"
    is the one with the lowest index and "least-full" the lowest index among equals.
    A person in no group yet (a newcomer, not a VIP move) gets ``initial_interest``;
    newcomers to a managed group get ``onboarding * (1 - e)`` engagement and
    ``onboarding_interest * (1 - n)`` interest.
    ``grp.count[0]`` holds the number of groups. Returns the number of people placed.

    Cost ``O(G + m log G)`` for ``m`` people and ``G`` groups, not a scan of the groups
    per person: sizes only grow during a call, so a group found at ``target`` (or
    ``max_size``) stays there. Each category keeps a list of its groups below ``target``
    in index order (new groups go at its end), read from a cursor; the least-full
    choices come from lazily built heaps (:func:`_heap_least`), one per category and two
    over all groups (ordinary groups only, and every group)."""
    group, eng, interest = mem.group, mem.eng, mem.interest
    g_size, g_cat, g_managed, state, open_ptr = grp.size, grp.cat, grp.managed, grp.count, grp.open_ptr
    target, max_size, max_groups = rules.target, rules.max_size, rules.max_groups
    vip_cat, onboarding = rules.vip_cat, rules.onboarding
    cap = g_size.shape[0]
    n_c = open_ptr.shape[0]
    placed = 0
    n_ord = 0
    # each category's groups below target, in index order: cursor head[c], links nxt
    head = np.full(n_c, -1, dtype=np.int64)
    tail = np.full(n_c, -1, dtype=np.int64)
    nxt = np.empty(cap, dtype=np.int64)
    for h in range(state[0]):
        c = g_cat[h]
        if c != vip_cat:
            n_ord += 1
        if c >= 0 and g_size[h] < target:
            nxt[h] = -1
            if tail[c] < 0:
                head[c] = h
            else:
                nxt[tail[c]] = h
            tail[c] = h
    # least-full heaps, built when first needed: per category (below max_size) in one
    # buffer of segments, ordinary groups, all groups
    seg = np.full(n_c, -1, dtype=np.int64)
    seg_m = np.zeros(n_c, dtype=np.int64)
    seg_buf = np.empty(0, dtype=np.int64)
    seg_used = 0
    h_ord = np.empty(0, dtype=np.int64)
    h_all = np.empty(0, dtype=np.int64)
    m_ord = -1  # -1: not built
    m_all = -1
    for k in range(ids.shape[0]):
        i = ids[k]
        c = cats[k]
        g = open_ptr[c]
        if g < 0 or g_size[g] >= target:
            h = head[c]
            while h >= 0 and g_size[h] >= target:
                h = nxt[h]
            head[c] = h
            if h < 0:
                tail[c] = -1
            g = h
            if g < 0 and state[0] < cap and (c == vip_cat or n_ord < max_groups):
                g = state[0]
                state[0] += 1
                g_cat[g] = c
                g_size[g] = 0
                g_managed[g] = 0
                if c != vip_cat:
                    n_ord += 1
                if target > 0:
                    nxt[g] = -1
                    if tail[c] < 0:
                        head[c] = g
                    else:
                        nxt[tail[c]] = g
                    tail[c] = g
                if m_all >= 0:
                    m_all = _heap_push(h_all, m_all, np.int64(g))
                if m_ord >= 0 and c != vip_cat:
                    m_ord = _heap_push(h_ord, m_ord, np.int64(g))
            if g < 0:
                if seg[c] < 0:  # no new group of c can open from now on: its groups are final
                    if seg_buf.shape[0] == 0:
                        seg_buf = np.empty(cap, dtype=np.int64)
                    seg[c] = seg_used
                    m = 0
                    for q in range(state[0]):
                        if g_cat[q] == c and g_size[q] < max_size:
                            m = _heap_push(seg_buf[seg_used:], m, (np.int64(g_size[q]) << 32) | q)
                    seg_m[c] = m
                    seg_used += m
                g, seg_m[c] = _heap_least(seg_buf[seg[c] : seg[c] + max(seg_m[c], 1)], seg_m[c], g_size, max_size)
            if g < 0:  # category full everywhere
                if c == vip_cat:
                    if m_all < 0:
                        h_all = np.empty(cap, dtype=np.int64)
                        m_all = 0
                        for q in range(state[0]):
                            m_all = _heap_push(h_all, m_all, (np.int64(g_size[q]) << 32) | q)
                    g, m_all = _heap_least(h_all, m_all, g_size, 1 << 30)
                else:
                    if m_ord < 0:
                        h_ord = np.empty(cap, dtype=np.int64)
                        m_ord = 0
                        for q in range(state[0]):
                            if g_cat[q] != vip_cat:
                                m_ord = _heap_push(h_ord, m_ord, (np.int64(g_size[q]) << 32) | q)
                    g, m_ord = _heap_least(h_ord, m_ord, g_size, 1 << 30)
            open_ptr[c] = g
        if group[i] < 0:
            interest[i] = rules.initial_interest
        group[i] = g
        g_size[g] += 1
        if g_managed[g]:
            eng[i] = eng[i] + onboarding * (1.0 - eng[i])
            interest[i] = interest[i] + rules.onboarding_interest * (1.0 - interest[i])
        placed += 1
    return placed


@njit(cache=True)
def roster_add(roster, n_roster, ids):
    """Merge people ``ids`` (not yet in it) into the ascending roster of placed members,
    keeping it ascending so that the daily passes read the member arrays in memory order.
    ``roster`` has room for everyone. Returns the new length."""
    m = ids.shape[0]
    if m == 0:
        return n_roster
    new = np.sort(ids)
    i = n_roster - 1
    j = m - 1
    k = n_roster + m - 1
    while j >= 0:
        if i >= 0 and roster[i] > new[j]:
            roster[k] = roster[i]
            i -= 1
        else:
            roster[k] = new[j]
            j -= 1
        k -= 1
    return n_roster + m


@njit(cache=True)
def group_levels(
    grp_t,
    lv_t,
    vip_cat,
    slot_n,
    slot_h,
    extra_h,
    target,
    stim0,
    stim_per_hour,
    kol_lift,
    kol_ref,
    daily_decay,
    crowding,
    unm_decay,
    unm_churn,
    recall_per_hour,
):
    """Today's per-group levels for the first ``G = max(n_groups, 1)`` groups.

    Staff attention: ``slot_n[s]`` group-slots of ``slot_h[s]`` hours; slots, longest first,
    go round the groups in priority order (non-empty VIP groups, non-empty ordinary groups,
    then empty VIP and empty ordinary groups; oldest first within each); group ``g`` also
    gets ``extra_h[g]`` hours of its own (a member admin's, see model.selforg). A group
    with hours is managed. With ``size/target`` the fill ratio, ``crowd = max(0, fill - 1)`` and
    ``dilution = max(1, fill)``:

    - stimulus ``stim0 + stim_per_hour * hours / dilution`` plus each KOL post's lift
      (``kol_lift[p, g]``), and the referral multiplier the product of ``kol_ref[p, g]``;
    - engagement decay ``daily_decay * (1 + crowding * crowd) * unm_decay`` (the last factor
      only when unmanaged), churn multiplier ``(1 + crowding * crowd) * unm_churn``
      (likewise) and recall probability ``min(1, recall_per_hour * hours / dilution)``.

    The caller turns ``stim`` into today's response ``stimulus_response * (1 - exp(-stim))``.
    ``grp_t`` and ``lv_t`` are a ``Groups`` and a ``Levels`` record as plain tuples (cheap
    to pass, see kernels.batch). Returns the number of managed groups."""
    grp = Groups(*grp_t)
    lv = Levels(*lv_t)
    g_size, g_cat, g_managed, n_groups = grp.size, grp.cat, grp.managed, grp.count[0]
    stim, decay, churn, recall, ref = lv.stim, lv.decay, lv.churn, lv.recall, lv.ref
    G = max(n_groups, 1)
    hours = np.zeros(G)
    n_slots = 0
    for s in range(slot_n.shape[0]):
        n_slots += slot_n[s]
    if n_slots > 0 and n_groups > 0:
        order = np.empty(G, dtype=np.int64)
        q = 0
        for empty in range(2):
            for want_vip in range(1, -1, -1):
                for h in range(G):
                    if (g_size[h] == 0) == (empty == 1) and (g_cat[h] == vip_cat) == (want_vip == 1):
                        order[q] = h
                        q += 1
        by_h = np.argsort(-slot_h, kind="mergesort")
        k = 0
        for s in by_h:
            for _ in range(slot_n[s]):
                hours[order[k % G]] += slot_h[s]
                k += 1
    for g in range(min(G, extra_h.shape[0])):
        hours[g] += extra_h[g]
    managed = 0
    P = kol_lift.shape[0]
    for g in range(G):
        fill = g_size[g] / target
        crowd = fill - 1.0
        if crowd < 0.0:
            crowd = 0.0
        dil = fill if fill > 1.0 else 1.0
        x = stim0 + stim_per_hour * hours[g] / dil
        rm = 1.0
        for p in range(P):
            x += kol_lift[p, g]
            rm *= kol_ref[p, g]
        stim[g] = x
        ref[g] = rm
        cm = 1.0 + crowding * crowd
        if hours[g] > 0.0:
            managed += 1
            g_managed[g] = 1
            decay[g] = daily_decay * cm * 1.0
            churn[g] = cm * 1.0
        else:
            g_managed[g] = 0
            decay[g] = daily_decay * cm * unm_decay
            churn[g] = cm * unm_churn
        r = recall_per_hour * hours[g] / dil
        recall[g] = r if r < 1.0 else 1.0
    return managed


__all__ = [
    "OUTSIDER",
    "MEMBER",
    "DORMANT",
    "CHURNED",
    "SRC_INITIAL",
    "SRC_ORGANIC",
    "SRC_REFERRAL",
    "SRC_REPLAY",
    "SRC_CHANNEL0",
    "wellmixed_referral_pass",
    "channel_pass",
    "replay_pass",
    "activity_pass",
    "invite_weights",
    "referral_pass",
    "invite_prob",
    "select_invitees",
    "offer_invite",
    "credit_wellmixed_referrers",
    "conversion_pass",
    "conversion_members",
    "churn_pass",
    "churn_members",
    "group_event",
    "apply_group_events",
    "EV_LEFT",
    "EV_CORE",
    "EV_KOC",
    "place_members",
    "roster_add",
    "group_levels",
    "organic_pass",
    "tier_of",
    "uint64",
]
