"""One huge replicate on threads (kernels.huge): chunks of a fixed size, then a commit in
chunk order, so the results are the same, bit for bit, at any thread count, and the same
as the unchunked one-replicate passes.

The chunked form is chosen by the plan's market size (``huge.CHUNKED_MIN_PEOPLE``, one
million people); the tests lower it and the chunk size (``huge.CHUNK``, read when a model
is built and passed to the kernels at run time) so that a 2,500-person plan runs its
member passes in many chunks on 1, 2 and 4 threads within seconds. Each check compares
the raw bytes of every output (``test_batch.fingerprint``) or every array a pass writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numba
import numpy as np
import pytest

from growthsim.kernels import daily as K
from growthsim.kernels import huge
from growthsim.kernels.rng import P_ACCEPT, uniform
from growthsim.kernels.state import Rules
from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel
from growthsim.population import Population
from helpers.threads import run_at_4_threads

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_batch import fingerprint, plan  # noqa: E402

SEED = np.uint64(20261202)
DAY = 11
PASSES = ("activity", "referral", "conversion", "churn")


def small_chunks(monkeypatch, chunk: int = 8) -> None:
    """Chunk a 2,500-person plan: the threshold at 0 people, ``chunk`` people a chunk."""
    monkeypatch.setattr(huge, "CHUNKED_MIN_PEOPLE", 0)
    monkeypatch.setattr(huge, "CHUNK", chunk)


# --------------------------------------------------------------------------- whole runs
THREADS_SCRIPT = """
import json, sys, numba
sys.path.insert(0, {tests!r})
from test_batch import plan, fingerprint
from test_huge_parallel import claim_case
from growthsim.kernels import batch as KB, huge
from growthsim.kernels.state import C_CHUNKS
from growthsim.model.community import CommunityModel

chunks = {{}}
def counting(name, fn):
    def run(*args):
        out = fn(*args)
        counts = args[4] if name == "referral" else args[2]
        chunks[name] = max(chunks.get(name, 0), int(counts[0, C_CHUNKS]))
        return out
    return run
for name in ("activity", "referral", "conversion", "churn"):
    setattr(KB.serial, name, counting(name, getattr(KB.serial, name)))

sc = plan()
plain = CommunityModel(sc, replicate=1)
plain.run()
out = {{"plain": fingerprint(plain), "plain_chunks": dict(chunks), "fp": {{}}, "threads": {{}}, "claim": {{}}}}
huge.CHUNKED_MIN_PEOPLE, huge.CHUNK = 0, 8
for t in (1, 2, 4):
    numba.set_num_threads(t)
    chunks.clear()
    m = CommunityModel(sc, replicate=1)
    m.run()
    out["fp"][t] = fingerprint(m)
    out["threads"][t] = numba.get_num_threads()
    out["chunks_" + str(t)] = dict(chunks)
    out["claim"][t] = claim_case()
