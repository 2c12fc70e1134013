"""The daily kernels' rules checked one by one on tiny hand-built states.

Each test calls one pass of :mod:`growthsim.kernels.daily` on a few people or groups and
compares every number it writes with the rule of ``docs/model.md`` evaluated here, on the
same keyed draws (:mod:`growthsim.kernels.rng`) where the rule is random. They were written
against the mutants that survived the engine-level tests (``tools/mutation.py kernels``,
``docs/testing.md``): staff hours shared out, crowding and dilution, the engagement
update, social reinforcement, the room cap, channel and replay intake, hazards and
recall, order values. The states are small, so the tests run in milliseconds as machine
code and in well under a second as plain Python (``NUMBA_DISABLE_JIT=1``, the mutation run).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from growthsim.kernels import daily as K
from growthsim.kernels.rng import (
    P_ACCEPT,
    P_ACTIVE,
    P_BUY,
    P_CHANNEL,
    P_CHURN,
    P_ORDER_VALUE,
    P_RECALL,
    P_REFERRER,
    P_REPLAY,
    P_WOM_ACCEPT,
    normal,
    randint,
    uniform,
)
from growthsim.kernels.state import Groups, Rules, empty_levels
from growthsim.population import Population
from growthsim.vocab import SRC_ORGANIC, SRC_REFERRAL, SRC_REPLAY

SEED = np.uint64(20261202)
DAY = 9


def members(n: int):
    return Population.empty(n, np.zeros(n, dtype=np.int32)).record()


def rules(**over) -> Rules:
    base = dict(
        e0=0.6,
        dormant_factor=0.25,
        habit=0.3,
        reinforcement=0.0,
        vip_conv_mult=2.0,
        order_value=50.0,
        sigma=0.0,
        base_hazard=0.0,
        theta=0.0,
        silent_days=10**6,
        dormant_hazard=0.0,
        max_active_days=0,
        vip_churn_mult=1.0,
        onboarding=0.0,
        target=2,
        max_size=3,
        max_groups=2,
        vip_cat=1,
        by_block=0,
        # lifecycle and tiers neutral: no newcomer interest, nobody promoted, no points
        interaction_sustain=0.0,
        onboarding_interest=0.0,
        initial_interest=0.0,
        score_keep=1.0,
        active_points=0.0,
        referral_points=0.0,
        order_points=0.0,
        active_score=1e18,
        core_score=1e18,
        koc_min_referrals=10**9,
        koc_min_orders=10**9,
        demotion_ratio=0.7,
        pt_active=0.0,
        pt_referral=0.0,
        pt_order=0.0,
    )
    base.update(over)
    return Rules(**base)


def groups(sizes, cats, cap: int | None = None, n_cats1: int = 2) -> Groups:
    cap = cap or len(sizes)
    size = np.zeros(cap, dtype=np.int32)
    cat = np.full(cap, -1, dtype=np.int32)
    size[: len(sizes)] = sizes
    cat[: len(cats)] = cats
    count = np.array([len(sizes)], dtype=np.int64)
    return Groups(size, cat, np.zeros(cap, dtype=np.uint8), count, np.full(n_cats1, -1, dtype=np.int64))


# ----------------------------------------------------------------------------- group levels


def test_group_levels_share_staff_hours_and_apply_crowding_and_dilution():
    """Four groups (target 4): g0 ordinary with 4 (fill 1), g1 VIP with 2, g2 ordinary
    empty, g3 ordinary with 8 (fill 2: crowd 1, dilution 2). Slots: one of 3 h and two of
    1 h, longest first round the priority order g1 (non-empty VIP), g0, g3 (non-empty
    ordinary, oldest first), g2 (empty): g1 3 h, g0 1 h, g3 1 h, g2 none."""
    grp = groups([4, 2, 0, 8], [0, 1, 0, 0])
    lv = empty_levels(4)
    kol_lift = np.array([[0.0, 0.5, 0.0, 0.25], [0.125, 0.0, 0.0, 0.0]])
    kol_ref = np.array([[1.0, 2.0, 1.0, 1.5], [3.0, 1.0, 1.0, 1.0]])
    stim0, sph, decay0, crowding, unm_decay, unm_churn, rph = 0.1, 0.7, 0.02, 0.4, 1.8, 1.3, 0.3
    managed = K.group_levels(
        tuple(grp),
        tuple(lv),
        1,
        np.array([2, 1], dtype=np.int64),
        np.array([1.0, 3.0]),
        np.zeros(0),
        4,
        stim0,
        sph,
        kol_lift,
        kol_ref,
        decay0,
        crowding,
        unm_decay,
        unm_churn,
        rph,
    )
    hours = np.array([1.0, 3.0, 0.0, 1.0])
    fill = np.array([4, 2, 0, 8]) / 4
    crowd = np.maximum(0.0, fill - 1.0)
    dil = np.maximum(1.0, fill)
    unm = hours == 0
    assert managed == 3
    np.testing.assert_array_equal(grp.managed, (~unm).astype(np.uint8))
    np.testing.assert_allclose(lv.stim, stim0 + sph * hours / dil + kol_lift.sum(0))
    np.testing.assert_allclose(lv.ref, kol_ref.prod(0))
    cm = 1.0 + crowding * crowd
    np.testing.assert_allclose(lv.decay, decay0 * cm * np.where(unm, unm_decay, 1.0))
    np.testing.assert_allclose(lv.churn, cm * np.where(unm, unm_churn, 1.0))
    np.testing.assert_allclose(lv.recall, np.minimum(1.0, rph * hours / dil))


def test_group_levels_wrap_slots_round_the_groups_and_cap_recall():
    """Five 2-hour slots over two non-empty groups go round twice and once more: g0 6 h,
    g1 4 h; a recall rate of 0.5/h is capped at 1; no staff, no managed group."""
    lv = empty_levels(2)
    grp = groups([1, 1], [0, 0])
    none = np.zeros((0, 2))
    args = (4, 0.0, 1.0, none, none, 0.0, 0.0, 1.0, 1.0, 0.5)
    managed = K.group_levels(tuple(grp), tuple(lv), 1, np.array([5]), np.array([2.0]), np.zeros(0), *args)
    assert managed == 2
    np.testing.assert_allclose(lv.stim, [6.0, 4.0])
    np.testing.assert_allclose(lv.recall, [1.0, 1.0])
    # one group (room for three): every slot's hours go to it
    lv1 = empty_levels(3)
    assert (
        K.group_levels(
            tuple(groups([1], [0], cap=3)), tuple(lv1), 1, np.array([3]), np.array([2.0]), np.zeros(0), *args
        )
        == 1
    )
    np.testing.assert_allclose(lv1.stim[:1], [6.0])
    lv2 = empty_levels(2)
    grp2 = groups([1, 1], [0, 0])
    assert K.group_levels(tuple(grp2), tuple(lv2), 1, np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0), *args) == 0
    np.testing.assert_allclose(lv2.stim, [0.0, 0.0])
    np.testing.assert_allclose(lv2.recall, [0.0, 0.0])
    np.testing.assert_array_equal(grp2.managed, [0, 0])


# ----------------------------------------------------------------------------- placement


def test_place_members_fills_to_target_then_max_size_then_least_full():
    """target 2, max_size 3, at most 2 ordinary groups, room for 4 groups. Seven ordinary
    people: two open g0, two open g1, then (no new ordinary group allowed) the least-full
    group below max_size (g0, then g1), then, every group at max_size, the least-full of
    all (g0). A VIP person opens a VIP group (not counted against max_groups)."""
    mem = members(8)
    grp = groups([], [], cap=4)
    ids = np.arange(8, dtype=np.int64)
    cats = np.array([0, 0, 0, 0, 0, 0, 0, 1], dtype=np.int64)
    placed = K.place_members(ids, cats, mem, grp, rules())
    assert placed == 8
    np.testing.assert_array_equal(mem.group, [0, 0, 1, 1, 0, 1, 0, 2])
    assert grp.count[0] == 3
    np.testing.assert_array_equal(grp.size[:3], [4, 3, 1])
    np.testing.assert_array_equal(grp.cat[:3], [0, 0, 1])


def test_place_members_prefers_an_earlier_group_below_target():
    """When the open group is at target, the first group of the category below target is
    used before a new one is opened; a newcomer to a managed group gets the onboarding
    boost ``onboarding (1 - e)``, one in a new (unmanaged) group does not."""
    mem = members(2)
    mem.eng[:] = 0.2
    grp = groups([2, 1], [0, 0], cap=4)
    grp.open_ptr[0] = 0
    grp.managed[1] = 1
    ids, cats = np.array([0, 1], dtype=np.int64), np.array([0, 0], dtype=np.int64)
    K.place_members(ids, cats, mem, grp, rules(max_groups=4, onboarding=0.5))
    np.testing.assert_array_equal(mem.group, [1, 2])
    assert grp.count[0] == 3
    np.testing.assert_allclose(mem.eng, [0.2 + 0.5 * 0.8, 0.2], rtol=1e-6)


def test_roster_add_merges_in_order():
    roster = np.zeros(7, dtype=np.int64)
    roster[:3] = [2, 5, 9]
    n = K.roster_add(roster, 3, np.array([7, 0, 11, 3], dtype=np.int64))
    assert n == 7
    np.testing.assert_array_equal(roster, [0, 2, 3, 5, 7, 9, 11])
    assert K.roster_add(roster, 7, np.zeros(0, dtype=np.int64)) == 7


# ----------------------------------------------------------------------------- activity


def test_activity_updates_engagement_and_counts_active_days():
    """Per member ``e' = e + resp(1 - e) - decay e``, then active with ``prop e' m``
    (dormant: times the dormant factor); an active day adds ``habit (1 - e')``, sets the
    last-active and last-seen days, counts the day and the streak, wakes a dormant member;
    an inactive day resets the streak. Engagement stays in [0, 1]."""
    n = 6
    mem = members(n)
    mem.status[:] = [K.MEMBER, K.MEMBER, K.DORMANT, K.MEMBER, K.OUTSIDER, K.DORMANT]
    mem.group[:] = [0, 1, 0, 1, 0, -1]
    mem.eng[:] = [0.5, 0.8, 0.4, 0.9, 0.5, 0.5]
    mem.prop[:] = [1.0, 0.3, 1.0, 0.0, 1.0, 1.0]
    mem.streak[:] = [2, 3, 0, 4, 0, 0]
    mem.active_days[:] = [5, 5, 5, 5, 0, 0]
    lv = empty_levels(2)
    lv.resp[:] = [0.1, 0.05]
    lv.decay[:] = [0.2, 0.01]
    r = rules(dormant_factor=0.9, habit=0.3)
    m = 2.0
    roster = np.arange(n, dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    e0 = mem.eng.astype(np.float64).copy()
    k, woken = K.activity_pass(roster, n, mem, lv, m, r, SEED, DAY, out)
    want_active, want_eng, want_woken = [], e0.copy(), 0
    for i in range(4):  # 4: an outsider, 5: not in a group
        g = mem.group[i]
        e = e0[i] + lv.resp[g] * (1 - e0[i]) - lv.decay[g] * e0[i]
        p = mem.prop[i] * e * m * (0.9 if i == 2 else 1.0)
        if uniform(SEED, DAY, P_ACTIVE, i, 0) < p:
            e += 0.3 * (1 - e)
            want_active.append(i)
            want_woken += i == 2
        want_eng[i] = min(1.0, max(0.0, e))
    assert want_woken == 1 and 2 <= len(want_active) < 4  # the draws wake the dormant one, not all are active
    assert k == len(want_active) and woken == want_woken
    np.testing.assert_array_equal(out[:k], want_active)
    np.testing.assert_allclose(mem.eng, want_eng, rtol=1e-6)
    for i in range(n):
        if i in want_active:
            assert (mem.last_active[i], mem.last_seen[i]) == (DAY, DAY)
            assert mem.active_days[i] == 6
            assert mem.streak[i] == [2, 3, 0, 4][i] + 1
            assert mem.status[i] == K.MEMBER
        else:
            assert mem.last_active[i] == -1
            assert mem.streak[i] == 0
    assert mem.status[4] == K.OUTSIDER and mem.status[5] == K.DORMANT


def test_activity_probability_over_many_members():
    """200 members with spread engagement, propensity, groups and status: the active set is
    exactly those whose draw ``(P_ACTIVE, i)`` is below ``prop e' m`` (dormant: times the
    dormant factor), and engagement follows the update and the habit gain."""
    n = 200
    rng = np.random.default_rng(3)
    mem = members(n)
    mem.status[:] = np.where(rng.random(n) < 0.3, K.DORMANT, K.MEMBER)
    mem.group[:] = rng.integers(0, 3, n)
    mem.eng[:] = rng.uniform(0.05, 1.0, n)
    mem.prop[:] = rng.uniform(0.0, 1.0, n)
    lv = empty_levels(3)
    lv.resp[:] = [0.0, 0.1, 0.3]
    lv.decay[:] = [0.05, 0.0, 0.2]
    m, factor, habit = 1.2, 0.4, 0.2
    e0 = mem.eng.astype(np.float64).copy()
    dormant = mem.status == K.DORMANT
    out = np.zeros(n, dtype=np.int64)
    k, woken = K.activity_pass(
        np.arange(n, dtype=np.int64), n, mem, lv, m, rules(dormant_factor=factor, habit=habit), SEED, DAY, out
    )
    g = mem.group
    e = e0 + lv.resp[g] * (1 - e0) - lv.decay[g] * e0
    p = mem.prop.astype(np.float64) * e * m * np.where(dormant, factor, 1.0)
    draws = np.array([uniform(SEED, DAY, P_ACTIVE, i, 0) for i in range(n)])
    active = draws < p
    np.testing.assert_array_equal(out[:k], np.nonzero(active)[0])
    assert woken == int((active & dormant).sum()) and 40 < k < 160
    np.testing.assert_allclose(mem.eng, np.clip(np.where(active, e + habit * (1 - e), e), 0, 1), rtol=1e-6)


def test_activity_engagement_clipped_to_one():
    mem = members(1)
    mem.status[0], mem.group[0], mem.eng[0], mem.prop[0] = K.MEMBER, 0, 0.9, 0.0
    lv = empty_levels(1)
    lv.resp[0], lv.decay[0] = 1.5, 0.0
    K.activity_pass(np.zeros(1, dtype=np.int64), 1, mem, lv, 1.0, rules(), SEED, DAY, np.zeros(1, dtype=np.int64))
    assert mem.eng[0] == 1.0


# ----------------------------------------------------------------------------- referral


def _path_graph(n: int):
    """0 - 1 - 2 - ... - (n-1), CSR."""
    nbrs = [[j for j in (i - 1, i + 1) if 0 <= j < n] for i in range(n)]
    indptr = np.cumsum([0] + [len(x) for x in nbrs]).astype(np.int64)
    return indptr, np.array([j for x in nbrs for j in x], dtype=np.int64)


def test_referral_social_reinforcement_and_acceptance_draws():
    """A star: member 0 knows outsiders 1..40; each outsider j also knows member 41 (j odd)
    or nobody else. Everyone is invited (p_invite 1); j accepts if its draw ``(P_ACCEPT,
    0, j)`` is below ``p_accept (1 + reinforcement (friends - 1))``, capped at 1: two member
    friends for odd j, one for even j."""
    n = 42
    nbrs: list[list[int]] = [[] for _ in range(n)]
    for j in range(1, 41):
        nbrs[0].append(j)
        nbrs[j].append(0)
        if j % 2:
            nbrs[j].append(41)
            nbrs[41].append(j)
    indptr = np.cumsum([0] + [len(x) for x in nbrs]).astype(np.int64)
    indices = np.array([j for x in nbrs for j in x], dtype=np.int64)
    for reinforcement, p_accept in ((0.0, 0.3), (1.5, 0.3), (4.0, 0.3)):
        mem = members(n)
        mem.status[[0, 41]] = K.MEMBER
        mem.group[[0, 41]] = 0
        mem.eng[:] = 1.0
        new_ids = np.zeros(n, dtype=np.int64)
        acc_ref = np.zeros(n, dtype=np.int64)
        nn, inv, acc, room = K.referral_pass(
            indptr,
            indices,
            mem,
            np.ones(1),
            np.array([0], dtype=np.int64),
            new_ids,
            0,
            acc_ref,
            1.0,
            p_accept,
            rules(reinforcement=reinforcement, e0=0.7),
            1000,
            SEED,
            DAY,
        )
        want = [
            j
            for j in range(1, 41)
            if uniform(SEED, DAY, P_ACCEPT, 0, j) < min(1.0, p_accept * (1 + reinforcement * ((2 if j % 2 else 1) - 1)))
        ]
        assert inv == 40
        assert (nn, acc, room) == (len(want), len(want), 1000 - len(want))
        np.testing.assert_array_equal(new_ids[:nn], want)
        np.testing.assert_array_equal(acc_ref[:acc], 0)
        assert mem.accepted[0] == len(want)
        assert (mem.source[want] == SRC_REFERRAL).all() and (mem.referrer[want] == 0).all()
        np.testing.assert_allclose(mem.eng[want], 0.7)
        assert (mem.join_day[want] == DAY).all()
    assert 10 <= len(want) <= 30  # p = 1 for the odd ones: not all, not none


def test_referral_room_caps_joins_not_invitations():
    """With room for one join, invitations are still counted after the room is used up."""
    indptr, indices = _path_graph(5)
    mem = members(5)
    mem.status[2] = K.MEMBER
    mem.group[2] = 0
    mem.eng[:] = 1.0
    nn, inv, acc, room = K.referral_pass(
        indptr,
        indices,
        mem,
        np.ones(1),
        np.array([2], dtype=np.int64),
        np.zeros(5, dtype=np.int64),
        0,
        np.zeros(5, dtype=np.int64),
        1.0,
        1.0,
        rules(reinforcement=0.0, e0=0.5),
        1,
        SEED,
        DAY,
    )
    assert (nn, inv, acc, room) == (1, 2, 1, 0)
    assert (mem.status == K.MEMBER).sum() == 2


def test_wellmixed_pass_invites_outsiders_and_draws_referrers_by_weight():
    """Well-mixed word of mouth with ``p_invite = 1``: every outsider is invited, accepts if
    its draw ``(P_WOM_ACCEPT, j)`` is below ``p_accept``, and its referrer is the active
    member whose cumulative weight first exceeds ``(P_REFERRER, j) * total``; the room stops
    the pass (no more invitations once it is used up)."""
    n = 300
    active = np.arange(0, 100, 3, dtype=np.int64)

    def state():
        mem = members(n)
        mem.status[:100] = K.MEMBER
        mem.group[:100] = 0
        mem.eng[:100] = np.linspace(0.1, 1.0, 100)
        cum = np.zeros(len(active))
        total = K.invite_weights(active, mem, np.ones(1), 0.01, cum)
        return mem, cum, total

    mem, cum, total = state()
    new_ids = np.zeros(n, dtype=np.int64)
    nn, inv, referred, room = K.wellmixed_referral_pass(
        mem, new_ids, 0, 1.0, 0.4, active, cum, total, 0.7, 1000, SEED, DAY
    )
    want, refs = [], []
    for j in range(100, n):
        if uniform(SEED, DAY, P_WOM_ACCEPT, j, 0) < 0.4:
            r = min(
                int(np.searchsorted(cum, uniform(SEED, DAY, P_REFERRER, j, 0) * total, side="right")), len(active) - 1
            )
            want.append(j)
            refs.append(int(active[r]))
    assert inv == 200 and (nn, referred, room) == (len(want), len(want), 1000 - len(want))
    np.testing.assert_array_equal(new_ids[:nn], want)
    np.testing.assert_array_equal(mem.referrer[want], refs)
    assert len(set(refs)) > 10 and (mem.source[want] == SRC_REFERRAL).all()
    np.testing.assert_allclose(mem.eng[want], 0.7)
    mem, cum, total = state()
    nn, inv, referred, room = K.wellmixed_referral_pass(
        mem, np.zeros(n, dtype=np.int64), 0, 1.0, 0.4, active, cum, total, 0.7, 5, SEED, DAY
    )
    assert (nn, inv, referred, room) == (5, want[4] - 100 + 1, 5, 0)
    assert K.wellmixed_referral_pass(mem, new_ids, 0, 0.0, 0.4, active, cum, total, 0.7, 5, SEED, DAY) == (0, 0, 0, 5)


def test_invite_weights_multiply_engagement_group_and_boost():
    mem = members(4)
    mem.eng[:] = [0.5, 1.0, 0.25, 1.0]
    mem.group[:] = [0, 1, 1, 0]
    mem.boost[:] = [1.0, 2.0, 1.0, 4.0]
    cum = np.zeros(3)
    total = K.invite_weights(np.array([0, 1, 3], dtype=np.int64), mem, np.array([1.0, 3.0]), 0.1, cum)
    w = 0.1 * np.array([0.5 * 1 * 1, 1.0 * 3 * 2, 1.0 * 1 * 4])
    np.testing.assert_allclose(cum, np.cumsum(w))
    assert total == pytest.approx(w.sum())


# ----------------------------------------------------------------------------- intake


def test_channel_pass_reach_join_rate_and_intake_cap():
    """Reach draws ``randint(P_CHANNEL + 1000 (stream + 1), k)`` among the candidates; a
    reached outsider joins if ``(purpose + 1, k)`` is below the join rate; the intake cap
    and the room stop the pass."""
    n, reach, rate, stream = 50, 40, 0.5, 3
    purpose = P_CHANNEL + 1000 * (stream + 1)
    cands = np.arange(10, 50, dtype=np.int64)
    for cap, room in ((-1, 1000), (4, 1000), (-1, 3)):
        mem = members(n)
        mem.status[10:20] = K.MEMBER
        new_ids = np.zeros(n, dtype=np.int64)
        nn, joins, left = K.channel_pass(mem, new_ids, 0, reach, cands, rate, cap, 7, 0.4, room, SEED, DAY, stream)
        want: list[int] = []
        status = np.zeros(n, dtype=np.int8)
        status[10:20] = K.MEMBER
        for k in range(reach):
            if len(want) >= room or (cap >= 0 and len(want) >= cap):
                break
            j = cands[randint(SEED, DAY, purpose, k, 0, len(cands))]
            if status[j] == K.OUTSIDER and uniform(SEED, DAY, purpose + 1, k, 0) < rate:
                status[j] = K.MEMBER
                want.append(int(j))
        assert (nn, joins, left) == (len(want), len(want), room - len(want))
        np.testing.assert_array_equal(new_ids[:nn], want)
        assert (mem.source[want] == 7).all() and (mem.referrer[want] == -1).all()
        np.testing.assert_allclose(mem.eng[want], 0.4)
    assert len(want) == 3


def test_replay_pass_brings_exactly_the_target():
    n = 30
    mem = members(n)
    mem.status[:20] = K.MEMBER
    new_ids = np.zeros(n, dtype=np.int64)
    nn, joins, room = K.replay_pass(mem, new_ids, 0, 6, 0.5, 100, SEED, DAY)
    assert (nn, joins, room) == (6, 6, 94)
    assert len(set(new_ids[:6].tolist())) == 6 and (new_ids[:6] >= 20).all()
    assert (mem.source[new_ids[:6]] == SRC_REPLAY).all()
    # the first outsiders of the replay draws, in order
    want, tries = [], 0
    while len(want) < 6:
        j = randint(SEED, DAY, P_REPLAY, tries, 0, n)
        tries += 1
        if j >= 20 and j not in want:
            want.append(j)
    np.testing.assert_array_equal(new_ids[:6], want)
    # fewer outsiders than the target: all of them, and the room bounds it too
    mem2 = members(n)
    mem2.status[:27] = K.MEMBER
    assert K.replay_pass(mem2, np.zeros(n, dtype=np.int64), 0, 6, 0.5, 100, SEED, DAY)[1] == 3
    assert K.replay_pass(members(n), np.zeros(n, dtype=np.int64), 0, 6, 0.5, 2, SEED, DAY)[1:] == (2, 0)


def test_organic_pass_joins_each_outsider_with_p():
    """Each outsider joins with p: over 200,000 people (half already members, passed over)
    and p = 0.02, the joins are Binomial(100,000, 0.02): 2,000 +- 44 (the test allows 5
    SD); none of the members is touched; the room stops it."""
    n = 200_000
    mem = members(n)
    mem.status[::2] = K.MEMBER
    new_ids = np.zeros(n, dtype=np.int64)
    nn, joins, room = K.organic_pass(mem, new_ids, 0, 0.02, 0.5, 10**9, SEED, DAY)
    assert abs(joins - 2000) < 5 * math.sqrt(100_000 * 0.02 * 0.98)
    assert (new_ids[:nn] % 2 == 1).all() and nn == joins
    j = new_ids[:nn]
    assert (mem.source[j] == SRC_ORGANIC).all() and (mem.referrer[j] == -1).all() and (mem.join_day[j] == DAY).all()
    np.testing.assert_allclose(mem.eng[j], 0.5)
    assert (mem.status[j] == K.MEMBER).all() and (mem.status == K.MEMBER).sum() == n // 2 + joins
    assert K.organic_pass(members(100), np.zeros(100, dtype=np.int64), 0, 0.5, 0.5, 7, SEED, DAY)[1:] == (7, 0)
    assert K.organic_pass(members(100), np.zeros(100, dtype=np.int64), 0, 1.0, 0.5, 1000, SEED, DAY)[1] == 100


# ----------------------------------------------------------------------------- conversion, churn


def test_conversion_probabilities_and_order_values():
    """Non-payers buy with ``p_first e``, payers with ``p_repeat e``, VIP members times the
    multiplier; a log-normal order value ``order_value exp(sigma z - sigma^2 / 2)``."""
    n = 60
    mem = members(n)
    mem.eng[:] = np.linspace(0.2, 1.0, n)
    mem.paying[::3] = 1
    mem.vip[::4] = 1
    ids = np.arange(n, dtype=np.int64)
    r = rules(vip_conv_mult=1.7, order_value=40.0, sigma=0.6)
    first, orders, rev = K.conversion_pass(ids, mem, 0.3, 0.6, r, SEED, DAY)
    w_first = w_orders = 0
    w_rev = 0.0
    for i in range(n):
        was_paying = i % 3 == 0
        p = (0.6 if was_paying else 0.3) * float(mem.eng[i]) * (1.7 if i % 4 == 0 else 1.0)
        if uniform(SEED, DAY, P_BUY, i, 0) < p:
            v = 40.0 * math.exp(0.6 * normal(SEED, DAY, P_ORDER_VALUE, i, 0) - 0.18)
            assert mem.revenue[i] == pytest.approx(v)
            assert mem.purchases[i] == 1 and mem.paying[i] == 1
            w_first += not was_paying
            w_orders += 1
            w_rev += v
        else:
            assert mem.purchases[i] == 0 and mem.paying[i] == was_paying
    assert 0 < w_first < w_orders < n
    assert (first, orders) == (w_first, w_orders) and rev == pytest.approx(w_rev)


def test_churn_hazards_dormancy_recall_and_counts():
    """Silent for ``silent_days`` -> dormant; a dormant member is recalled with the group's
    recall probability (engagement gets the recall boost); hazard ``base exp(-theta e)``
    (dormant: ``dormant_hazard``) times the group's multiplier and the VIP multiplier;
    ``max_active_days`` ends a membership; end-of-day counts of who stays."""
    n = 80
    mem = members(n)
    mem.status[:] = K.MEMBER
    mem.status[60:70] = K.DORMANT
    mem.group[:] = np.arange(n) % 2
    mem.eng[:] = np.linspace(0.0, 1.0, n)
    mem.last_seen[:] = DAY
    mem.last_seen[40:50] = DAY - 5  # silent 5 days: dormant today
    mem.last_active[:] = np.arange(n) % 40 - 1  # -1: never active
    mem.active_days[:] = 1
    mem.active_days[75:] = 3  # max_active_days
    mem.vip[::5] = 1
    mem.paying[::7] = 1
    lv = empty_levels(2)
    lv.churn[:] = [1.0, 2.5]
    lv.recall[:] = [0.0, 0.6]
    g_size = np.array([40, 40], dtype=np.int32)
    r = rules(
        base_hazard=0.3,
        theta=1.2,
        silent_days=5,
        dormant_hazard=0.2,
        vip_churn_mult=0.4,
        onboarding=0.5,
        max_active_days=3,
    )
    roster = np.arange(n, dtype=np.int64)
    eng0 = mem.eng.astype(np.float64).copy()
    got = K.churn_pass(roster, n, mem, lv, g_size, r, SEED, DAY)
    stay, churned, to_dormant, recalled, dormant, wau, mau, payers, vips = [], 0, 0, 0, 0, 0, 0, 0, 0
    for i in range(n):
        g = i % 2
        if i >= 75:
            churned += 1
            continue
        s = K.DORMANT if 60 <= i < 70 else K.MEMBER
        e = eng0[i]
        if s == K.MEMBER and 40 <= i < 50:
            s = K.DORMANT
            to_dormant += 1
        if s == K.DORMANT and lv.recall[g] > 0 and uniform(SEED, DAY, P_RECALL, i, 0) < lv.recall[g]:
            s = K.MEMBER
            e = e + 0.5 * (1 - e)
            recalled += 1
        h = (0.3 * math.exp(-1.2 * e) if s == K.MEMBER else 0.2) * lv.churn[g] * (0.4 if i % 5 == 0 else 1.0)
        assert mem.eng[i] == pytest.approx(e, rel=1e-6)
        if uniform(SEED, DAY, P_CHURN, i, 0) < h:
            churned += 1
            assert mem.status[i] == K.CHURNED and mem.leave_day[i] == DAY
            continue
        assert mem.status[i] == s
        stay.append(i)
        dormant += s == K.DORMANT
        la = i % 40 - 1
        wau += 0 <= la and DAY - la < 7
        mau += 0 <= la and DAY - la < 30
        payers += i % 7 == 0
        vips += i % 5 == 0
    assert recalled > 0 and to_dormant == 10 and churned > 5
    # the three tier counts are 0: rules() promotes nobody
    assert got == (churned, to_dormant, recalled, len(stay), dormant, wau, mau, payers, vips, 0, 0, 0, len(stay))
    np.testing.assert_array_equal(roster[: len(stay)], stay)
    assert g_size.sum() == 80 - churned
