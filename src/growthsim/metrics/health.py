"""Group health: per-group size and activity over time and warning levels
(``docs/model.md``, "Group health"), computed during the run, and their KPIs.

Each day, for every group ``g`` with at least ``group_health.min_size`` members (size
taken in the morning), with ``W = window_days``:

- activity rate ``r_g = active member-days / (W * size)`` over the last ``W`` days, and
  ``r'_g`` over the ``W`` days before; ``drop = 1 - r_g / r'_g`` (0 when ``r'_g = 0`` or the
  group is younger than ``2 W`` days);
- ads a week ``a_g`` (members' ads over the last ``W`` days, times ``7 / W``);
- **red** when ``drop >= red_drop`` or ``a_g >= red_ads_per_week``; else **yellow** when
  ``drop >= yellow_drop`` or ``a_g >= yellow_ads_per_week``; else **blue** when the group
  had no staff attention for ``unmanaged_days`` days in a row.

Series columns (per day): ``health_red``, ``health_yellow``, ``health_blue`` (groups at
each level), ``groups_rated``. Per-group snapshots every ``SNAPSHOT_EVERY`` days, on the
last day of the plan's checkpoints and on the horizon's last day (day, group, size, active
member-days and activity rate over the window, whether a member admin runs the group,
level) are kept by the model (``CommunityModel.group_health()``) and written to run
folders at the checkpoints (``group_health.csv``, :mod:`growthsim.report.health`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthsim.kernels.state import C_ACTIVE
from growthsim.scenario.targets import checkpoint_days
from growthsim.vocab import SERIES_HEALTH

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel

OK, BLUE, YELLOW, RED = 0, 1, 2, 3
LEVEL_NAMES = {OK: "ok", BLUE: "blue", YELLOW: "yellow", RED: "red"}
SNAPSHOT_EVERY = 7
SERIES = SERIES_HEALTH


class GroupHealth:
    """One model's group-health tracker."""

    def __init__(self, model: "CommunityModel") -> None:
        self.model = model
        self.spec = model.plan.group_health
        cap = model.g_cap
        W = self.spec.window_days
        self.act = np.zeros((2 * W, cap), dtype=np.int64)  # ring: active members per group per day
        self.size = np.zeros((2 * W, cap), dtype=np.int64)  # ring: morning sizes per group per day
        self.opened = np.full(cap, -1, dtype=np.int64)  # first day a group was seen
        self.unmanaged = np.zeros(cap, dtype=np.int64)  # days in a row without attention
        self.level = np.zeros(cap, dtype=np.int8)
        # sums over the last window (cur) and the window before (prev), kept rolling
        self.a_cur = np.zeros(cap, dtype=np.int64)
        self.s_cur = np.zeros(cap, dtype=np.int64)
        self.a_prev = np.zeros(cap, dtype=np.int64)
        self.s_prev = np.zeros(cap, dtype=np.int64)
        # day, sizes, active member-days, activity rates, member-run, levels
        self.snapshots: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        # the last day (0-based) of each checkpoint: checkpoint D is the state after D days
        plan = model.plan
        self.snap_days = {d - 1 for d in checkpoint_days(plan.horizon_days, plan.checkpoints, plan.targets)}
        # True once a HealthBatch keeps these arrays (stacked over a batch's replicates) and
        # runs after_activity for the batch
        self.batched = False

    def morning(self, G: int) -> None:
        """After today's levels: sizes (rolling window sums), managed streaks."""
        m = self.model
        day = m.day
        W2 = self.act.shape[0]
        slot, mid = day % W2, (day - W2 // 2) % W2  # rows of day - 2W (leaving) and day - W
        new = self.opened[:G] < 0
        self.opened[:G][new] = day
        size = m.g_size[:G]
        self.s_prev[:G] += self.size[mid, :G] - self.size[slot, :G]
        self.s_cur[:G] += size - self.size[mid, :G]
        self.size[slot, :G] = size
        man = m.g_managed[:G] == 1
        self.unmanaged[:G] = np.where(man, 0, self.unmanaged[:G] + 1)

    def after_activity(
        self, active: np.ndarray, G: int, ads_window: np.ndarray, ad_window_days: int
    ) -> dict[str, float]:
        """Today's activity per group and the warning levels; returns today's counts."""
        m, s = self.model, self.spec
        day = m.day
        W2 = self.act.shape[0]
        slot, mid = day % W2, (day - W2 // 2) % W2
        today = np.bincount(m.pop.group[active], minlength=G)[:G] if len(active) else np.zeros(G, dtype=np.int64)
        self.a_prev[:G] += self.act[mid, :G] - self.act[slot, :G]
        self.a_cur[:G] += today - self.act[mid, :G]
        self.act[slot, :G] = today
        a_cur, s_cur, a_prev, s_prev = self.a_cur[:G], self.s_cur[:G], self.a_prev[:G], self.s_prev[:G]
        r_cur = np.divide(a_cur, s_cur, out=np.zeros(G), where=s_cur > 0)
        r_prev = np.divide(a_prev, s_prev, out=np.zeros(G), where=s_prev > 0)
        old = (day - self.opened[:G]) >= W2 - 1
        drop = np.where(old & (r_prev > 0), 1.0 - r_cur / np.where(r_prev > 0, r_prev, 1.0), 0.0)
        ads_week = ads_window[:G] * (7.0 / ad_window_days)
        rated = m.g_size[:G] >= s.min_size
        lv = np.zeros(G, dtype=np.int8)
        lv[self.unmanaged[:G] >= s.unmanaged_days] = BLUE
        lv[(drop >= s.yellow_drop) | (ads_week >= s.yellow_ads_per_week)] = YELLOW
        lv[(drop >= s.red_drop) | (ads_week >= s.red_ads_per_week)] = RED
        lv[~rated] = OK
        self.level[:G] = lv
        if day % SNAPSHOT_EVERY == SNAPSHOT_EVERY - 1 or day == m.horizon - 1 or day in self.snap_days:
            run_by_member = m.life.selforg.admin[:G] >= 0
            self.snapshots.append((day, m.g_size[:G].copy(), a_cur.copy(), r_cur.copy(), run_by_member, lv.copy()))
        return {
            "health_red": float((lv == RED).sum()),
            "health_yellow": float((lv == YELLOW).sum()),
            "health_blue": float((lv == BLUE).sum()),
            "groups_rated": float(rated.sum()),
        }

    def frame(self) -> pd.DataFrame:
        """The per-group snapshots: day (0-based, the snapshot is taken after the day's
        activity), group, size, active (member-days over the last window), activity_rate
        (active member-days / member-days over the window), member_run (a member admin
        runs the group), level (ok / blue / yellow / red)."""
        snaps = self.snapshots

        def cat(xs: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
            return np.concatenate(xs).astype(dtype) if xs else np.zeros(0, dtype=dtype)

        df = pd.DataFrame(
            {
                "day": cat([np.full(len(z), d, dtype=np.int64) for d, z, *_ in snaps]),
                "group": cat([np.arange(len(z), dtype=np.int64) for _, z, *_ in snaps]),
                "size": cat([s[1] for s in snaps]),
                "active": cat([s[2] for s in snaps]),
                "activity_rate": cat([s[3] for s in snaps], np.float64),
                "member_run": cat([s[4] for s in snaps], np.bool_),
                "level": cat([s[5] for s in snaps]),
            }
        )
        df["level"] = pd.Categorical.from_codes(df["level"].astype(np.int64), list(LEVEL_NAMES.values()))
        return df


class HealthBatch:
    """The group-health trackers of a batch's models (one plan, so one spec, window and
    group capacity), their arrays stacked over the replicates (each tracker keeps views of
    its row): :meth:`after_activity` is the trackers' ``after_activity`` for the whole
    batch in one kernel call, the same numbers to the last bit. Groups at or
    past a replicate's ``G`` (its number of groups, at least 1) are left as they are, as
    the one-tracker version leaves them."""

    FIELDS = ("act", "size", "opened", "unmanaged", "level", "a_cur", "s_cur", "a_prev", "s_prev")
    act: np.ndarray  # (replicates, 2 W, groups) and the others (replicates, groups), set in __init__
    size: np.ndarray
    opened: np.ndarray
    unmanaged: np.ndarray
    level: np.ndarray
    a_cur: np.ndarray
    s_cur: np.ndarray
    a_prev: np.ndarray
    s_prev: np.ndarray

    def __init__(self, trackers: list[GroupHealth]) -> None:
        self.trackers = trackers
        for f in self.FIELDS:
            stacked = np.stack([getattr(t, f) for t in trackers])
            setattr(self, f, stacked)
            for r, t in enumerate(trackers):
                setattr(t, f, stacked[r])
        for t in trackers:
            t.batched = True
        self.cols = np.arange(stacked.shape[-1])
        self._r_cur: np.ndarray | None = None  # after_activity's outputs (first call)
        self._counts = np.zeros((0, 4), dtype=np.int64)
        self._limits = np.zeros(6)
        # the ads over the window per group (model.moderation, updated in place), stacked too
        mods = [t.model.life.moderation for t in trackers]
        self.ads_window = np.stack([mo.ads_window for mo in mods])
        for r, mo in enumerate(mods):
            mo.ads_window = self.ads_window[r]

    def after_activity(self, st: Any) -> np.ndarray:
        """The trackers' ``after_activity`` for the batch of day state ``st``
        (:class:`growthsim.model.community.DayState`) in one kernel call
        (:func:`growthsim.kernels.groups.health`), reading today's active members from the
        batch's work lists: the same numbers to the last bit; returns each replicate's
        counts as a ``(replicates x 4)`` table, columns ``vocab.SERIES_HEALTH`` (red,
        yellow, blue, rated; the table is reused the next day)."""
        ts = self.trackers
        models = [t.model for t in ts]
        s, day = ts[0].spec, models[0].day
        R, cap = len(ts), len(self.cols)
        if self._r_cur is None:
            self._r_cur = np.zeros((R, cap))
            self._counts = np.zeros((R, 4), dtype=np.int64)
            self._limits = np.array(
                [s.min_size, s.unmanaged_days, s.yellow_drop, s.yellow_ads_per_week, s.red_drop, s.red_ads_per_week],
                dtype=np.float64,
            )
        r_cur, counts = self._r_cur, self._counts
        st.kern_groups.health(
            st.work.active,
            np.ascontiguousarray(st.counts[:, C_ACTIVE]),
            st.mem.group,
            st.n,
            st.grp.size,
            st.grp.count,
            cap,
            day,
            self.act,
            self.opened,
            self.unmanaged,
            self.level,
            self.a_cur,
            self.s_cur,
            self.a_prev,
            self.s_prev,
            self.ads_window,
            7.0 / models[0].life.moderation.W,
            self._limits,
            r_cur,
            counts,
        )
        for r, (t, m) in enumerate(zip(ts, models)):
            if day % SNAPSHOT_EVERY == SNAPSHOT_EVERY - 1 or day == m.horizon - 1 or day in t.snap_days:
                g = max(m.n_groups, 1)
                run_by_member = m.life.selforg.admin[:g] >= 0
                snap = (
                    day,
                    m.g_size[:g].copy(),
                    self.a_cur[r, :g].copy(),
                    r_cur[r, :g].copy(),
                    run_by_member,
                    self.level[r, :g].copy(),
                )
                t.snapshots.append(snap)
        return counts


def health_kpis(ts: pd.DataFrame) -> dict[str, float]:
    """Group-health and group-life KPIs of one replicate's time series (NaN when the run
    did not record the columns)."""
    nan = float("nan")
    out: dict[str, float] = {}

    def col(name: str) -> np.ndarray | None:
        return ts[name].to_numpy(dtype=float) if name in ts.columns else None

    rated = col("groups_rated")
    for lvl in ("red", "yellow", "blue"):
        c = col(f"health_{lvl}")
        out[f"health_{lvl}"] = float(c[-1]) if c is not None and len(c) else nan
        if c is not None and rated is not None and rated.sum() > 0:
            out[f"health_{lvl}_share"] = float(c.sum() / rated.sum())
        else:
            out[f"health_{lvl}_share"] = nan
    for name in ("muted", "ads_posted", "ads_caught", "offline_attendees", "removed_for_ads"):
        c = col(name)
        out[name] = float(c.sum()) if c is not None else nan
    c = col("member_run_groups")
    out["member_run_groups"] = float(c[-1]) if c is not None and len(c) else nan
    return out


def kpi_rows() -> list[tuple[str, str, str, int, str]]:
    """(name, label, unit, direction, description) of the KPIs of :func:`health_kpis`."""
    return [
        ("health_red", "Groups at red", "groups", -1, "groups at a red warning on the last day"),
        ("health_yellow", "Groups at yellow", "groups", -1, "groups at a yellow warning on the last day"),
        ("health_blue", "Groups at blue", "groups", -1, "groups at a blue (unmanaged) warning on the last day"),
        ("health_red_share", "Red group-days", "share", -1, "red group-days / rated group-days"),
        ("health_yellow_share", "Yellow group-days", "share", -1, "yellow group-days / rated group-days"),
        ("health_blue_share", "Blue group-days", "share", -1, "blue group-days / rated group-days"),
        ("muted", "Muted by fatigue", "people", -1, "members who muted their group over promotions and ads"),
        ("ads_posted", "Ads posted", "ads", -1, "ads members posted in groups"),
        ("ads_caught", "Ads caught", "ads", 0, "ads the group rules caught"),
        ("removed_for_ads", "Removed for ads", "people", 0, "ad posters removed by the group rules"),
        ("offline_attendees", "Offline attendees", "people", +1, "seats taken at offline events"),
        ("member_run_groups", "Member-run groups", "groups", +1, "groups run by a member admin at the end"),
    ]


def summary(model: "CommunityModel") -> dict[str, Any]:
    """End-of-run group-life scalars of a model."""
    life = model.life
    return {
        "member_run_groups": float((life.selforg.admin[: model.n_groups] >= 0).sum()),
        "subgroups_opened": float(life.selforg.spawned),
        "member_admins_appointed": float(life.selforg.admins_appointed),
        "ad_posters_removed": float(life.moderation.totals["removed"]),
    }
