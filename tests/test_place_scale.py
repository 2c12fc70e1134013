"""Placement at scale: :func:`growthsim.kernels.daily.place_members` (cursor lists and lazy
heaps, ``O(G + m log G)`` a call) puts everyone where the first-fit scan it replaced did
(one scan of all groups per person: quadratic at 10^7 people). The scan is kept here as
the reference and both run on random states: groups of several categories, full and
half-full groups, VIP members, the ``max_groups`` and capacity limits, and sizes that
fall between calls as members leave. Exact equality is required (placement draws no
random numbers)."""

from __future__ import annotations

import numpy as np
import pytest

from growthsim.kernels import daily as K
from growthsim.kernels.state import Groups
from growthsim.population import Population
from helpers.placement import place_scan
from test_kernel_mutants import rules as base_rules


@pytest.mark.parametrize("case", range(40))
def test_place_members_matches_the_first_fit_scan(case):
    rng = np.random.default_rng(case)
    n_blocks = int(rng.integers(1, 4))
    vip_cat = n_blocks
    cap = int(rng.integers(3, 30))
    target = int(rng.integers(1, 6))
    max_size = target + int(rng.integers(0, 4))
    max_groups = int(rng.integers(1, cap + 1))
    r = base_rules(
        target=target,
        max_size=max_size,
        max_groups=max_groups,
        vip_cat=vip_cat,
        onboarding=0.3,
        onboarding_interest=0.2,
        initial_interest=0.1,
    )
    n = 400
    mem = Population.empty(n, np.zeros(n, dtype=np.int32)).record()
    mem.eng[:] = rng.random(n)
    grp = Groups(
        size=np.zeros(cap, dtype=np.int32),
        cat=np.full(cap, -1, dtype=np.int32),
        managed=np.zeros(cap, dtype=np.uint8),
        count=np.zeros(1, dtype=np.int64),
        open_ptr=np.full(n_blocks + 1, -1, dtype=np.int64),
    )
    ref = [a.copy() for a in (mem.group, mem.eng, mem.interest)] + [a.copy() for a in grp]
    people = rng.permutation(n)
    pos = 0
    for _day in range(12):
        m = int(rng.integers(0, 40))
        ids = people[pos : pos + m].astype(np.int64)
        pos += m
        cats = rng.integers(0, n_blocks, size=m).astype(np.int64)
        cats[rng.random(m) < 0.15] = vip_cat
        assert K.place_members(ids, cats, mem, grp, r) == place_scan(ids, cats, *ref, r) == m
        for a, b in zip((mem.group, mem.eng, mem.interest, *grp), ref):
            np.testing.assert_array_equal(a, b)
        # members leave between days; some groups get managed
        placed = np.flatnonzero(mem.group >= 0)
        gone = placed[rng.random(placed.shape[0]) < 0.2]
        for arrs in ((mem.group, grp.size), (ref[0], ref[3])):
            np.subtract.at(arrs[1], arrs[0][gone], 1)
            arrs[0][gone] = -1
        managed = (rng.random(cap) < 0.3).astype(np.uint8)
        grp.managed[:] = managed
        ref[5][:] = managed


def test_place_members_cost_does_not_grow_with_the_groups():
    """One joiner per call into a market of many full groups and one open group far down
    the list: the scan visits every group per joiner, the cursor one. 100,000 people into
    groups of 1 (so 100,000 groups) must take well under what the scan's 5*10^9 group
    visits would (several seconds as machine code); the bound is 0.5 s for the whole
    placement (a few ms expected), generous for a loaded machine."""
    import time

    n = 100_000
    cap = n + 10
    r = base_rules(target=1, max_size=1, max_groups=cap, vip_cat=1)
    mem = Population.empty(n, np.zeros(n, dtype=np.int32)).record()
    grp = Groups(
        size=np.zeros(cap, dtype=np.int32),
        cat=np.full(cap, -1, dtype=np.int32),
        managed=np.zeros(cap, dtype=np.uint8),
        count=np.zeros(1, dtype=np.int64),
        open_ptr=np.full(2, -1, dtype=np.int64),
    )
    ids = np.arange(n, dtype=np.int64)
    cats = np.zeros(n, dtype=np.int64)
    K.place_members(ids[:10], cats[:10], mem, grp, r)  # compile
    t = time.perf_counter()
    K.place_members(ids[10:], cats[10:], mem, grp, r)
    dt = time.perf_counter() - t
    assert grp.count[0] == n
    np.testing.assert_array_equal(np.sort(mem.group), np.arange(n))
    assert dt < 0.5, dt
