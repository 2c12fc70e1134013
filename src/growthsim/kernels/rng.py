"""Counter-based random numbers for kernels.

A draw is a pure function of ``(seed, day, purpose, a, b)`` — typically ``a`` a person and
``b`` a neighbour or a repetition index — hashed with the SplitMix64 finaliser. No generator
state is carried between draws, so results do not depend on the order in which people are
visited or on the number of threads, and two plans run with the same seed see the same
dice for the same person on the same day (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np
from numba import njit, uint64

__all__ = [
    "P_ACCEPT",
    "P_ACTIVE",
    "P_BUY",
    "P_CHANNEL",
    "P_CHURN",
    "P_INVITE",
    "P_ORDER_VALUE",
    "P_ORGANIC",
    "P_RECALL",
    "P_REFERRER",
    "P_REPLAY",
    "P_WOM",
    "P_WOM_ACCEPT",
    "P_CHANNEL_REACH",
    "P_LOTTERY",
    "P_KOL_REACH",
    "hash5",
    "mix64",
    "normal",
    "randint",
    "uniform",
    "uniform_array",
    "stream_key",
    "uniform_keys",
    "count_below",
]

# purposes: one stream per kind of decision
P_ACTIVE = 1
P_INVITE = 2
P_ACCEPT = 3
P_BUY = 4
P_ORDER_VALUE = 5
P_CHURN = 6
P_RECALL = 7
P_ORGANIC = 8
P_WOM = 9
P_WOM_ACCEPT = 10
P_REFERRER = 11
P_CHANNEL = 12  # + 1000 * (channel stream + 1) for the candidate, + 1 for the join decision
P_REPLAY = 13
# lever decisions (keyed like member draws: adding a lever that does nothing changes no
# other lever's dice); ``b`` carries the lever's stream key (:func:`stream_key`)
P_CHANNEL_REACH = 15  # rounding a channel's fractional reach: (P_CHANNEL_REACH, 0, stream)
P_LOTTERY = 16  # a lottery participant's win: (P_LOTTERY, person, stream)
P_KOL_REACH = 17  # which groups a KOL post reaches: (P_KOL_REACH, group, stream * 4096 + post)

_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def mix64(z: uint64) -> uint64:
    """SplitMix64 finaliser: a bijective avalanche hash of a 64-bit word."""
    z = (z ^ (z >> uint64(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint64(27))) * uint64(0x94D049BB133111EB)
    return z ^ (z >> uint64(31))


@njit(inline="always", cache=True)
def hash5(seed: uint64, day: int, purpose: int, a: int, b: int) -> uint64:
    h = mix64(seed + uint64(day) * uint64(0x9E3779B97F4A7C15) + uint64(purpose))
    h = mix64(h ^ (uint64(a) * uint64(0xBF58476D1CE4E5B9)))
    h = mix64(h + uint64(b) * uint64(0x94D049BB133111EB) + uint64(0x9E3779B97F4A7C15))
    return h


@njit(inline="always", cache=True)
def uniform(seed: uint64, day: int, purpose: int, a: int, b: int) -> float:
    """A uniform draw in [0, 1) keyed by its coordinates."""
    return float(hash5(seed, day, purpose, a, b) >> uint64(11)) * _INV53


@njit(inline="always", cache=True)
def normal(seed: uint64, day: int, purpose: int, a: int, b: int) -> float:
    """A standard normal draw (Box–Muller on two keyed uniforms)."""
    u1 = uniform(seed, day, purpose, a, b)
    u2 = uniform(seed, day, purpose + 7919, a, b)
    if u1 < 1e-300:
        u1 = 1e-300
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


@njit(inline="always", cache=True)
def randint(seed: uint64, day: int, purpose: int, a: int, b: int, n: int) -> int:
    """A uniform integer in [0, n)."""
    return int(hash5(seed, day, purpose, a, b) % uint64(n))


@njit(cache=True)
def uniform_array(seed: uint64, day: int, purpose: int, n: int) -> np.ndarray:
    """``n`` keyed uniforms for people 0..n-1 (used by tests and the reference model)."""
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = uniform(seed, day, purpose, i, 0)
    return out


def stream_key(name: str) -> int:
    """A lever's stream key: a stable 32-bit hash of its name (CRC-32), so a lever's draws
    do not depend on its position among the plan's levers."""
    return zlib.crc32(name.encode("utf-8"))


@njit(cache=True)
def uniform_keys(seed: uint64, day: int, purpose: int, n: int, b: int) -> np.ndarray:
    """``n`` keyed uniforms ``(purpose, a, b)`` for ``a = 0 .. n-1``."""
    out = np.empty(n, dtype=np.float64)
    for a in range(n):
        out[a] = uniform(seed, day, purpose, a, b)
    return out


@njit(cache=True)
def count_below(seed: uint64, day: int, purpose: int, ids: np.ndarray, b: int, p: float) -> int:
    """How many of people ``ids`` draw a keyed uniform ``(purpose, id, b)`` below ``p``
    (each independently: a binomial count with common random numbers per person)."""
    k = 0
    for j in range(ids.shape[0]):
        if uniform(seed, day, purpose, ids[j], b) < p:
            k += 1
    return k
