"""Stage targets, checkpoints and what "the best plan" means: the ``targets:``,
``checkpoints:`` and ``decision:`` sections of a scenario file.

Example::

    targets:
      - {name: 100 groups, kpi: groups, day: 90, at_least: 100}
      - {kpi: conversion_rate, month: 3, at_least: 0.01}
      - {kpi: cost, month: 3, at_most: 15000}
    checkpoints: {every_days: 30}          # or a list of days: [30, 90, 180]
    decision: {objective: hit_all_then_cost, max_monthly_spend: 5000}

Days are counted as *days elapsed*: checkpoint ``day: D`` is the state after ``D``
simulated days (days ``0 .. D-1``), so ``day: 90`` with ``horizon_days: 90`` is the end of
the run, ``month: M`` is ``day: 30 * M``, and with a ``start_date`` a ``date: 2027-03-31``
is the state at the end of that date (``day: (date - start_date).days + 1``). A checkpoint must lie in ``1 .. horizon_days``
(checked by the scenario, which knows the horizon).

KPIs are the names of :data:`growthsim.metrics.kpis.KPIS` (plus the plan-dependent
``joins_<source>``, ``cac_<channel>``, ``cost_<category>``); window KPIs (DAU, active share,
conversion, ...) are computed as of the checkpoint (see :mod:`growthsim.metrics.targets`).
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from growthsim.i18n import _

__all__ = ["Checkpoints", "Decision", "Target", "checkpoint_days", "known_kpi", "DAYS_PER_MONTH"]

DAYS_PER_MONTH = 30
"""A month in targets and checkpoints is 30 days (as in ``budget.monthly_cap``)."""

_KPI_PREFIXES = ("joins_per_day_", "joins_", "cac_", "cost_")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


def known_kpi(name: str) -> bool:
    """True for a KPI the catalogue computes (a fixed name or a plan-dependent pattern)."""
    from growthsim.metrics.kpis import KPIS

    return name in KPIS or any(name.startswith(p) and len(name) > len(p) for p in _KPI_PREFIXES)


class Target(_Strict):
    """One stage target: a KPI at a checkpoint, with a lower and/or an upper bound."""

    name: str | None = Field(None, max_length=200, description="label in tables (default: generated)")
    kpi: str = Field(description="a KPI name of the catalogue (growthsim.metrics.kpis)")
    day: int | None = Field(None, ge=1, description="checkpoint: after this many simulated days")
    month: int | None = Field(None, ge=1, description="checkpoint: after this many 30-day months")
    date: datetime.date | None = Field(
        None,
        description="checkpoint: by the end of this calendar date (needs start_date; resolved to day)",
    )
    at_least: float | None = Field(None, description="the KPI must be >= this")
    at_most: float | None = Field(None, description="the KPI must be <= this")

    @field_validator("kpi")
    @classmethod
    def _kpi_known(cls, name: str) -> str:
        if not known_kpi(name):
            from growthsim.metrics.kpis import KPIS

            raise ValueError(
                _(
                    "unknown KPI {name!r}; expected one of {value} (or joins_<source>, cac_<channel>, cost_<category>)"
                ).format(name=name, value=", ".join(KPIS))
            )
        return name

    @field_validator("at_most")
    @classmethod
    def _bounds_agree(cls, at_most: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("at_least")
        if at_most is not None and low is not None and low > at_most:
            raise ValueError(
                _(
                    "the bounds contradict each other: expected at_most >= at_least ({low:g}), so that some value can hit the target"
                ).format(low=low)
            )
        return at_most

    @model_validator(mode="after")
    def _check(self) -> "Target":
        if (self.day is None) == (self.month is None):
            raise ValueError(_("give the checkpoint as either day or month (one of them)"))
        if self.at_least is None and self.at_most is None:
            raise ValueError(_("give a bound: at_least and/or at_most"))
        return self

    @property
    def checkpoint(self) -> int:
        """The checkpoint in days elapsed."""
        return int(self.day) if self.day is not None else int(self.month) * DAYS_PER_MONTH  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        """``name``, or e.g. ``groups >= 100 by day 90``."""
        if self.name:
            return self.name
        bounds = []
        if self.at_least is not None:
            bounds.append(f">= {self.at_least:g}")
        if self.at_most is not None:
            bounds.append(f"<= {self.at_most:g}")
        if self.date is not None:
            when = self.date.isoformat()
        else:
            when = f"month {self.month}" if self.month is not None else f"day {self.day}"
        return f"{self.kpi} {' and '.join(bounds)} by {when}"

    def shown_label(self) -> str:
        """:attr:`label` in the active language (a given ``name`` stays as it is)."""
        from growthsim.i18n import _, get_language  # noqa: PLC0415
        from growthsim.i18n.terms import kpi_label  # noqa: PLC0415

        if self.name:
            return self.name
        if self.at_least is not None and self.at_most is not None:
            bounds = _(">= {low} and <= {high}").format(low=f"{self.at_least:g}", high=f"{self.at_most:g}")
        elif self.at_least is not None:
            bounds = _(">= {low}").format(low=f"{self.at_least:g}")
        else:
            bounds = _("<= {high}").format(high=f"{self.at_most:g}")
        kpi = kpi_label(self.kpi) if get_language() == "zh" else self.kpi
        if self.month is not None:
            return _("{kpi} {bounds} by month {n}").format(kpi=kpi, bounds=bounds, n=self.month)
        return _("{kpi} {bounds} by day {n}").format(kpi=kpi, bounds=bounds, n=self.day)

    def hit(self, value: float) -> bool:
        """Whether a KPI value meets the bounds (NaN, a KPI that could not be computed,
        is a miss)."""
        if value is None or value != value:
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        if self.at_most is not None and value > self.at_most:
            return False
        return True


class Checkpoints(_Strict):
    """Days at which KPI tables are computed, besides the horizon and the targets' days.

    A list of days (``checkpoints: [30, 90]``) is shorthand for ``{days: [...],
    every_days: 0}``."""

    every_days: int = Field(DAYS_PER_MONTH, ge=0, description="a checkpoint every N days (0 = none)")
    days: list[int] = Field(default_factory=list, description="extra checkpoint days (days elapsed)")

    @model_validator(mode="before")
    @classmethod
    def _list_shorthand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"days": data, "every_days": 0}
        return data

    @field_validator("days")
    @classmethod
    def _positive(cls, days: list[int]) -> list[int]:
        for d in days:
            if d < 1:
                raise ValueError(_("checkpoint days count days elapsed and start at 1, found {d}").format(d=d))
        return days


def checkpoint_days(horizon_days: int, checkpoints: Checkpoints, targets: list[Target]) -> list[int]:
    """Sorted checkpoint days: every ``every_days`` up to the horizon, the listed days,
    the targets' days and the horizon itself."""
    days = set(d for d in checkpoints.days if d <= horizon_days)
    if checkpoints.every_days:
        days.update(range(checkpoints.every_days, horizon_days + 1, checkpoints.every_days))
    days.update(t.checkpoint for t in targets if t.checkpoint <= horizon_days)
    days.add(int(horizon_days))
    return sorted(days)


OBJECTIVES = ("hit_all_then_cost", "profit")


class Decision(_Strict):
    """What "the best plan" means when plans are ranked (``run``, ``compare``, report).

    - ``hit_all_then_cost``: the highest chance of hitting all targets; among plans whose
      chances are within ``tie_tolerance`` of the best, the lowest monthly spend.
      Without targets this falls back to ``profit``.
    - ``profit``: the highest median profit over the horizon.

    Either way, a plan whose median monthly spend exceeds ``max_monthly_spend`` (when set)
    is ranked after every plan within the limit."""

    objective: Literal["hit_all_then_cost", "profit"] = "hit_all_then_cost"
    max_monthly_spend: float | None = Field(None, ge=0, description="money per 30-day month")
    tie_tolerance: float = Field(
        0.05, ge=0, le=1, description="chances of hitting all targets this close count as a tie"
    )
