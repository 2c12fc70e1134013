"""Containers for simulation output.

``RunResult`` is what one replicate of one plan produces; ``RunSet`` stacks many.
Column conventions of ``RunResult.timeseries`` (one row per simulated day):

- ``day``: 0 .. horizon_days-1
- ``members``: people in the community at the end of the day (active status + dormant)
- ``active``: members active that day (DAU)
- ``dormant``: members silent longer than ``members.churn.silent_days``
- ``churned``: cumulative members who left
- ``new_members``: joins that day, all sources; ``new_<source>`` per source, where source is
  ``organic``, ``referral``, ``replay`` or a channel name from the scenario
- ``invites_sent``, ``invites_accepted``: referral invitations that day
- ``paying``: members (incl. dormant) who ever bought, at the end of the day
- ``first_purchases``, ``purchases`` (first + repeat orders), ``revenue``, ``gross_margin``
- ``cost``: all money spent that day; ``cost_<category>`` per ledger category, where
  category is ``staff``, ``tools``, ``kol:<name>``, ``campaign:<name>``, ``channel:<name>``
- ``groups``, ``managed_groups``, ``vip_members``, ``recalled``
- ``budget_blocked``: 1 on days when discretionary spending was refused by the budget
- group life (``docs/model.md``, "Group life"): ``health_red``, ``health_yellow``,
  ``health_blue`` (groups at each warning level), ``groups_rated``; ``muted`` (members who
  muted their group over promotions and ads), ``ads_posted``, ``ads_caught``,
  ``removed_for_ads``, ``member_run_groups`` (at the end of the day), ``subgroups_opened``,
  ``offline_attendees``; offline events' orders are included in the order columns
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.scenario.schema import Scenario


@dataclass
class RunResult:
    """Output of one replicate of one plan.

    Attributes:
        scenario: the fully resolved scenario that was run.
        seed: the run's base seed (``growthsim run --seed SEED`` reproduces it).
        replicate: replicate index under that seed (child ``SeedSequence(seed).spawn``).
        timeseries: one row per day, columns as in the module docstring.
        scalars: end-of-run figures that need member-level data: ``activity_top20_share``,
            ``activity_top1_share``, ``retention_d1``, ``retention_d7``, ``retention_d30``,
            ``budget_exhausted_day`` (NaN when never), ``viral_cycle_days``,
            ``inviting_members``, ``vip_members_ever``, ``promoted_admins``.
        cohorts: columns ``join_week, week, size, retained`` — for each join-week cohort
            (week 0 = days 0..6), ``retained`` members still in the community
            ``week`` weeks after the cohort's week started.
        ledger: columns ``day, category, amount`` — every payment, in the scenario's currency.
        group_health: per-group snapshots (``CommunityModel.group_health()``: ``day, group,
            size, active, activity_rate, member_run, level``), weekly, on the last day of
            each checkpoint and on the horizon's last day.
    """

    scenario: "Scenario"
    seed: int
    replicate: int
    timeseries: pd.DataFrame
    scalars: dict[str, float] = field(default_factory=dict)
    cohorts: pd.DataFrame = field(default_factory=pd.DataFrame)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: dict[str, Any] = field(default_factory=dict)
    group_health: pd.DataFrame = field(default_factory=pd.DataFrame)

    @classmethod
    def from_model(cls, model: Any) -> "RunResult":
        """The outputs of a model that has run (a :class:`CommunityModel` or a subclass)."""
        return cls(
            scenario=model.plan,
            seed=model.base_seed,
            replicate=model.replicate,
            timeseries=model.timeseries(),
            scalars=model.scalars(),
            cohorts=model.cohorts(),
            ledger=model.ledger.frame(),
            group_health=model.group_health() if hasattr(model, "group_health") else pd.DataFrame(),
        )


@dataclass
class RunSet:
    """Many replicates of one or more plans, stacked as tidy frames.

    Every frame carries ``variant`` (the plan's label: ``base``, a variant name, or for
    ``compare`` a ``file:variant`` label) and ``replicate``; ``timeseries`` and ``scalars``
    also carry ``seed``. Replicate ``r`` of every plan uses the same random numbers
    (common random numbers), so paired differences between plans are due to the plan.

    Attributes:
        plans: label -> resolved Scenario, in display order.
        timeseries: RunResult.timeseries rows plus ``variant, replicate, seed``.
        scalars: one row per (variant, replicate): ``variant, replicate, seed`` + scalars.
        cohorts: RunResult.cohorts rows plus ``variant, replicate``.
        ledger: RunResult.ledger rows plus ``variant, replicate``.
        group_health: RunResult.group_health rows plus ``variant, replicate`` (empty for a
            run set read back from a run folder: ``group_health.csv`` holds the checkpoint
            snapshots for people, not for reading back).
    """

    plans: dict[str, "Scenario"]
    timeseries: pd.DataFrame
    scalars: pd.DataFrame
    cohorts: pd.DataFrame
    ledger: pd.DataFrame
    group_health: pd.DataFrame = field(default_factory=pd.DataFrame)

    def computed_once[T](self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` the first time, then the value kept on this RunSet under ``key``
        (figures derived from the runs, e.g. the verdict and the target results)."""
        if key not in self.__dict__:
            self.__dict__[key] = compute()
        return self.__dict__[key]

    @classmethod
    def from_results(cls, plans: dict[str, "Scenario"], results: dict[str, list[RunResult]]) -> "RunSet":
        runs = [(label, r) for label, rs in results.items() for r in rs]
        timeseries = _stacked([(label, r, r.timeseries) for label, r in runs], with_seed=True)
        if timeseries is None:
            return cls._from_results_frames(plans, results)
        cohorts = _stacked([(label, r, r.cohorts) for label, r in runs if len(r.cohorts)])
        ledger = _stacked([(label, r, r.ledger) for label, r in runs if len(r.ledger)])
        group_health = _stacked([(label, r, r.group_health) for label, r in runs if len(r.group_health)])
        if cohorts is None or ledger is None or group_health is None:
            return cls._from_results_frames(plans, results)
        if len(timeseries):
            timeseries = timeseries.fillna(0)
        scalars = pd.DataFrame(
            [{"variant": label, "replicate": r.replicate, "seed": r.seed, **r.scalars} for label, r in runs]
        )
        return cls(
            plans=dict(plans),
            timeseries=timeseries,
            scalars=scalars,
            cohorts=cohorts,
            ledger=ledger,
            group_health=group_health,
        )

    @classmethod
    def _from_results_frames(cls, plans: dict[str, "Scenario"], results: dict[str, list[RunResult]]) -> "RunSet":
        """:meth:`from_results` one frame at a time (runs whose frames differ in columns)."""
        ts, sc, co, le, gh = [], [], [], [], []
        for label, runs in results.items():
            for r in runs:
                keys = {"variant": label, "replicate": r.replicate}
                t = r.timeseries.copy()
                t.insert(0, "seed", r.seed)
                t.insert(0, "replicate", r.replicate)
                t.insert(0, "variant", label)
                ts.append(t)
                sc.append({**keys, "seed": r.seed, **r.scalars})
                if len(r.cohorts):
                    c = r.cohorts.copy()
                    c.insert(0, "replicate", r.replicate)
                    c.insert(0, "variant", label)
                    co.append(c)
                if len(r.ledger):
                    lg = r.ledger.copy()
                    lg.insert(0, "replicate", r.replicate)
                    lg.insert(0, "variant", label)
                    le.append(lg)
                if len(r.group_health):
                    h = r.group_health.copy()
                    h.insert(0, "replicate", r.replicate)
                    h.insert(0, "variant", label)
                    gh.append(h)
        cat = lambda xs: pd.concat(xs, ignore_index=True) if xs else pd.DataFrame()  # noqa: E731
        timeseries = cat(ts)
        if len(timeseries):
            # columns that exist for one plan only (a channel another plan lacks) are zero there
            timeseries = timeseries.fillna(0)
        return cls(
            plans=dict(plans),
            timeseries=timeseries,
            scalars=pd.DataFrame(sc),
            cohorts=cat(co),
            ledger=cat(le),
            group_health=cat(gh),
        )


