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

Comes twice, like the passes of :mod:`growthsim.kernels.batch`: ``serial.levels`` and
``parallel.levels`` (``prange`` over the replicates); replicates share no state.
"""

from __future__ import annotations

import types

from numba import njit, prange

from growthsim.kernels.batch import _clone
from growthsim.kernels.daily import group_levels
from growthsim.kernels.state import Groups, Levels


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


serial = types.SimpleNamespace(levels=njit(cache=True)(_clone(levels, "_serial")))
parallel = types.SimpleNamespace(levels=njit(cache=True, parallel=True)(_clone(levels, "_parallel")))

__all__ = ["serial", "parallel"]
