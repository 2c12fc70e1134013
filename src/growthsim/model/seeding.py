"""How a :class:`~growthsim.model.community.CommunityModel` reads Mesa's ``seed`` / ``rng``
arguments, and the error of a step past the plan's horizon."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["PLAN_SEED", "PastHorizonError", "base_seed"]


class PastHorizonError(RuntimeError):
    """A step asked of a model whose plan's horizon is over."""


class _PlanSeed:
    def __repr__(self) -> str:
        return "PLAN_SEED"


#: default of ``seed`` and ``rng``: the plan's own seed (``scenario.seed``)
PLAN_SEED: Any = _PlanSeed()


def base_seed(plan_seed: int, seed: Any = PLAN_SEED, rng: Any = PLAN_SEED) -> int:
    """The base seed of a run from ``seed`` and Mesa's ``rng`` (see :class:`CommunityModel`).

    Neither given: ``plan_seed``. ``None`` passed (Mesa's meaning, and what
    ``mesa.batch_run(rng=[None] * n)`` passes): a fresh seed from the operating system.
    An integer in 0..2**63-1: that seed. A numpy ``Generator`` / ``BitGenerator`` /
    ``SeedSequence``: one draw from it (a generator advances)."""
    given = [v for v in (seed, rng) if v is not PLAN_SEED]
    if not given:
        return int(plan_seed)
    values = [v for v in given if v is not None]
    if len(values) > 1:
        raise ValueError("pass seed or rng, not both")
    if not values:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    v = values[0]
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        if not 0 <= int(v) <= 2**63 - 1:
            raise ValueError(f"an integer seed must be between 0 and 2**63-1, not {v}")
        return int(v)
    if isinstance(v, (np.random.Generator, np.random.BitGenerator, np.random.SeedSequence)):
        return int(np.random.default_rng(v).integers(0, 2**63 - 1, endpoint=True))
    raise TypeError(
        f"seed / rng must be None, an integer, or a numpy Generator / BitGenerator / "
        f"SeedSequence, not {type(v).__name__}"
    )
