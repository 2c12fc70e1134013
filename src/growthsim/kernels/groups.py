"""Today's per-group levels for a whole batch: one kernel call for every replicate.

:func:`levels` runs, for each replicate ``r`` of a batch (groups ``[r*cap, (r+1)*cap)``,
see :mod:`growthsim.kernels.state`), the one-replicate
:func:`growthsim.kernels.daily.group_levels` on the replicate's slices, then the tiers'
group lift and the newcomer interest decay (what :func:`growthsim.model.membership.member_levels`
computes with numpy for one model), for the first ``G_r = max(n_groups_r, 1)`` groups:

``S_g += core_stimulus * core_g / size_g``; ``ref_g *= 1 + koc_referral * koc_g / size_g``
(``size_g`` at least 1); ``life_g = (managed_interest_decay if managed else
interest_decay) / (1 + content_sustain * S_g)``.

The same floating-point operations in the same order as the numpy version, element by
element, so the levels are the same to the last bit (``tests/test_group_prep_batched.py``).
Today's staff slots, member-admin hours, stimulus and KOL posts are per replicate, padded
to the batch's widest: a padding slot has no group-slots (``slot_n`` 0), a padding post
lifts by 0 and multiplies referral by 1, which leave every sum and product unchanged.

:func:`health_morning` and :func:`health` are the group health's morning and its levels
after the activity pass (:mod:`growthsim.metrics.health`) for every replicate, the
trackers' arrays stacked over the batch (``HealthBatch``): whole-number sums, then the
rates and the drop with the divisions of the numpy version (``tests/test_health_batched.py``
compares them with each tracker run alone).

Each replicate's per-group loop is a helper called from the ``prange`` body: written inline
in the parallel body, the same loop left the interest decay at zero in the parallel
variant (the serial one was right), which the batch tests catch.

Each kernel comes twice, like the passes of :mod:`growthsim.kernels.batch`:
``serial.<name>`` and ``parallel.<name>`` (``prange`` over the replicates); replicates
share no state.
"""

from __future__ import annotations

import types

import numpy as np
from numba import njit, prange

from growthsim.kernels.batch import _clone
from growthsim.kernels.daily import group_levels
from growthsim.kernels.state import Groups, Levels

OK, BLUE, YELLOW, RED = 0, 1, 2, 3  # warning levels (metrics.health)


@njit(cache=True)
def _member_levels(
    G, size, managed, stim, ref, life, core, koc, core_stimulus, koc_referral, managed_decay, interest_decay, sustain
):
    """The tiers' lift and the interest decay of one replicate's first ``G`` groups."""
    for g in range(G):
        sz = size[g]
        n = float(sz if sz > 1 else 1)
        if core_stimulus > 0:
            stim[g] += core_stimulus * core[g] / n
        if koc_referral > 0:
            ref[g] *= 1.0 + koc_referral * koc[g] / n
        base = managed_decay if managed[g] == 1 else interest_decay
        life[g] = base / (1.0 + sustain * stim[g])


def levels(
    grp_t,
    lv_t,
    cap,
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
    core_stimulus,
    koc_referral,
    managed_interest_decay,
    interest_decay,
    content_sustain,
    managed,
):
    """Levels of every replicate (``slot_n``, ``slot_h``: ``(R, S)``; ``extra_h``: ``(R,
    cap)``; ``stim0``: ``(R,)``; ``kol_lift``, ``kol_ref``: ``(R, P, cap)``); ``managed[r]``:
    replicate ``r``'s number of managed groups."""
    grp = Groups(*grp_t)
    lv = Levels(*lv_t)
    for r in prange(stim0.shape[0]):
        o = r * cap
        e = o + cap
        g_t = (grp.size[o:e], grp.cat[o:e], grp.managed[o:e], grp.count[r : r + 1], grp.open_ptr)
        l_t = (
            lv.resp[o:e],
            lv.decay[o:e],
            lv.churn[o:e],
            lv.recall[o:e],
            lv.ref[o:e],
            lv.stim[o:e],
            lv.life[o:e],
            lv.core[o:e],
            lv.koc[o:e],
        )
        managed[r] = group_levels(
            g_t,
            l_t,
            vip_cat,
            slot_n[r],
            slot_h[r],
            extra_h[r],
            target,
            stim0[r],
            stim_per_hour,
            kol_lift[r],
            kol_ref[r],
            daily_decay,
            crowding,
            unm_decay,
            unm_churn,
            recall_per_hour,
        )
        _member_levels(
            max(grp.count[r], 1),
            grp.size[o:e],
            grp.managed[o:e],
            lv.stim[o:e],
            lv.ref[o:e],
            lv.life[o:e],
            lv.core[o:e],
            lv.koc[o:e],
            core_stimulus,
            koc_referral,
            managed_interest_decay,
            interest_decay,
            content_sustain,
        )


