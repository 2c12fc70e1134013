"""The day's group preparation for a whole batch (kernels.groups, model.grouplevels) gives
each replicate's levels to the last bit of the one-replicate path: ``group_levels`` on the
replicate's groups, then the tiers' lift and interest decay of ``member_levels`` (numpy)
and the stimulus response; and a batch of models with KOL posts reaching some groups,
tiers, staff and group life runs each replicate as the model run alone."""

from __future__ import annotations

import numpy as np
import pytest

from growthsim.graph import build_graph
from growthsim.kernels import daily as K
from growthsim.kernels import groups as KG
from growthsim.kernels.state import Groups, Levels, empty_levels
from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel
from growthsim.model.membership import member_levels
from growthsim.scenario.schema import Scenario
from test_group_life import all_of_it

CAP, VIP = 12, 2
SCALARS = dict(
    target=5,
    stim_per_hour=0.3,
    daily_decay=0.03,
    crowding=0.5,
    unm_decay=1.5,
    unm_churn=1.2,
    recall_per_hour=0.2,
)
TIERS = dict(core_stimulus=0.7, koc_referral=0.4, managed_interest_decay=0.05, interest_decay=0.11, sustain=0.8)


class Spec:
    """The fields of ``Members`` that ``member_levels`` reads."""

    class tiers:
        core_stimulus = TIERS["core_stimulus"]
        koc_referral = TIERS["koc_referral"]

    class lifecycle:
        managed_interest_decay = TIERS["managed_interest_decay"]
        interest_decay = TIERS["interest_decay"]
        content_sustain = TIERS["sustain"]


