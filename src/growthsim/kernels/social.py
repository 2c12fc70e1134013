"""Keyed draws for the group-life mechanisms (fatigue, ads, self-organised groups, offline
events; see :mod:`growthsim.model.social`).

Same counter-based hashes as :mod:`growthsim.kernels.rng`: person (or group) ``a``'s draw
on ``day`` for ``purpose`` is ``uniform(seed, day, purpose, a, b)``, so a mechanism's
dice do not depend on the order of the people, the batch or the threads, and two plans run
with the same seed share them (common random numbers). The purposes live here, in a range
of their own (60..79), apart from the member passes' purposes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from growthsim.kernels.rng import normal, uniform

P_AD_POSTER = 60  # is person i an ad poster: (P_AD_POSTER, i, 0) on day 0
P_MUTE = 61  # a member mutes the group today: (P_MUTE, i, 0)
P_AD_CAUGHT = 62  # an ad poster's ads caught today: (P_AD_CAUGHT, i, 0)
P_WARN = 63  # a warned poster stops for good: (P_WARN, i, 0)
P_AD_GROUP = 64  # a caught poster moves to the ad group: (P_AD_GROUP, i, 0)
P_SPAWN = 65  # group g spins off a sub-group in today's round: (P_SPAWN, g, 0)
P_FOLLOW = 66  # member i follows to the new sub-group: (P_FOLLOW, i, 0)
P_OFFLINE_SEAT = 67  # who is invited to an offline event: (P_OFFLINE_SEAT, i, stream * 1024 + event)
P_OFFLINE_BUY = 68  # an attendee buys at the event: (P_OFFLINE_BUY, i, stream)
P_OFFLINE_VALUE = 69  # the value of that order: (P_OFFLINE_VALUE, i, stream)


@njit(cache=True)
def uniforms_of(seed, day, purpose, ids, b):
    """Keyed uniforms ``(purpose, ids[k], b)`` for each ``k``."""
    out = np.empty(ids.shape[0], dtype=np.float64)
    for k in range(ids.shape[0]):
        out[k] = uniform(seed, day, purpose, ids[k], b)
    return out


@njit(cache=True)
def normals_of(seed, day, purpose, ids, b):
    """Keyed standard normals ``(purpose, ids[k], b)`` for each ``k``."""
    out = np.empty(ids.shape[0], dtype=np.float64)
    for k in range(ids.shape[0]):
        out[k] = normal(seed, day, purpose, ids[k], b)
    return out


__all__ = [
    "P_AD_POSTER",
    "P_MUTE",
    "P_AD_CAUGHT",
    "P_WARN",
    "P_AD_GROUP",
    "P_SPAWN",
    "P_FOLLOW",
    "P_OFFLINE_SEAT",
    "P_OFFLINE_BUY",
    "P_OFFLINE_VALUE",
    "uniforms_of",
    "normals_of",
]