@njit(cache=True)
def _health(
    G,
    day,
    active,
    group,
    size,
    act,
    opened,
    unmanaged,
    level,
    a_cur,
    s_cur,
    a_prev,
    s_prev,
    ads_window,
    ads_factor,
    limits,
    r_cur,
    counts,
):
    """One replicate's group health after the activity (see :func:`health`)."""
    W2 = act.shape[0]
    slot, mid = day % W2, (day - W2 // 2) % W2
    today = np.zeros(G, dtype=np.int64)
    for k in range(active.shape[0]):
        g = group[active[k]]
        if 0 <= g < G:
            today[g] += 1
    min_size, unm_days, yellow_drop, yellow_ads = limits[0], limits[1], limits[2], limits[3]
    red_drop, red_ads = limits[4], limits[5]
    for q in range(4):
        counts[q] = 0
    for g in range(G):
        a_prev[g] += act[mid, g] - act[slot, g]
        a_cur[g] += today[g] - act[mid, g]
        act[slot, g] = today[g]
        rc = a_cur[g] / s_cur[g] if s_cur[g] > 0 else 0.0
        rp = a_prev[g] / s_prev[g] if s_prev[g] > 0 else 0.0
        r_cur[g] = rc
        drop = 1.0 - rc / rp if (day - opened[g]) >= W2 - 1 and rp > 0 else 0.0
        ads_week = ads_window[g] * ads_factor
        lv = OK
        if unmanaged[g] >= unm_days:
            lv = BLUE
        if drop >= yellow_drop or ads_week >= yellow_ads:
            lv = YELLOW
        if drop >= red_drop or ads_week >= red_ads:
            lv = RED
        if size[g] < min_size:
            lv = OK
        else:
            counts[3] += 1
        level[g] = lv
        if lv == RED:
            counts[0] += 1
        elif lv == YELLOW:
            counts[1] += 1
        elif lv == BLUE:
            counts[2] += 1


def health(
    work_active,
    n_active,
    mem_group,
    n,
    grp_size,
    grp_count,
    cap,
    day,
    act,
    opened,
    unmanaged,
    level,
    a_cur,
    s_cur,
    a_prev,
    s_prev,
    ads_window,
    ads_factor,
    limits,
    r_cur,
    counts,
):
    """Group health after the activity pass for every replicate (what
    :meth:`growthsim.metrics.health.GroupHealth.after_activity` computes with numpy for one
    replicate):
    today's active members per group, the rolling window sums, activity rates ``r_cur``,
    the drop against the window before, ads a week (``ads_window * ads_factor``) and the
    warning level of each of the first ``G_r = max(n_groups_r, 1)`` groups; ``counts[r]``:
    red, yellow, blue and rated groups. ``limits``: min size, unmanaged days, yellow drop,
    yellow ads, red drop, red ads. The trackers' arrays are ``(replicates, ...)``."""
    for r in prange(n_active.shape[0]):
        o = r * n
        _health(
            max(grp_count[r], 1),
            day,
            work_active[o : o + n_active[r]],
            mem_group[o : o + n],
            grp_size[r * cap : (r + 1) * cap],
            act[r],
            opened[r],
            unmanaged[r],
            level[r],
            a_cur[r],
            s_cur[r],
            a_prev[r],
            s_prev[r],
            ads_window[r],
            ads_factor,
            limits,
            r_cur[r],
            counts[r],
        )


def health_morning(grp_size, grp_managed, grp_count, cap, day, size, opened, unmanaged, s_cur, s_prev):
    """Group health's morning for every replicate (what each tracker's
    :meth:`growthsim.metrics.health.GroupHealth.morning` computes with numpy): the day a
    group was first seen, the rolling window sums of the morning sizes and the days in a
    row without staff attention, for the first ``G_r = max(n_groups_r, 1)`` groups; the
    trackers' arrays are ``(replicates, ...)``."""
    for r in prange(grp_count.shape[0]):
        o = r * cap
        W2 = size.shape[1]
        slot, mid = day % W2, (day - W2 // 2) % W2
        ring = size[r]
        for g in range(max(grp_count[r], 1)):
            if opened[r, g] < 0:
                opened[r, g] = day
            sz = grp_size[o + g]
            s_prev[r, g] += ring[mid, g] - ring[slot, g]
            s_cur[r, g] += sz - ring[mid, g]
            ring[slot, g] = sz
            unmanaged[r, g] = 0 if grp_managed[o + g] == 1 else unmanaged[r, g] + 1


serial = types.SimpleNamespace(
    levels=njit(cache=True)(_clone(levels, "_serial")),
    health=njit(cache=True)(_clone(health, "_serial")),
    health_morning=njit(cache=True)(_clone(health_morning, "_serial")),
)
parallel = types.SimpleNamespace(
    levels=njit(cache=True, parallel=True)(_clone(levels, "_parallel")),
    health=njit(cache=True, parallel=True)(_clone(health, "_parallel")),
    health_morning=njit(cache=True, parallel=True)(_clone(health_morning, "_parallel")),
)

__all__ = ["serial", "parallel"]