def replicates(R: int, seed: int):
    """``R`` replicates' groups, yesterday's tiers, slots, member-admin hours and KOL posts."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(R):
        G = int(rng.integers(0, CAP - 1))  # 0: no group yet (levels of group 0 only)
        grp = Groups(
            size=np.where(np.arange(CAP) < G, rng.integers(0, 12, CAP), 0).astype(np.int32),
            cat=np.where(rng.random(CAP) < 0.3, VIP, 0).astype(np.int32),
            managed=np.zeros(CAP, dtype=np.uint8),
            count=np.array([G], dtype=np.int64),
            open_ptr=np.full(VIP + 1, -1, dtype=np.int64),
        )
        lv = empty_levels(CAP)
        lv.core[:] = rng.integers(0, 4, CAP)
        lv.koc[:] = rng.integers(0, 2, CAP)
        S = int(rng.integers(0, 4))
        slots = (rng.integers(0, 4, S).astype(np.int64), rng.choice([0.5, 1.0, 2.0], S))
        extra = np.where(rng.random(CAP) < 0.2, 1.5, 0.0)
        P = int(rng.integers(0, 3))
        lift = rng.random((P, CAP)) * (rng.random((P, CAP)) < 0.5)
        ref = 1.0 + rng.random((P, CAP)) * (rng.random((P, CAP)) < 0.5)
        out.append((grp, lv, slots, extra, lift, ref, float(rng.random())))
    return out


def alone(grp, lv, slots, extra, lift, ref, stim0):
    """The one-replicate path (what CommunityModel._prepare_groups did before the batch)."""
    s = SCALARS
    managed = K.group_levels(
        tuple(grp),
        tuple(lv),
        VIP,
        slots[0],
        slots[1],
        extra,
        s["target"],
        stim0,
        s["stim_per_hour"],
        lift,
        ref,
        s["daily_decay"],
        s["crowding"],
        s["unm_decay"],
        s["unm_churn"],
        s["recall_per_hour"],
    )
    G = max(int(grp.count[0]), 1)
    member_levels(Spec, lv, grp.size[:G], grp.managed[:G])  # type: ignore[arg-type]
    lv.resp[:G] = 0.3 * (1.0 - np.exp(-lv.stim[:G]))
    return managed


def batched(reps, kern):
    """The same replicates laid end to end, one call of the batch kernel."""
    R = len(reps)
    grp = Groups(*(np.concatenate([getattr(x[0], f) for x in reps]) for f in Groups._fields))
    lv = Levels(*(np.concatenate([getattr(x[1], f) for x in reps]) for f in Levels._fields))
    S = max(len(x[2][0]) for x in reps)
    P = max(len(x[4]) for x in reps)
    slot_n, slot_h = np.zeros((R, S), dtype=np.int64), np.zeros((R, S))
    lift, ref = np.zeros((R, P, CAP)), np.ones((R, P, CAP))
    for r, (_, _, (sn, sh), _, lf, rf, _) in enumerate(reps):
        slot_n[r, : len(sn)], slot_h[r, : len(sh)] = sn, sh
        lift[r, : len(lf)], ref[r, : len(rf)] = lf, rf
    extra = np.stack([x[3] for x in reps])
    stim0 = np.array([x[6] for x in reps])
    managed = np.zeros(R, dtype=np.int64)
    s, t = SCALARS, TIERS
    kern.levels(
        tuple(grp),
        tuple(lv),
        CAP,
        VIP,
        slot_n,
        slot_h,
        extra,
        s["target"],
        stim0,
        s["stim_per_hour"],
        lift,
        ref,
        s["daily_decay"],
        s["crowding"],
        s["unm_decay"],
        s["unm_churn"],
        s["recall_per_hour"],
        t["core_stimulus"],
        t["koc_referral"],
        t["managed_interest_decay"],
        t["interest_decay"],
        t["sustain"],
        managed,
    )
    G = np.maximum(grp.count, 1)
    valid = np.arange(CAP)[None, :] < G[:, None]
    resp = lv.resp.reshape(R, CAP)
    np.copyto(resp, 0.3 * (1.0 - np.exp(-lv.stim.reshape(R, CAP))), where=valid)
    return grp, lv, managed


@pytest.mark.parametrize("kern", [KG.serial, KG.parallel], ids=["serial", "parallel"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_kernel_gives_each_replicate_its_own_levels_bit_for_bit(kern, seed):
    reps = replicates(7, seed)
    grp, lv, managed = batched(reps, kern)
    assert managed.sum() > 0 and any(len(x[4]) for x in reps)  # slots and posts at work
    for r, x in enumerate(reps):
        assert managed[r] == alone(*x)
        sl = slice(r * CAP, (r + 1) * CAP)
        for f in Groups._fields[:3]:
            assert getattr(grp, f)[sl].tobytes() == getattr(x[0], f).tobytes(), f
        for f in Levels._fields:
            assert getattr(lv, f)[sl].tobytes() == getattr(x[1], f).tobytes(), (r, f)


def kol_plan() -> Scenario:
    """Group life, tiers lifting their groups, staff, and KOL posts reaching a few groups."""
    plan = all_of_it(horizon_days=30)
    d = plan.model_dump(mode="python")
    d["members"]["tiers"].update(core_stimulus=0.5, koc_referral=0.4)
    d["members"]["lifecycle"]["content_sustain"] = 0.3
    d["kols"] = {
        "experts": {
            "kind": "internal",
            "count": 3,
            "schedule": {"per_week": 3},
            "engagement_lift": 0.5,
            "referral_multiplier": 1.5,
            "groups_reached": 4,
        }
    }
    return Scenario.model_validate(d)


def test_batch_with_kol_posts_and_tiers_runs_each_replicate_as_alone():
    plan = kol_plan()
    g = build_graph(plan.market.graph, plan.market.size, plan.seed)
    b = CommunityBatch(plan, replicates=range(3), graph=g, parallel=True)
    b.run()
    for r in range(3):
        m = CommunityModel(plan, replicate=r, graph=g)
        m.run()
        a = b.models[r]
        assert a.timeseries().to_numpy().tobytes() == m.timeseries().to_numpy().tobytes()
        assert a.group_health().equals(m.group_health())
        assert a.ledger.frame().equals(m.ledger.frame())
    ts = b.models[0].timeseries()
    assert ts["managed_groups"].sum() > 0 and ts["core_members"].sum() > 0