def _stacked(frames: list[tuple[str, RunResult, pd.DataFrame]], with_seed: bool = False) -> pd.DataFrame | None:
    """The runs' frames one under another, led by ``variant, replicate`` (and ``seed``),
    built column by column as ``pd.concat`` would (columns in order of first appearance;
    a numeric column some frames lack is float there, NaN); None when a frame lacks a
    column that is not numeric (then :meth:`RunSet._from_results_frames` concatenates
    the frames the long way)."""
    if not frames:
        return pd.DataFrame()
    cols = list(dict.fromkeys(c for _, _, f in frames for c in f.columns))
    if {"variant", "replicate", "seed"} & set(cols):
        return None
    lens = [len(f) for _, _, f in frames]
    variant = np.empty(sum(lens), dtype=object)
    at = 0
    for (label, _, _), n in zip(frames, lens):
        variant[at : at + n] = label
        at += n
    data: dict[str, Any] = {
        "variant": variant,
        "replicate": np.repeat(np.asarray([r.replicate for _, r, _ in frames]), lens),
    }
    if with_seed:
        data["seed"] = np.repeat(np.asarray([r.seed for _, r, _ in frames]), lens)
    for c in cols:
        have = [f[c].to_numpy() if c in f.columns else None for _, _, f in frames]
        parts: list[np.ndarray] = [p for p in have if p is not None]
        if len(parts) < len(have):
            if any(p.dtype.kind not in "iuf" for p in parts):
                return None
            parts = [np.full(n, np.nan) if p is None else p.astype(np.float64) for p, n in zip(have, lens)]
        data[c] = np.concatenate(parts)
    return pd.DataFrame(data)
