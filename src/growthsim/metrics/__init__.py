"""KPIs of runs and run sets (:mod:`~growthsim.metrics.kpis`); everything it lists in its
``__all__`` is importable from here."""

from growthsim.metrics import kpis
from growthsim.metrics.kpis import *  # noqa: F403

__all__ = ["kpis", *kpis.__all__]