print(json.dumps({{**out, "layer": numba.threading_layer(), "max": numba.config.NUMBA_NUM_THREADS}}))
"""


def test_chunked_run_identical_at_1_2_and_4_threads_and_to_unchunked():
    """A whole run of the all-lever plan with its member passes in chunks of 8 people gives
    the same bytes at 1, 2 and 4 threads as the unchunked run; the chunked path really ran
    (each pass ran many chunks, on a numba thread pool of 2 and 4 threads)."""
    got = run_at_4_threads(THREADS_SCRIPT)
    assert got["max"] == 4
    # threading_layer() raises unless a parallel region ran (the plan runs one replicate:
    # only the chunked passes have parallel regions)
    assert got["layer"] in ("tbb", "omp", "workqueue")
    assert got["threads"] == {"1": 1, "2": 2, "4": 4}
    assert set(got["plain_chunks"].values()) == {0}  # below the threshold: not chunked
    for t in ("1", "2", "4"):
        assert got["fp"][t] == got["plain"], t
        ran = got["chunks_" + t]
        assert set(ran) == set(PASSES)
        assert min(ran.values()) >= 3, ran  # every pass ran in several chunks
        assert got["claim"][t] == got["claim"]["1"], t


def test_chunked_batch_and_models_agree(monkeypatch):
    """A batch looping over its replicates (no threads over them) runs each replicate's
    passes in chunks; replicate r equals the model run alone, chunked or not."""
    sc = plan(horizon_days=40)
    alone = []
    for r in range(3):
        m = CommunityModel(sc, replicate=r)
        m.run()
        alone.append(fingerprint(m))
    small_chunks(monkeypatch)
    b = CommunityBatch(sc, replicates=range(3), parallel=False)
    assert (b.state.counts[:, huge_col()] == 8).all()
    b.run()
    assert [fingerprint(m) for m in b.models] == alone
    # a batch on threads over its replicates does not chunk them (no nested threads)
    p = CommunityBatch(sc, replicates=range(3), parallel=True)
    assert (p.state.counts[:, huge_col()] == 0).all()


def huge_col() -> int:
    from growthsim.kernels.state import C_CHUNK

    return C_CHUNK


def test_chunk_choice_is_the_plans():
    """Chunked from CHUNKED_MIN_PEOPLE people, with the constant CHUNK; never in a batch on
    threads; the thread count plays no part."""
    assert huge.chunk_for(huge.CHUNKED_MIN_PEOPLE - 1) == 0
    assert huge.chunk_for(huge.CHUNKED_MIN_PEOPLE) == huge.CHUNK > 0
    assert huge.chunk_for(10**8, parallel_batch=True) == 0
    n = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert huge.chunk_for(10**7) == huge.CHUNK
    finally:
        numba.set_num_threads(n)


# --------------------------------------------------------------------------- pass by pass
def rules(**over) -> Rules:
    import typing

    hints = typing.get_type_hints(Rules)
    fields = {f: (0 if hints[f] is int else 0.0) for f in Rules._fields}
    fields.update(
        e0=0.5,
        habit=0.2,
        dormant_factor=0.3,
        target=50,
        max_size=100,
        max_groups=10**6,
        vip_cat=1,
        order_value=40.0,
        sigma=0.7,
        vip_conv_mult=1.5,
        base_hazard=0.05,
        theta=1.0,
        silent_days=3,
        dormant_hazard=0.2,
        vip_churn_mult=0.5,
        onboarding=0.3,
        score_keep=0.9,
        active_points=1.0,
        referral_points=3.0,
        order_points=2.0,
        active_score=2.0,
        core_score=4.0,
        demotion_ratio=0.5,
        koc_min_referrals=1,
        koc_min_orders=1,
        pt_active=1.0,
        pt_referral=5.0,
        pt_order=2.0,
    )
    fields.update(over)
    return Rules(**fields)


def state(n: int = 3000, groups: int = 40, seed: int = 0):
    """A random day: 40% members (some dormant), in groups, with scores and orders; a
    small-world graph of mean degree 10."""
    from growthsim.graph.core import csr_from_edges
    from growthsim.graph.generators import ws_numpy

    rng = np.random.default_rng(seed)
    indptr, indices = csr_from_edges(n, *ws_numpy(n, 10, 0.1, np.random.default_rng(seed + 1)))
    mem = Population.empty(n, np.zeros(n, np.int32)).record()
    members = rng.random(n) < 0.4
    mem.status[:] = np.where(members, np.where(rng.random(n) < 0.2, 2, 1), 0).astype(np.int8)
    mem.eng[:] = rng.random(n).astype(np.float32)
    mem.prop[:] = rng.random(n).astype(np.float32)
    mem.group[:] = np.where(members, rng.integers(0, groups, n), -1)
    mem.last_seen[:] = np.where(members, DAY - rng.integers(0, 6, n), -1)
    mem.join_day[:] = np.where(members, DAY - rng.integers(1, 30, n), -1)
    mem.score[:] = (rng.random(n) * 8).astype(np.float32)
    mem.accepted[:] = rng.integers(0, 3, n)
    mem.purchases[:] = rng.integers(0, 3, n)
    mem.paying[:] = (mem.purchases > 0).astype(np.uint8)
    mem.vip[:] = (rng.random(n) < 0.1).astype(np.uint8)
    mem.interest[:] = rng.random(n).astype(np.float32)
    from growthsim.kernels.state import empty_levels

    lv = empty_levels(groups)
    lv.resp[:] = rng.random(groups) * 0.1
    lv.decay[:] = rng.random(groups) * 0.1
    lv.churn[:] = 0.5 + rng.random(groups)
    lv.recall[:] = rng.random(groups) * 0.5
    lv.ref[:] = 0.5 + rng.random(groups)
    lv.life[:] = rng.random(groups) * 0.2
    g_size = np.bincount(mem.group[members], minlength=groups).astype(np.int32)
    roster = np.flatnonzero(members).astype(np.int64)
    return indptr, indices, mem, lv, g_size, roster


def copy(rec):
    return type(rec)(*(a.copy() for a in rec))


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])
def test_activity_and_churn_chunks_equal_the_plain_passes(chunk):
    _, _, mem, lv, g_size, roster = state()
    r = rules()
    n = roster.shape[0]
    outs = []
    for ch in (0, chunk):
        m, L, ro, gs = copy(mem), copy(lv), roster.copy(), g_size.copy()
        act = np.zeros(mem.status.shape[0], np.int64)
        k, w, ran = huge.activity(ro, n, m, L, 0.9, r, SEED, DAY, act, ch)
        assert ran == (0 if ch == 0 else -(-n // ch))
        ev = np.zeros(mem.status.shape[0])
        c = huge.churn(ro, n, m, L, gs, r, SEED, DAY, ev, ch)
        assert c[13] == (0 if ch == 0 else -(-n // ch))
        outs.append(((k, w), act[:k].copy(), c[:13], ro[: c[12]].copy(), gs, L, m))
    (a0, act0, c0, ro0, gs0, L0, m0), (a1, act1, c1, ro1, gs1, L1, m1) = outs
    assert a0 == a1 and np.array_equal(act0, act1)
    assert c0 == c1 and np.array_equal(ro0, ro1) and np.array_equal(gs0, gs1)
    assert same(L0, L1) and same(m0, m1)
    # the state was lively: people active, woken, leaving, dormant, core and KOC members
    assert a0[0] > 50 and a0[1] > 0 and c0[0] > 10 and c0[1] > 0 and c0[10] + c0[11] > 0 and c0[11] > 0
    assert L0.core.sum() == c0[10] + c0[11] and L0.koc.sum() == c0[11]
    # plain churn_pass gives the same as the chunked churn too
    m, L, ro, gs = copy(mem), copy(lv), roster.copy(), g_size.copy()
    act = np.zeros(mem.status.shape[0], np.int64)
    K.activity_pass(ro, n, m, L, 0.9, r, SEED, DAY, act)
    assert K.churn_pass(ro, n, m, L, gs, r, SEED, DAY) == c0


@pytest.mark.parametrize("chunk", [1, 5, 300])
def test_conversion_chunks_equal_the_plain_pass(chunk):
    _, _, mem, _, _, roster = state()
    r = rules()
    active = roster[::3].copy()
    res = []
    for ch in (0, chunk):
        m = copy(mem)
        out = huge.conversion(active, m, 0.2, 0.4, r, SEED, DAY, np.zeros(mem.status.shape[0]), ch)
        res.append((out[:3], m))
    assert res[0][0] == res[1][0]  # the revenue too, bit for bit (summed in the same order)
    assert same(res[0][1], res[1][1])
    assert res[0][0][1] > 20
    assert K.conversion_pass(active, copy(mem), 0.2, 0.4, r, SEED, DAY) == res[0][0]


@pytest.mark.parametrize(("chunk", "room", "reinforcement"), [(1, 10**9, 0.0), (3, 40, 0.0), (16, 10**9, 0.5)])
def test_referral_chunks_equal_the_plain_pass(chunk, room, reinforcement):
    """Claim-then-commit word of mouth: the same joins, referrers, invitations and room as
    the serial pass, also when the room runs out mid-pass and with social reinforcement
    (acceptance depends on the joins earlier in the pass)."""
    indptr, indices, mem, lv, _, roster = state()
    r = rules(reinforcement=reinforcement)
    active = roster[::2].copy()
    n = mem.status.shape[0]
    res = []
    for ch in (0, chunk):
        m = copy(mem)
        new_ids, acc_ref = np.zeros(n, np.int64), np.zeros(n, np.int64)
        out = huge.referral(
            indptr, indices, m, lv.ref, active, new_ids, 0, acc_ref, 0.2, 0.3, r, room, SEED, DAY, np.zeros(n), ch
        )
        res.append((out[:4], new_ids[: out[0]].copy(), acc_ref[: out[2]].copy(), m))
    (o0, n0, a0, m0), (o1, n1, a1, m1) = res
    assert o0 == o1 and np.array_equal(n0, n1) and np.array_equal(a0, a1) and same(m0, m1)
    assert o0[1] > o0[2] > 5  # invitations, some accepted
    if room < 10**9:
        assert o0[3] == 0 and o0[1] > o0[2] == room  # the room ran out mid-pass
    # someone was invited by two members the same day (the claim step was needed)
    j_of = {}
    for i in active:
        for p in range(indptr[i], indptr[i + 1]):
            j_of.setdefault(indices[p], set()).add(i)
    assert any(len(v) > 1 for j, v in j_of.items() if j in set(n0.tolist()))


def claim_case() -> dict:
    """Many active members, one per chunk, all neighbours of the same outsider, every one
    invites them (invitation probability 1); each acceptance is a keyed draw. The outsider
    must join through the first member in the active list whose draw accepts, be invited
    by the members up to that one only, and the later members must get no credit."""
    from growthsim.graph.core import csr_from_edges

    k = 40
    x = k  # the outsider: person k; persons 0..k-1 active members
    src = np.arange(k, dtype=np.int64)
    indptr, indices = csr_from_edges(k + 1, src, np.full(k, x, dtype=np.int64))
    mem = Population.empty(k + 1, np.zeros(k + 1, np.int32)).record()
    mem.status[:k] = 1
    mem.eng[:] = 1.0
    mem.group[:k] = 0
    active = np.arange(k, dtype=np.int64)[::-1].copy()  # a visit order that is not ascending
    p_accept = 0.1
    out = {}
    for ch in (0, 1):
        m = copy(mem)
        new_ids, acc_ref = np.zeros(k + 1, np.int64), np.zeros(k + 1, np.int64)
        res = huge.referral(
            indptr, indices, m, np.ones(1), active, new_ids, 0, acc_ref, 1.0, p_accept, rules(), 10**9, SEED, DAY,
            np.zeros(k + 1), ch,
        )  # fmt: skip
        out[ch] = {
            "counts": list(res[:4]),
            "ran": int(res[4]),
            "referrer": int(m.referrer[x]),
            "credited": np.flatnonzero(m.accepted).tolist(),
            "acc_ref": acc_ref[: res[2]].tolist(),
        }
    first = next(int(i) for i in active if uniform(SEED, DAY, P_ACCEPT, int(i), x) < p_accept)
    pos = int(np.flatnonzero(active == first)[0])
    return {"plain": out[0], "chunked": out[1], "first": first, "pos": pos}


def test_claim_then_commit_first_referrer_in_order_wins():
    got = claim_case()
    c = got["chunked"]
    assert c["ran"] == 40  # one chunk per active member
    assert c == {**got["plain"], "ran": 40}
    assert got["pos"] > 0  # the first member's draw does not accept: the order decides
    assert c["referrer"] == got["first"] and c["credited"] == [got["first"]] and c["acc_ref"] == [got["first"]]
    # invited by the members up to the winner, then no longer an outsider
    assert c["counts"][1:3] == [got["pos"] + 1, 1]
    # another member's draw would win in another order: the choice is not vacuous
    later = [int(i) for i in range(40) if uniform(SEED, DAY, P_ACCEPT, i, 40) < 0.1]
    assert len(later) > 1
