"""Member placement as it was before ``place_members`` got its cursors and heaps: a scan
of all groups per person whenever the category's open group is full (quadratic in the
joiners at 10^7 people). The reference for ``tests/test_place_scale.py`` and, compiled
with numba, the baseline of ``benchmarks/bench_place.py``; plain loops only, so that
numba can compile it unchanged."""

from __future__ import annotations


def place_scan(ids, cats, group, eng, interest, g_size, g_cat, g_managed, state, open_ptr, r):
    """The first-fit placement as it was before the cursors and heaps (one scan of the
    groups per person whenever the open group is full)."""
    target, max_size, max_groups, vip_cat, onboarding = r.target, r.max_size, r.max_groups, r.vip_cat, r.onboarding
    placed = 0
    n_ord = 0
    for h in range(state[0]):
        if g_cat[h] != vip_cat:
            n_ord += 1
    for k in range(ids.shape[0]):
        i, c = ids[k], cats[k]
        g = open_ptr[c]
        if g < 0 or g_size[g] >= target:
            g = -1
            for h in range(state[0]):
                if g_cat[h] == c and g_size[h] < target:
                    g = h
                    break
            if g < 0 and state[0] < g_size.shape[0] and (c == vip_cat or n_ord < max_groups):
                g = state[0]
                state[0] += 1
                g_cat[g] = c
                g_size[g] = 0
                g_managed[g] = 0
                if c != vip_cat:
                    n_ord += 1
            if g < 0:
                best = max_size
                for h in range(state[0]):
                    if g_cat[h] == c and g_size[h] < best:
                        best = g_size[h]
                        g = h
            if g < 0:
                best = 1 << 30
                for h in range(state[0]):
                    if (c == vip_cat or g_cat[h] != vip_cat) and g_size[h] < best:
                        best = g_size[h]
                        g = h
            open_ptr[c] = g
        if group[i] < 0:
            interest[i] = r.initial_interest
        group[i] = g
        g_size[g] += 1
        if g_managed[g]:
            e, nu = float(eng[i]), float(interest[i])  # in double precision, as the kernel
            eng[i] = e + onboarding * (1.0 - e)
            interest[i] = nu + r.onboarding_interest * (1.0 - nu)
        placed += 1
    return placed
