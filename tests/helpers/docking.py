"""Exact configurations in which the engine reduces to textbook diffusion models.

**Bass (well-mixed market).** With constant propensity 1, engagement starting at 1 and no
decay, no churn and no levers, every member placed in a group is active every day. On day
``d`` the engine (``CommunityModel.step``) first lets each outsider join by itself with
probability ``p`` (``members.organic_join_prob``); then today's active members — exactly
the ``N_{d-1}`` people who were members at the end of day ``d-1`` (today's organic joiners
are not placed in a group yet, so they are not active) — spread word of mouth: an
outsider is invited at least once with ``1 - exp(-lambda_d)``,
``lambda_d = N_{d-1} * invite_prob * mean_degree / (n - 1)``, and accepts with
``accept_prob``. Hence, for the fraction ``F_d = N_d / n`` of adopters at the end of day
``d``, in expectation:

    F_d = F_{d-1} + (1 - F_{d-1}) * (p + (1 - p) * a * (1 - exp(-Q * F_{d-1} * n / (n - 1)))),

with ``Q = invite_prob * mean_degree`` and ``a = accept_prob``. This is the engine's own
mean field (the law of large numbers limit of its default ``well_mixed_rule: poisson``:
the expected value of the stochastic engine differs from it by O(1/n)); it is *not* the
Bass model: the chance ``p + (1 - p)(1 - e^{-qF})`` is below ``p + qF`` by ``pqF`` plus the
curvature of the exponential (0.19 against 0.22 at p = 0.03, q = 0.38, F = 0.5).

**Textbook Bass (well-mixed market, linear rule).** With ``market.graph.well_mixed_rule:
linear`` an outsider is invited with ``min(1, lambda_d)`` instead of ``1 - exp(-lambda_d)``.
Organic joins come first (chance ``p``), so an outsider still out is then invited and
accepts (``accept_prob = 1``) with ``lambda_d = N_{d-1} * invite_prob * mean_degree / (n - 1)``;
with ``invite_prob = q (n - 1) / (n (1 - p) mean_degree)`` that is ``q F_{d-1} / (1 - p)``,
and the chance that a non-adopter adopts on day ``d`` is exactly

    p + (1 - p) * q F_{d-1} / (1 - p) = p + q F_{d-1},

the discrete-time Bass model ``F_d = F_{d-1} + (1 - F_{d-1})(p + q F_{d-1})``
(:func:`textbook_bass_plan`, :func:`textbook_bass`), for ``p + q <= 1`` (so that no chance is
capped). Given ``N_{d-1}``, the day's adopters are ``Binomial(n - N_{d-1}, p + q F_{d-1})``
— the engine draws each outsider's organic join and invitation independently — so the
spread of ``F_d`` around the recursion follows from ``n`` alone
(:func:`textbook_bass_spread`).

**SIR (graph).** With ``churn.max_active_days = 1``, constant propensity 1, engagement 1
without decay, acceptance 1 and ``invite_prob = T``, a person who joins on day ``d`` is
placed in a group that evening, is active (infectious) on day ``d + 1``, invites each
outsider (susceptible) neighbour with probability ``T`` and leaves (recovers) that
evening. The initial members are active on day 0. This is the discrete-time SIR of
``EoN.basic_discrete_SIR`` with transmission probability ``T``: EoN's ``I(t)`` is the
engine's ``active`` on day ``t`` and EoN's ``R(t + 1)`` the engine's ``churned`` at the end
of day ``t``; the final size is ``members_ever``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from growthsim.scenario.schema import Scenario

__all__ = [
    "bass_plan",
    "bass_recursion",
    "bass_continuous",
    "textbook_bass_plan",
    "textbook_bass",
    "textbook_bass_spread",
    "sir_plan",
    "NEUTRAL_MEMBERS",
]

#: member settings that make everybody active every day and nobody leave
NEUTRAL_MEMBERS: dict[str, dict[str, Any]] = {
    "propensity": {"distribution": "constant", "value": 1.0},
    "engagement": {"initial": 1.0, "daily_decay": 0.0, "habit_gain": 0.0},
    "conversion": {"first_purchase_prob": 0.0, "repurchase_prob": 0.0},
    "churn": {"base_hazard": 0.0, "dormant_hazard": 0.0, "dormant_activity_factor": 1.0},
    "tiers": {"core_stimulus": 0.0, "koc_referral": 0.0},
}


def bass_plan(
    n: int,
    p: float,
    q: float,
    horizon: int,
    mean_degree: float = 10.0,
    accept: float = 1.0,
    initial: int = 0,
    seed: int = 1,
) -> Scenario:
    """The engine as a Bass model: innovation ``p`` and imitation ``q`` per day
    (``invite_prob = q / (mean_degree * accept)``) in a well-mixed market of ``n`` people."""
    invite = q / (mean_degree * accept)
    if invite > 1.0:
        raise ValueError(f"q={q} needs invite_prob {invite} > 1: raise mean_degree")
    return Scenario.model_validate(
        {
            "name": f"bass-p{p}-q{q}",
            "seed": seed,
            "horizon_days": horizon,
            "replicates": 10,
            "market": {"size": n, "graph": {"model": "well_mixed", "mean_degree": mean_degree}},
            "members": {
                **NEUTRAL_MEMBERS,
                "initial": initial,
                "organic_join_prob": p,
                "referral": {"invite_prob": invite, "accept_prob": accept},
            },
        }
    )


def bass_recursion(n: int, p: float, q: float, horizon: int, accept: float = 1.0, initial: int = 0) -> np.ndarray:
    """Expected adopter fraction at the end of days ``0..horizon-1`` under the engine's
    discrete-time rules (see the module docstring); ``q`` = ``invite_prob * mean_degree``
    times ``accept`` as in :func:`bass_plan`."""
    Q = q / accept
    F = initial / n
    out = np.empty(horizon)
    for d in range(horizon):
        wom = accept * -math.expm1(-Q * F * n / (n - 1))
        F = F + (1.0 - F) * (p + (1.0 - p) * wom)
        out[d] = F
    return out


def textbook_bass_plan(n: int, p: float, q: float, horizon: int, mean_degree: float = 10.0, seed: int = 1) -> Scenario:
    """The engine as the textbook discrete-time Bass model (module docstring): a
    non-adopter adopts on a day with ``p + q F`` (``F`` = adopters at the end of the day
    before / ``n``), in a well-mixed market of ``n`` people with the linear rule."""
    if not (0.0 <= p < 1.0 and q >= 0.0 and p + q <= 1.0):
        raise ValueError(f"the textbook Bass model needs 0 <= p < 1, q >= 0, p + q <= 1 (p={p}, q={q})")
    invite = q * (n - 1) / (n * (1.0 - p) * mean_degree)
    if invite > 1.0:
        raise ValueError(f"q={q} needs invite_prob {invite} > 1: raise mean_degree")
    return Scenario.model_validate(
        {
            "name": f"textbook-bass-p{p}-q{q}",
            "seed": seed,
            "horizon_days": horizon,
            "replicates": 10,
            "market": {
                "size": n,
                "graph": {"model": "well_mixed", "mean_degree": mean_degree, "well_mixed_rule": "linear"},
            },
            "members": {
                **NEUTRAL_MEMBERS,
                "initial": 0,
                "organic_join_prob": p,
                "referral": {"invite_prob": invite, "accept_prob": 1.0},
            },
        }
    )


def textbook_bass(p: float, q: float, horizon: int, f0: float = 0.0) -> np.ndarray:
    """The discrete-time Bass recursion ``F_d = F_{d-1} + (1 - F_{d-1})(p + q F_{d-1})``
    from ``F_{-1} = f0``: ``F_0 .. F_{horizon-1}``."""
    F = f0
    out = np.empty(horizon)
    for d in range(horizon):
        F = F + (1.0 - F) * (p + q * F)
        out[d] = F
    return out


def textbook_bass_spread(n: int, p: float, q: float, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Per day, the standard deviation of one run's ``F_d`` and the gap between the mean
    of ``F_d`` and the recursion, both from the population size ``n`` alone (linear noise
    approximation of the Binomial adoptions, first order in ``1/n``).

    With ``g(F) = F + (1 - F)(p + qF)`` the recursion's map, ``h = p + q F`` and
    ``F_d = g(F_{d-1}) + e_d`` where, given ``F_{d-1}``, ``e_d`` has mean 0 and variance
    ``(1 - F_{d-1}) h (1 - h) / n`` (the Binomial adoptions): the variance propagates as
    ``V_d = g'(F_{d-1})^2 V_{d-1} + (1 - F_{d-1}) h (1 - h) / n`` and, since ``g'' = -2q``,
    the mean falls behind the recursion by ``B_d = g'(F_{d-1}) B_{d-1} - q V_{d-1}``."""
    F, V, B = 0.0, 0.0, 0.0
    sd, bias = np.empty(horizon), np.empty(horizon)
    for d in range(horizon):
        h = p + q * F
        slope = 1.0 + q - p - 2.0 * q * F
        F, V, B = F + (1.0 - F) * h, slope**2 * V + (1.0 - F) * h * (1.0 - h) / n, slope * B - q * V
        sd[d], bias[d] = np.sqrt(V), B
    return sd, bias


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """The continuous-time Bass solution ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``."""
    x = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - x) / (1.0 + (q / p) * x)


def sir_plan(n: int, graph: dict, T: float, initial: int, horizon: int, seed: int = 1) -> Scenario:
    """The engine as a discrete-time SIR on ``graph`` (a ``market.graph`` mapping):
    transmission probability ``T`` per edge, infectious for exactly one day."""
    members = {k: dict(v) for k, v in NEUTRAL_MEMBERS.items()}
    members["churn"]["max_active_days"] = 1
    return Scenario.model_validate(
        {
            "name": f"sir-T{T}",
            "seed": seed,
            "horizon_days": horizon,
            "replicates": 10,
            "market": {"size": n, "graph": graph},
            "members": {
                **members,
                "initial": initial,
                "organic_join_prob": 0.0,
                "referral": {"invite_prob": T, "accept_prob": 1.0},
            },
        }
    )
