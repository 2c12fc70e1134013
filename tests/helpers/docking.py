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

with ``Q = invite_prob * mean_degree`` and ``a = accept_prob``; with ``a = 1`` and small
hazards this is the discrete Bass model ``F_d = F_{d-1} + (1 - F_{d-1})(p + q F_{d-1})`` with
``q = Q``. The recursion is the mean-field (law of large numbers) limit of the engine:
the expected value of the stochastic engine differs from it by O(1/n).

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

__all__ = ["bass_plan", "bass_recursion", "bass_continuous", "sir_plan", "NEUTRAL_MEMBERS"]

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
