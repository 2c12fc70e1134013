"""Step 1 of the day for a whole batch: today's per-group levels of every model at once.

:func:`prepare_groups` is what ``CommunityModel._prepare_groups`` did for one model, for
all the models of a batch (:class:`growthsim.model.community.DayState`): each model's group
life runs its morning (removals, self-organisation: the member admins' hours), today's
staff slots, stimulus and KOL posts are gathered into ``(replicate x ...)`` arrays, one
kernel call (:mod:`growthsim.kernels.groups`) computes the levels, the tiers' lift and the
interest decay of every replicate's groups, one numpy expression the stimulus response
over the batch's ``(replicate x group)`` table, and the group health's morning runs for the
batch (:func:`growthsim.kernels.groups.health_morning`) when the batch keeps it.

A single model is a batch of one (``CommunityModel._prepare_groups``, which the reference
model calls too). Each model's numbers are the same, bit for bit, as that model prepared
alone: the models share nothing, and the kernel and the numpy expressions do the same
floating-point operations in the same order on each element.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from growthsim.kernels import rng as KR

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel, DayState


def _kol_tables(models: list["CommunityModel"], G: np.ndarray, cap: int, P: int) -> tuple[np.ndarray, np.ndarray]:
    """Today's KOL posts of every model as ``(R, P, cap)`` lifts and referral multipliers
    (a model with fewer posts is padded with lift 0 and multiplier 1)."""
    R = len(models)
    lift = np.zeros((R, P, cap))
    ref = np.ones((R, P, cap))
    for r, m in enumerate(models):
        g = int(G[r])
        for p, (lf, mult, reach, key) in enumerate(m.today.kol_posts):
            if reach is None or reach >= g:
                lift[r, p, :g] = lf
                ref[r, p, :g] = mult
            else:
                # the `reach` groups with the smallest keyed draws (common random numbers)
                u = KR.uniform_keys(m.kernel_seed, m.day, KR.P_KOL_REACH, g, key)
                pick = np.argsort(u, kind="stable")[:reach]
                lift[r, p, pick] = lf
                ref[r, p, pick] = mult
    return lift, ref


def prepare_groups(models: list["CommunityModel"], st: "DayState") -> np.ndarray:
    """Today's per-group levels of every model of ``st`` (their mornings done); returns
    the number of managed groups of each replicate (``st.managed``)."""
    R, cap = st.R, st.cap
    m0 = models[0]
    sc = m0.plan
    eng, gr, ops = sc.members.engagement, sc.groups, sc.operations
    tiers, lifecycle = sc.members.tiers, sc.members.lifecycle
    # 1. removals decided yesterday, self-organisation rounds: the member admins' hours
    extra = st.no_extra_h
    if m0.life.levels_morning:  # the plan's group life (shared by the batch) has a morning
        extra = st.extra_h
        for r, m in enumerate(models):
            extra[r] = m.life.before_levels()  # may open groups: G counts them
    G = np.maximum(st.grp.count, 1)
    # 2. today's stimulus, staff slots and KOL posts, per replicate
    stim0 = st.stim0
    todays = [m.today for m in models]
    base = eng.baseline_stimulus
    stim0[:] = [base + t.stimulus for t in todays]
    P = max(len(t.kol_posts) for t in todays)
    slots = [t.slots for t in todays]
    if slots != st.slots_of:  # else the tables of the last day that had these slots
        st.slots_of = slots
        S = max(len(x) for x in slots)
        if S:  # padded with slots of no groups
            st.slot_n = np.array([[n for n, _ in x] + [0] * (S - len(x)) for x in slots], dtype=np.int64)
            st.slot_h = np.array([[h for _, h in x] + [0.0] * (S - len(x)) for x in slots], dtype=np.float64)
        else:
            st.slot_n, st.slot_h = st.no_slot_n, st.no_slot_h
    slot_n, slot_h = st.slot_n, st.slot_h
    lift = ref = st.no_posts
    if P:
        lift, ref = _kol_tables(models, G, cap, P)
    # 3. the levels, the tiers' lift and the interest decay: one kernel call
    st.kern_groups.levels(
        st.grp_t,
        st.lv_t,
        cap,
        int(m0.vip_cat),
        slot_n,
        slot_h,
        extra,
        int(gr.target_size),
        stim0,
        float(ops.stimulus_per_hour),
        lift,
        ref,
        float(eng.daily_decay),
        float(gr.crowding_penalty),
        float(gr.unmanaged_decay_multiplier),
        float(gr.unmanaged_churn_multiplier),
        float(ops.recall_prob_per_hour),
        float(tiers.core_stimulus),
        float(tiers.koc_referral),
        float(lifecycle.managed_interest_decay),
        float(lifecycle.interest_decay),
        float(lifecycle.content_sustain),
        st.managed,
    )
    # 4. the response to the stimulus, over the batch's (replicate x group) table
    lv = st.lv
    if R == 1:
        g = int(G[0])
        lv.resp[:g] = eng.stimulus_response * (1.0 - np.exp(-lv.stim[:g]))
    else:  # the groups of each replicate (the first G[r]), within the largest G
        Gmax = int(G.max())
        valid = st.cols[None, :Gmax] < G[:, None]
        resp = eng.stimulus_response * (1.0 - np.exp(-lv.stim.reshape(R, cap)[:, :Gmax]))
        np.copyto(lv.resp.reshape(R, cap)[:, :Gmax], resp, where=valid)
    # 5. group life after the levels: fatigue, ads' decay (per model), health's morning
    for m, g in zip(models, G.tolist()):
        m.life.after_levels(g)
    if st.health is not None and st.health_batched:  # one kernel call (GroupHealth.morning's numbers)
        hb = st.health
        st.kern_groups.health_morning(
            st.grp.size,
            st.grp.managed,
            st.grp.count,
            cap,
            m0.day,
            hb.size,
            hb.opened,
            hb.unmanaged,
            hb.s_cur,
            hb.s_prev,
        )
    return st.managed
