"""The engine's numba kernels: the day's member passes (:mod:`~growthsim.kernels.daily`)
and counter-based random numbers (:mod:`~growthsim.kernels.rng`). Everything either module
lists in its ``__all__`` is importable from here."""

from growthsim.kernels import daily, rng
from growthsim.kernels.daily import *  # noqa: F403
from growthsim.kernels.rng import *  # noqa: F403

__all__ = ["daily", "rng", *daily.__all__, *rng.__all__]
