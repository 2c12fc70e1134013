"""Key performance indicators (AARRR + economics) of simulated runs.

One replicate of one plan gives one number per KPI (:func:`replicate_kpis`); a
:class:`~growthsim.results.RunSet` gives a tidy table of them (:func:`kpi_table`), which
:func:`summarise` turns into mean and P10 / P50 / P90 per plan, and
:func:`paired_differences` into plan-vs-plan differences under common random numbers.

Definitions (all money in the plan's ``economics.currency``; "horizon" = the simulated
days ``0 .. horizon_days-1``):

Acquisition
    ``members_ever`` = everyone who was ever in (engine scalar ``members_ever``; else members
    at the end + members who left).
    ``new_members`` = joins during the horizon (all sources; the day-0 seed members are not
    joins). ``joins_<source>`` / ``joins_per_day_<source>`` per source (``organic``,
    ``referral``, ``replay`` or a channel name).
    ``cac`` = discretionary acquisition spend (paid channels + campaigns + KOL posts) /
    new members (all sources). ``cac_all_in`` = all cost (incl. staff, tools) / new members.
    ``cac_<channel>`` = that channel's spend / members who joined through it.
Activity
    ``dau`` = mean daily active members over the last 7 days of the horizon;
    ``wau`` / ``mau`` = distinct members active in the last 7 / 30 days, at the horizon end
    (timeseries columns ``wau`` / ``mau``; NaN when the run did not record them);
    ``dau_mau`` = ``dau / mau`` (stickiness); ``active_share`` = ``dau`` / members at the end;
    ``top20_share`` / ``top1_share``: share of all activity produced by the most active
    20% / 1% of members.
    ``core_share`` = members in the core or KOC tier / members at the end (tiers: see
    ``docs/model.md``); ``core_members`` (core + KOC), ``koc_members``,
    ``active_tier_members`` at the end.
Retention
    Two kinds, not to be confused. *Membership* retention counts members still in the
    community, active or silent: ``retention_d1/d7/d30``: share of members who joined at
    least k days before the horizon end and were still in the community k days after
    joining (engine scalars; when the run lacks them, D7 / D30 fall back to the cohort
    week-1 / week-4 figures). *Activity* retention counts members active:
    ``activity_retention_d1/d7/d30``: share of members who joined at least k days before
    the horizon end and were active on day k after joining (leavers count as inactive);
    ``activity_retention_w1 .. w9``: active at least once in days 7k-6 .. 7k after joining.
    ``retention_w1`` / ``retention_w4``: pooled cohort retention, sum of ``retained`` at week
    k over the sum of ``size`` of the join-week cohorts observed k weeks later.
    ``churn_rate_daily`` = members who left / member-days (a daily hazard);
    ``churn_rate_30d`` = ``1 - (1 - churn_rate_daily)**30``.
    ``dormant_share`` = dormant / members at the end; ``recalled`` = dormant members won
    back by staff or campaigns during the horizon (sum of the daily ``recalled`` counts);
    ``woken`` = dormant members who became active again by themselves (daily ``woken``).
Referral
    ``invites_sent``, ``invites_accepted``, ``invite_accept_rate`` = accepted / sent.
    ``viral_k`` = accepted invites per inviting member per viral cycle
    = ``invites_accepted / inviting_members * viral_cycle_days / horizon_days``: the members
    one inviting member brings in during one cycle (one invitation round trip).
    ``referrals_per_member`` = accepted invites / members ever.
    ``viral_cycle_days``: mean days from a member's joining to their first accepted invite.
Revenue
    ``paying`` = members who ever bought, at the end; ``conversion_rate`` = members who ever
    bought (engine scalar ``payers_ever``, else ``paying``) / members ever; ``repurchase_rate`` = repeat orders / all orders; ``orders_per_payer``.
    ``revenue``, ``gross_margin`` = horizon totals.
    ``ltv_realised`` = gross margin / members ever (within the horizon).
    ``ltv_projected`` = (gross margin + members at the end x margin per member-day over the
    last 30 days x expected remaining lifetime) / members ever, where the expected remaining
    lifetime is ``1 / churn_rate_daily`` days, capped at 3650 days (a constant-hazard
    projection: today's margin rate and churn continue).
    ``vip_members`` at the end; ``vip_members_ever``.
Economics
    ``cost`` = all money spent; ``cost_<category>`` per ledger category (``staff``,
    ``tools``, ``kol:<name>``, ``campaign:<name>``, ``channel:<name>``).
    ``profit`` = gross margin - cost; ``roi`` = (gross margin - cost) / cost.
    ``payback_day`` = first day on which cumulative gross margin >= cumulative cost (> 0);
    NaN when that never happens within the horizon ("not within horizon" in reports);
    ``paid_back`` = 1 if it did, else 0 (its mean is the share of futures that pay back).
    ``cost_per_paying`` = cost / paying members. ``budget_exhausted_day`` (NaN = never).
Group life (:func:`growthsim.metrics.health.health_kpis`)
    ``health_red`` / ``health_yellow`` / ``health_blue`` = groups at each warning level on
    the last day; ``health_<level>_share`` = group-days at that level / rated group-days;
    ``muted`` (members who muted over promotions and ads), ``ads_posted``, ``ads_caught``,
    ``removed_for_ads``, ``offline_attendees`` = horizon totals; ``member_run_groups`` at
    the end.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from growthsim.metrics.health import health_kpis
from growthsim.metrics.health import kpi_rows as _health_kpi_rows

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet
    from growthsim.scenario.schema import Scenario

__all__ = [
    "KPI",
    "KPIS",
    "KPI_DIRECTIONS",
    "KPI_DESCRIPTIONS",
    "HEADLINE_KPIS",
    "cohort_retention",
    "daily_costs",
    "kpi_direction",
    "kpi_info",
    "kpi_table",
    "paired_differences",
    "replicate_kpis",
    "summarise",
    "variant_kpis",
]

LTV_LIFETIME_CAP_DAYS = 3650.0
"""Cap on the projected remaining lifetime (days) used by ``ltv_projected``."""


@dataclass(frozen=True)
class KPI:
    """Description of one KPI.

    Attributes:
        name: column name in KPI tables.
        label: short human label.
        unit: ``"people"``, ``"money"``, ``"share"`` (0..1), ``"day"``, ``"ratio"``, ...
        direction: +1 higher is better, -1 lower is better, 0 neither.
        description: one sentence saying how it is computed.
    """

    name: str
    label: str
    unit: str
    direction: int
    description: str


_K = KPI
KPIS: dict[str, KPI] = {
    k.name: k
    for k in [
        # acquisition
        _K("members_final", "Members (end)", "people", +1, "members in the community on the last day"),
        _K("members_ever", "Members ever", "people", +1, "members at the end + members who left"),
        _K("new_members", "New members", "people", +1, "joins during the horizon, all sources"),
        _K("new_members_per_day", "New members / day", "people/day", +1, "joins per day, all sources"),
        _K("cac", "CAC (acquisition)", "money", -1, "paid channel + campaign + KOL spend / new members"),
        _K("cac_all_in", "CAC (all-in)", "money", -1, "all cost incl. staff and tools / new members"),
        # activity
        _K("dau", "DAU", "people", +1, "mean daily active members over the last 7 days"),
        _K("wau", "WAU", "people", +1, "distinct members active in the last 7 days, at the end"),
        _K("mau", "MAU", "people", +1, "distinct members active in the last 30 days, at the end"),
        _K("dau_mau", "DAU/MAU", "share", +1, "DAU / MAU (stickiness)"),
        _K("active_share", "Active share", "share", +1, "DAU / members at the end"),
        _K(
            "top20_share",
            "Activity of top 20%",
            "share",
            0,
            "share of all activity produced by the most active 20% of members",
        ),
        _K(
            "top1_share",
            "Activity of top 1%",
            "share",
            0,
            "share of all activity produced by the most active 1% of members",
        ),
        _K("core_share", "Core share", "share", +1, "core members and KOCs / members at the end"),
        _K("core_members", "Core members", "people", +1, "members in the core or KOC tier at the end"),
        _K("koc_members", "KOCs", "people", +1, "key opinion consumers (core members who refer and buy) at the end"),
        _K("active_tier_members", "Active-tier members", "people", +1, "members in the active tier at the end"),
        # retention
        _K(
            "retention_d1",
            "Membership retention D1",
            "share",
            +1,
            "share still in the community (active or silent) 1 day after joining",
        ),
        _K(
            "retention_d7",
            "Membership retention D7",
            "share",
            +1,
            "share still in the community (active or silent) 7 days after joining",
        ),
        _K(
            "retention_d30",
            "Membership retention D30",
            "share",
            +1,
            "share still in the community (active or silent) 30 days after joining",
        ),
        _K(
            "activity_retention_d1",
            "Activity retention D1",
            "share",
            +1,
            "share of members active on day 1 after joining",
        ),
        _K(
            "activity_retention_d7",
            "Activity retention D7",
            "share",
            +1,
            "share of members active on day 7 after joining",
        ),
        _K(
            "activity_retention_d30",
            "Activity retention D30",
            "share",
            +1,
            "share of members active on day 30 after joining",
        ),
        *(
            _K(
                f"activity_retention_w{k}",
                f"Activity retention week {k}",
                "share",
                +1,
                f"share of members active at least once in week {k} after joining (days {7 * k - 6}-{7 * k})",
            )
            for k in range(1, 10)
        ),
        _K(
            "retention_w1",
            "Cohort retention week 1",
            "share",
            +1,
            "pooled join-week cohort retention one week after the cohort's week started",
        ),
        _K(
            "retention_w4",
            "Cohort retention week 4",
            "share",
            +1,
            "pooled join-week cohort retention four weeks after the cohort's week started",
        ),
        _K("churn_rate_daily", "Churn / day", "share", -1, "members who left / member-days"),
        _K("churn_rate_30d", "Churn / 30 days", "share", -1, "1 - (1 - daily churn)^30"),
        _K("churned", "Members who left", "people", -1, "members who left during the horizon"),
        _K("dormant_share", "Dormant share", "share", -1, "dormant / members at the end"),
        _K("recalled", "Recalled", "people", +1, "dormant members won back by staff or campaigns"),
        _K(
            "woken", "Came back by themselves", "people", +1, "dormant members who became active again without a recall"
        ),
        # referral
        _K("invites_sent", "Invites sent", "invites", +1, "referral invitations sent"),
        _K("invites_accepted", "Invites accepted", "people", +1, "invitations accepted (joins)"),
        _K("invite_accept_rate", "Invite acceptance", "share", +1, "accepted / sent invitations"),
        _K("viral_k", "Viral K", "people", +1, "accepted invites per inviting member per viral cycle"),
        _K("referrals_per_member", "Referrals / member", "people", +1, "accepted invites / members ever"),
        _K("viral_cycle_days", "Viral cycle", "days", -1, "mean days from joining to a first accepted invite"),
        # revenue
        _K("paying", "Paying members", "people", +1, "members who ever bought, at the end"),
        _K("conversion_rate", "Conversion", "share", +1, "paying / members ever"),
        _K("repurchase_rate", "Repurchase share", "share", +1, "repeat orders / all orders"),
        _K("orders_per_payer", "Orders / payer", "orders", +1, "orders / paying members"),
        _K("orders", "Orders", "orders", +1, "first + repeat orders"),
        _K("revenue", "Revenue", "money", +1, "revenue during the horizon"),
        _K("gross_margin", "Gross margin", "money", +1, "revenue x margin during the horizon"),
        _K("ltv_realised", "LTV (realised)", "money", +1, "gross margin / members ever"),
        _K(
            "ltv_projected",
            "LTV (projected)",
            "money",
            +1,
            "realised margin + current members' margin rate x expected remaining lifetime, per member ever",
        ),
        _K("vip_members", "VIP members", "people", +1, "members in VIP groups at the end"),
        _K("vip_members_ever", "VIP members ever", "people", +1, "members ever promoted to VIP"),
        _K("groups", "Groups", "groups", 0, "groups at the end"),
        # economics
        _K("cost", "Cost", "money", -1, "all money spent during the horizon"),
        _K("profit", "Profit", "money", +1, "gross margin - cost"),
        _K("roi", "ROI", "ratio", +1, "(gross margin - cost) / cost"),
        _K(
            "payback_day",
            "Payback day",
            "day",
            -1,
            "first day cumulative gross margin >= cumulative cost; blank = not within horizon",
        ),
        _K("paid_back", "Pays back", "share", +1, "1 if the plan pays back within the horizon"),
        _K("cost_per_paying", "Cost / paying member", "money", -1, "cost / paying members"),
        _K(
            "budget_exhausted_day",
            "Budget exhausted",
            "day",
            0,
            "first day discretionary spending was refused (blank = never)",
        ),
    ]
}

# group life (metrics.health): warning levels, fatigue, ads, offline events, member-run groups
KPIS.update({k[0]: _K(*k) for k in _health_kpi_rows()})

HEADLINE_KPIS: tuple[str, ...] = (
    "members_final",
    "dau",
    "active_share",
    "retention_d30",
    "activity_retention_d7",
    "core_share",
    "paying",
    "conversion_rate",
    "revenue",
    "gross_margin",
    "cost",
    "profit",
    "roi",
    "payback_day",
    "cac",
    "ltv_realised",
    "viral_k",
)
"""KPIs shown first in reports and printed by ``growthsim compare``."""

# Patterns for KPIs whose names depend on the plan (a channel, a ledger category).
_PATTERNS: tuple[tuple[str, str, str, int, str], ...] = (
    ("joins_per_day_", "Joins / day via ", "people/day", +1, "joins per day through this source"),
    ("joins_", "Joins via ", "people", +1, "joins during the horizon through this source"),
    ("cac_", "CAC ", "money", -1, "spend on this channel / members who joined through it"),
    ("cost_", "Cost ", "money", -1, "money spent in this ledger category"),
)

#: higher-is-better (+1), lower-is-better (-1) or neutral (0), per fixed KPI name.
KPI_DIRECTIONS: dict[str, int] = {k: v.direction for k, v in KPIS.items()}
#: one-sentence definition per fixed KPI name.
KPI_DESCRIPTIONS: dict[str, str] = {k: v.description for k, v in KPIS.items()}

# KPIs for which NaN means "never happened", the worst outcome when comparing plans.
_NAN_IS_WORST = {"payback_day"}


def kpi_info(name: str) -> KPI:
    """The :class:`KPI` description of ``name``, including plan-dependent names such as
    ``joins_referral``, ``cac_ads`` or ``cost_campaign:invite``."""
    if name in KPIS:
        return KPIS[name]
    for prefix, label, unit, direction, desc in _PATTERNS:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            return KPI(name, label + rest, unit, direction, desc)
    return KPI(name, name, "", 0, "")


def kpi_direction(name: str) -> int:
    """+1 if a higher value of KPI ``name`` is better, -1 if lower is better, 0 if neither."""
    return kpi_info(name).direction


# --------------------------------------------------------------------------- helpers


def _ratio(num: float, den: float) -> float:
    """num / den, NaN when the denominator is zero or not finite."""
    if den is None or not np.isfinite(den) or den == 0 or num is None or not np.isfinite(num):
        return float("nan")
    return float(num) / float(den)


def _col(ts: pd.DataFrame, name: str) -> np.ndarray:
    """A timeseries column as float array (zeros when absent)."""
    if name in ts.columns:
        return ts[name].to_numpy(dtype=float)
    return np.zeros(len(ts))


def _last(ts: pd.DataFrame, name: str, default: float = float("nan")) -> float:
    if name not in ts.columns or len(ts) == 0:
        return default
    return float(ts[name].iloc[-1])


def _scalar(scalars: dict[str, Any] | None, name: str) -> float:
    if not scalars or name not in scalars or scalars[name] is None:
        return float("nan")
    try:
        return float(scalars[name])
    except (TypeError, ValueError):
        return float("nan")


def source_columns(ts: pd.DataFrame) -> list[str]:
    """Join sources present in a timeseries (``new_<source>`` columns), in column order."""
    return [c[len("new_") :] for c in ts.columns if c.startswith("new_") and c != "new_members"]


def daily_costs(ts: pd.DataFrame, ledger: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cost per day (rows: ``day``) and ledger category (columns), money per day.

    From ``ledger`` (``day, category, amount``) when given and non-empty, else from the
    timeseries' ``cost_<category>`` columns; when neither names categories, a single
    ``total`` column holds ``ts["cost"]``.
    """
    days = ts["day"].to_numpy(dtype=int) if "day" in ts.columns else np.arange(len(ts))
    if ledger is not None and len(ledger):
        # the (day, category) sums of a pivot table, accumulated with numpy (a pivot costs
        # ~20 ms a replicate); categories sorted, days those of the timeseries
        cats, ci = np.unique(ledger["category"].to_numpy().astype(str), return_inverse=True)
        pos = pd.Index(days).get_indexer(ledger["day"].to_numpy())
        keep = pos >= 0
        table = np.zeros((len(days), len(cats)))
        np.add.at(table, (pos[keep], ci[keep]), ledger["amount"].to_numpy(dtype=float)[keep])
        # copy=False keeps the pivot's memory layout (each category strided over the days), so
        # the column sums below add in the same order, to the same last bit
        return pd.DataFrame(
            table, index=pd.Index(days, name="day"), columns=pd.Index(cats, name="category"), copy=False
        )
    cost_cols = [c for c in ts.columns if c.startswith("cost_")]
    if cost_cols:
        out = pd.DataFrame({c[len("cost_") :]: ts[c].to_numpy(dtype=float) for c in cost_cols}, index=days)
    else:
        out = pd.DataFrame({"total": _col(ts, "cost")}, index=days)
    return out.rename_axis("day")


def payback_day(days: Iterable[int], daily_margin: np.ndarray, daily_cost: np.ndarray) -> float:
    """First day on which cumulative gross margin >= cumulative cost, once some cost has
    been paid; NaN when that does not happen in the given days. A run without any cost
    pays back on its first day."""
    days = np.asarray(list(days))
    cm = np.cumsum(np.asarray(daily_margin, dtype=float))
    cc = np.cumsum(np.asarray(daily_cost, dtype=float))
    if len(days) == 0:
        return float("nan")
    if cc[-1] <= 0:
        return float(days[0])
    ok = (cc > 0) & (cm >= cc - 1e-9 * np.maximum(1.0, cc))
    idx = np.flatnonzero(ok)
    return float(days[idx[0]]) if len(idx) else float("nan")


def cohort_retention(cohorts: pd.DataFrame, horizon_days: int | None = None) -> pd.DataFrame:
    """Retention matrix: rows ``join_week``, columns ``week``, values ``retained / size``
    (0..1). Cohorts of size 0 and weeks not yet observed (beyond the horizon, when
    ``horizon_days`` is given) are NaN. Extra keys (variant, replicate) are averaged over."""
    if cohorts is None or len(cohorts) == 0:
        return pd.DataFrame()
    c = cohorts.copy()
    if horizon_days is not None:
        c = c[(c["join_week"] + c["week"]) * 7 <= horizon_days - 1]
    c = c[c["size"] > 0]
    if len(c) == 0:
        return pd.DataFrame()
    c = c.assign(rate=c["retained"] / c["size"])
    return c.pivot_table(index="join_week", columns="week", values="rate", aggfunc="mean")


def _pooled_week_retention(cohorts: pd.DataFrame, week: int, horizon_days: int) -> float:
    if cohorts is None or len(cohorts) == 0:
        return float("nan")
    c = cohorts[(cohorts["week"] == week) & ((cohorts["join_week"] + week) * 7 <= horizon_days - 1)]
    return _ratio(float(c["retained"].sum()), float(c["size"].sum()))


# --------------------------------------------------------------------------- one replicate


def replicate_kpis(
    ts: pd.DataFrame,
    scalars: dict[str, Any] | None,
    cohorts: pd.DataFrame | None,
    plan: "Scenario | None",
    ledger: pd.DataFrame | None = None,
) -> dict[str, float]:
    """KPIs of one replicate of one plan.

    Args:
        ts: that replicate's timeseries rows (columns as in :mod:`growthsim.results`),
            one row per day, any order.
        scalars: that replicate's end-of-run scalars (missing ones give NaN KPIs).
        cohorts: that replicate's cohort rows (``join_week, week, size, retained``).
        plan: the resolved scenario (for the horizon and channel names); may be None.
        ledger: optional ledger rows (``day, category, amount``); when given, cost per
            category and the payback day come from it instead of the ``cost_*`` columns.

    Returns:
        ``{kpi name: value}``; see the module docstring for the definitions. Values that
        cannot be computed (zero denominators, columns the run did not record) are NaN.
    """
    ts = ts.sort_values("day") if "day" in ts.columns else ts
    n_days = len(ts)
    horizon = int(plan.horizon_days) if plan is not None else n_days
    horizon = max(horizon, 1)
    out: dict[str, float] = {}
    nan = float("nan")

    # ---- acquisition
    members_final = _last(ts, "members", 0.0)
    churned = _last(ts, "churned", 0.0)
    members_ever = _scalar(scalars, "members_ever")
    if not np.isfinite(members_ever):
        members_ever = members_final + churned
    new = _col(ts, "new_members")
    new_total = float(new.sum())
    out["members_final"] = members_final
    out["members_ever"] = members_ever
    out["new_members"] = new_total
    out["new_members_per_day"] = new_total / horizon
    sources = source_columns(ts)
    for s in sources:
        total = float(_col(ts, f"new_{s}").sum())
        out[f"joins_{s}"] = total
        out[f"joins_per_day_{s}"] = total / horizon

    costs = daily_costs(ts, ledger)
    cat_totals = costs.sum(axis=0)
    if (ledger is not None and len(ledger)) or "cost" not in ts.columns:
        daily_cost = costs.sum(axis=1).to_numpy(dtype=float)
    else:
        daily_cost = _col(ts, "cost")
    cost_total = float(daily_cost.sum())

    def spend(prefix: str) -> float:
        return float(sum(v for k, v in cat_totals.items() if str(k).startswith(prefix)))

    acq_spend = spend("channel:") + spend("campaign:") + spend("kol:")
    out["cac"] = _ratio(acq_spend, new_total)
    out["cac_all_in"] = _ratio(cost_total, new_total)
    channels = list(plan.channels) if plan is not None else []
    for ch in dict.fromkeys(
        channels + [str(k)[len("channel:") :] for k in cat_totals.index if str(k).startswith("channel:")]
    ):
        out[f"cac_{ch}"] = _ratio(float(cat_totals.get(f"channel:{ch}", 0.0)), float(_col(ts, f"new_{ch}").sum()))

    # ---- activity
    active = _col(ts, "active")
    last7 = active[-7:] if n_days else active
    dau = float(last7.mean()) if len(last7) else nan
    out["dau"] = dau
    out["wau"] = _last(ts, "wau")
    out["mau"] = _last(ts, "mau")
    out["dau_mau"] = _ratio(dau, out["mau"])
    out["active_share"] = _ratio(dau, members_final)
    out["top20_share"] = _scalar(scalars, "activity_top20_share")
    out["top1_share"] = _scalar(scalars, "activity_top1_share")
    core = _last(ts, "core_members") + _last(ts, "koc_members")
    out["core_members"] = core
    out["koc_members"] = _last(ts, "koc_members")
    out["active_tier_members"] = _last(ts, "active_tier_members")
    out["core_share"] = _ratio(core, members_final)

    # ---- retention
    w1 = _pooled_week_retention(cohorts, 1, horizon) if cohorts is not None else nan
    w4 = _pooled_week_retention(cohorts, 4, horizon) if cohorts is not None else nan
    out["retention_w1"] = w1
    out["retention_w4"] = w4
    for k, fallback in ((1, nan), (7, w1), (30, w4)):
        v = _scalar(scalars, f"retention_d{k}")
        out[f"retention_d{k}"] = v if np.isfinite(v) else fallback
    for name in [f"activity_retention_d{k}" for k in (1, 7, 30)] + [f"activity_retention_w{k}" for k in range(1, 10)]:
        out[name] = _scalar(scalars, name)
    member_days = float(_col(ts, "members").sum())
    churn_daily = _ratio(churned, member_days)
    out["churn_rate_daily"] = churn_daily
    out["churn_rate_30d"] = 1.0 - (1.0 - churn_daily) ** 30 if np.isfinite(churn_daily) else nan
    out["churned"] = churned
    out["dormant_share"] = _ratio(_last(ts, "dormant", 0.0), members_final)
    out["recalled"] = float(_col(ts, "recalled").sum())
    out["woken"] = float(_col(ts, "woken").sum())

    # ---- referral
    sent = float(_col(ts, "invites_sent").sum())
    accepted = float(_col(ts, "invites_accepted").sum())
    out["invites_sent"] = sent
    out["invites_accepted"] = accepted
    out["invite_accept_rate"] = _ratio(accepted, sent)
    cycle = _scalar(scalars, "viral_cycle_days")
    inviters = _scalar(scalars, "inviting_members")
    out["viral_k"] = _ratio(accepted * cycle, inviters * horizon)
    out["referrals_per_member"] = _ratio(accepted, members_ever)
    out["viral_cycle_days"] = cycle

    # ---- revenue
    paying = _last(ts, "paying", 0.0)
    orders = float(_col(ts, "purchases").sum())
    first = float(_col(ts, "first_purchases").sum())
    revenue = float(_col(ts, "revenue").sum())
    margin_daily = _col(ts, "gross_margin")
    margin = float(margin_daily.sum())
    out["paying"] = paying
    payers_ever = _scalar(scalars, "payers_ever")
    out["conversion_rate"] = _ratio(payers_ever if np.isfinite(payers_ever) else paying, members_ever)
    out["repurchase_rate"] = _ratio(orders - first, orders)
    out["orders_per_payer"] = _ratio(orders, paying)
    out["orders"] = orders
    out["revenue"] = revenue
    out["gross_margin"] = margin
    out["ltv_realised"] = _ratio(margin, members_ever)
    recent_margin = float(margin_daily[-30:].sum())
    recent_member_days = float(_col(ts, "members")[-30:].sum())
    rate = _ratio(recent_margin, recent_member_days)  # money per member-day
    if np.isfinite(churn_daily) and churn_daily > 0:
        lifetime = min(1.0 / churn_daily, LTV_LIFETIME_CAP_DAYS)
    else:
        lifetime = LTV_LIFETIME_CAP_DAYS
    future = members_final * rate * lifetime if np.isfinite(rate) else 0.0
    out["ltv_projected"] = _ratio(margin + future, members_ever)
    out["vip_members"] = _last(ts, "vip_members", 0.0)
    out["vip_members_ever"] = _scalar(scalars, "vip_members_ever")
    out["groups"] = _last(ts, "groups")

    # ---- economics
    out["cost"] = cost_total
    for cat, v in cat_totals.items():
        if cat != "total":
            out[f"cost_{cat}"] = float(v)
    out["profit"] = margin - cost_total
    out["roi"] = _ratio(margin - cost_total, cost_total)
    days = ts["day"].to_numpy(dtype=int) if "day" in ts.columns else np.arange(n_days)
    pb = payback_day(days, margin_daily, daily_cost)
    out["payback_day"] = pb
    out["paid_back"] = 0.0 if math.isnan(pb) else 1.0
    out["cost_per_paying"] = _ratio(cost_total, paying)
    out["budget_exhausted_day"] = _scalar(scalars, "budget_exhausted_day")
    out.update(health_kpis(ts))
    return out


# --------------------------------------------------------------------------- a batch at once
# kpi_table computes the KPIs of all replicates of a plan at once, from (replicate x day)
# arrays, when the plan's replicates have the same days and each its own ledger (what
# run_plans gives); otherwise, per replicate with replicate_kpis. The arithmetic is
# replicate_kpis's, in the same order, so the table is the same to the last bit (sums run
# along each replicate's row of days, as the one-replicate sums do; tests/test_kpis.py).


def _ratio_v(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """:func:`_ratio` element by element."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=float), np.asarray(den, dtype=float))
    out = np.full(num.shape, np.nan)
    ok = np.isfinite(den) & (den != 0) & np.isfinite(num)
    out[ok] = num[ok] / den[ok]
    return out


def variant_kpis(
    ts: pd.DataFrame,
    reps: list,
    scal: list[dict[str, Any]],
    cohorts: pd.DataFrame | None,
    ledgers: list[pd.DataFrame],
    plan: "Scenario | None",
) -> tuple[list[list[str]], dict[str, np.ndarray]] | None:
    """The KPIs of replicates ``reps`` of one plan (``ts``: their timeseries rows,
    ``scal`` / ``ledgers``: their scalars and ledger rows in the order of ``reps``),
    vectorised over the replicates: (each replicate's KPI names in
    :func:`replicate_kpis`'s order, name -> values in the order of ``reps``). None when
    the replicates do not allow it (different days, a replicate without a ledger or with
    one cost category)."""
    R = len(reps)
    if R == 0 or "day" not in ts.columns or "replicate" not in ts.columns:
        return None
    rep_of = {r: i for i, r in enumerate(reps)}
    ri = ts["replicate"].map(rep_of).to_numpy()
    day = ts["day"].to_numpy(dtype=int)
    order = np.lexsort((day, ri))
    if len(ts) % R:
        return None
    D = len(ts) // R
    dd = day[order].reshape(R, D)
    if (np.bincount(ri, minlength=R) != D).any() or not (dd == dd[:1]).all() or (D > 1 and (np.diff(dd[0]) <= 0).any()):
        return None
    days = dd[0]
    cols = ts.columns

    def col(name: str) -> np.ndarray:
        if name in cols:
            return ts[name].to_numpy(dtype=float)[order].reshape(R, D)
        return np.zeros((R, D))

    def last(name: str, default: float = float("nan")) -> np.ndarray:
        if name not in cols or D == 0:
            return np.full(R, default)
        return col(name)[:, -1].copy()

    def scalar(name: str) -> np.ndarray:
        out = np.full(R, np.nan)
        for i, s in enumerate(scal):
            out[i] = _scalar(s, name)
        return out

    # ---- costs: (replicate, day, category) from the ledgers, as daily_costs
    if any(lg is None or len(lg) == 0 for lg in ledgers):
        return None
    led = pd.concat(ledgers, ignore_index=True) if R > 1 else ledgers[0]
    lens = np.array([len(lg) for lg in ledgers])
    lrep = np.repeat(np.arange(R), lens)
    cats, ci = np.unique(led["category"].to_numpy().astype(str), return_inverse=True)
    ci = ci.reshape(-1)
    per_rep = np.zeros((R, len(cats)), dtype=bool)
    per_rep[lrep, ci] = True
    if (per_rep.sum(axis=1) < 2).any():
        return None  # a one-category table sums pairwise in daily_costs: the per-replicate path
    channels = list(plan.channels) if plan is not None else []
    led_channels = [str(c)[len("channel:") :] for c in cats if str(c).startswith("channel:")]
    if not set(led_channels) <= set(channels):
        return None
    pos = pd.Index(days).get_indexer(led["day"].to_numpy())
    keep = pos >= 0
    table = np.zeros((R, D, len(cats)))
    np.add.at(table, (lrep[keep], pos[keep], ci[keep]), led["amount"].to_numpy(dtype=float)[keep])
    cat_totals = table.sum(axis=1)  # (R, C): each category added day after day
    daily_cost = table.sum(axis=2)  # (R, D)
    cost_total = daily_cost.sum(axis=1)

    horizon = max(int(plan.horizon_days) if plan is not None else D, 1)
    out: dict[str, np.ndarray] = {}
    members_final = last("members", 0.0)
    churned = last("churned", 0.0)
    members_ever = scalar("members_ever")
    bad = ~np.isfinite(members_ever)
    members_ever[bad] = (members_final + churned)[bad]
    new_total = col("new_members").sum(axis=1)
    out["members_final"] = members_final
    out["members_ever"] = members_ever
    out["new_members"] = new_total
    out["new_members_per_day"] = new_total / horizon
    head = ["members_final", "members_ever", "new_members", "new_members_per_day"]
    for s in source_columns(ts):
        total = col(f"new_{s}").sum(axis=1)
        out[f"joins_{s}"] = total
        out[f"joins_per_day_{s}"] = total / horizon
        head += [f"joins_{s}", f"joins_per_day_{s}"]

    def spend(prefix: str) -> np.ndarray:
        acc = np.zeros(R)
        for j, c in enumerate(cats):
            if str(c).startswith(prefix):
                acc = acc + cat_totals[:, j]
        return acc

    acq_spend = spend("channel:") + spend("campaign:") + spend("kol:")
    out["cac"] = _ratio_v(acq_spend, new_total)
    out["cac_all_in"] = _ratio_v(cost_total, new_total)
    head += ["cac", "cac_all_in"]
    cat_j = {str(c): j for j, c in enumerate(cats)}
    for ch in dict.fromkeys(channels + led_channels):
        j = cat_j.get(f"channel:{ch}")
        out[f"cac_{ch}"] = _ratio_v(cat_totals[:, j] if j is not None else np.zeros(R), col(f"new_{ch}").sum(axis=1))
        head.append(f"cac_{ch}")

    active = col("active")
    dau = active[:, -7:].mean(axis=1) if D else np.full(R, np.nan)
    out["dau"] = dau
    out["wau"] = last("wau")
    out["mau"] = last("mau")
    out["dau_mau"] = _ratio_v(dau, out["mau"])
    out["active_share"] = _ratio_v(dau, members_final)
    out["top20_share"] = scalar("activity_top20_share")
    out["top1_share"] = scalar("activity_top1_share")
    core = last("core_members") + last("koc_members")
    out["core_members"] = core
    out["koc_members"] = last("koc_members")
    out["active_tier_members"] = last("active_tier_members")
    out["core_share"] = _ratio_v(core, members_final)

    # ---- retention
    def pooled(week: int) -> np.ndarray:
        if cohorts is None or len(cohorts) == 0:
            return np.full(R, np.nan)
        c = cohorts[(cohorts["week"] == week) & ((cohorts["join_week"] + week) * 7 <= horizon - 1)]
        i = c["replicate"].map(rep_of).to_numpy()
        okr = ~pd.isna(i)
        i = i[okr].astype(np.int64)
        num = np.bincount(i, weights=c["retained"].to_numpy(dtype=float)[okr], minlength=R)
        den = np.bincount(i, weights=c["size"].to_numpy(dtype=float)[okr], minlength=R)
        return _ratio_v(num, den)

    w1, w4 = pooled(1), pooled(4)
    out["retention_w1"] = w1
    out["retention_w4"] = w4
    for k, fallback in ((1, np.full(R, np.nan)), (7, w1), (30, w4)):
        v = scalar(f"retention_d{k}")
        out[f"retention_d{k}"] = np.where(np.isfinite(v), v, fallback)
    for name in [f"activity_retention_d{k}" for k in (1, 7, 30)] + [f"activity_retention_w{k}" for k in range(1, 10)]:
        out[name] = scalar(name)
    members = col("members")
    member_days = members.sum(axis=1)
    churn_daily = _ratio_v(churned, member_days)
    out["churn_rate_daily"] = churn_daily
    out["churn_rate_30d"] = np.array(
        [1.0 - (1.0 - float(c)) ** 30 if np.isfinite(c) else np.nan for c in churn_daily], dtype=float
    )
    out["churned"] = churned
    out["dormant_share"] = _ratio_v(last("dormant", 0.0), members_final)
    out["recalled"] = col("recalled").sum(axis=1)
    out["woken"] = col("woken").sum(axis=1)

    # ---- referral
    sent = col("invites_sent").sum(axis=1)
    accepted = col("invites_accepted").sum(axis=1)
    out["invites_sent"] = sent
    out["invites_accepted"] = accepted
    out["invite_accept_rate"] = _ratio_v(accepted, sent)
    cycle = scalar("viral_cycle_days")
    inviters = scalar("inviting_members")
    out["viral_k"] = _ratio_v(accepted * cycle, inviters * horizon)
    out["referrals_per_member"] = _ratio_v(accepted, members_ever)
    out["viral_cycle_days"] = cycle

    # ---- revenue
    paying = last("paying", 0.0)
    orders = col("purchases").sum(axis=1)
    first = col("first_purchases").sum(axis=1)
    revenue = col("revenue").sum(axis=1)
    margin_daily = col("gross_margin")
    margin = margin_daily.sum(axis=1)
    out["paying"] = paying
    payers_ever = scalar("payers_ever")
    out["conversion_rate"] = _ratio_v(np.where(np.isfinite(payers_ever), payers_ever, paying), members_ever)
    out["repurchase_rate"] = _ratio_v(orders - first, orders)
    out["orders_per_payer"] = _ratio_v(orders, paying)
    out["orders"] = orders
    out["revenue"] = revenue
    out["gross_margin"] = margin
    out["ltv_realised"] = _ratio_v(margin, members_ever)
    recent_margin = margin_daily[:, -30:].sum(axis=1)
    recent_member_days = members[:, -30:].sum(axis=1)
    rate = _ratio_v(recent_margin, recent_member_days)
    pos_churn = np.isfinite(churn_daily) & (churn_daily > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lifetime = np.where(pos_churn, np.minimum(1.0 / churn_daily, LTV_LIFETIME_CAP_DAYS), LTV_LIFETIME_CAP_DAYS)
        future = np.where(np.isfinite(rate), members_final * rate * lifetime, 0.0)
    out["ltv_projected"] = _ratio_v(margin + future, members_ever)
    out["vip_members"] = last("vip_members", 0.0)
    out["vip_members_ever"] = scalar("vip_members_ever")
    out["groups"] = last("groups")
    mid = [k for k in out if k not in head]

    # ---- economics
    out["cost"] = cost_total
    cost_keys = []
    for j, c in enumerate(cats):
        if c != "total":
            out[f"cost_{c}"] = cat_totals[:, j]
            cost_keys.append((j, f"cost_{c}"))
    out["profit"] = margin - cost_total
    out["roi"] = _ratio_v(margin - cost_total, cost_total)
    cm = np.cumsum(margin_daily, axis=1)
    cc = np.cumsum(daily_cost, axis=1)
    pb = np.full(R, np.nan)
    if D:
        ok = (cc > 0) & (cm >= cc - 1e-9 * np.maximum(1.0, cc))
        hit = ok.any(axis=1)
        pb[hit] = days[ok.argmax(axis=1)[hit]]
        pb[cc[:, -1] <= 0] = days[0]
    out["payback_day"] = pb
    out["paid_back"] = np.where(np.isnan(pb), 0.0, 1.0)
    out["cost_per_paying"] = _ratio_v(cost_total, paying)
    out["budget_exhausted_day"] = scalar("budget_exhausted_day")
    tail = ["profit", "roi", "payback_day", "paid_back", "cost_per_paying", "budget_exhausted_day"]

    # ---- group life (metrics.health.health_kpis)
    rated = col("groups_rated") if "groups_rated" in cols else None
    rated_sum = rated.sum(axis=1) if rated is not None else None
    for lvl in ("red", "yellow", "blue"):
        name = f"health_{lvl}"
        out[name] = last(name)
        if name in cols and rated_sum is not None:
            share = np.full(R, np.nan)
            pos_r = rated_sum > 0
            share[pos_r] = col(name).sum(axis=1)[pos_r] / rated_sum[pos_r]
            out[f"{name}_share"] = share
        else:
            out[f"{name}_share"] = np.full(R, np.nan)
    for name in ("muted", "ads_posted", "ads_caught", "offline_attendees", "removed_for_ads"):
        out[name] = col(name).sum(axis=1) if name in cols else np.full(R, np.nan)
    out["member_run_groups"] = last("member_run_groups")
    life = list(health_kpis(ts.iloc[:0]).keys())
    names = [head + mid + ["cost"] + [k for j, k in cost_keys if per_rep[i, j]] + tail + life for i in range(R)]
    return names, out


# --------------------------------------------------------------------------- run sets


def _groups(frame: pd.DataFrame, keys: list[str]) -> dict[tuple, pd.DataFrame]:
    if frame is None or len(frame) == 0 or not set(keys) <= set(frame.columns):
        return {}
    return {k if isinstance(k, tuple) else (k,): g for k, g in frame.groupby(keys, sort=False)}


def kpi_table(runset: "RunSet", vectorised: bool = True) -> pd.DataFrame:
    """One row per (plan, replicate): ``variant, replicate, seed`` + KPI columns.

    Rows follow the plans' display order, then replicate order. KPI columns that exist
    for one plan only (a channel the other lacks) are NaN for the other plans.

    ``vectorised``: compute each plan's replicates at once over (replicate x day) arrays
    where they allow it (same days, a ledger each; what ``run_plans`` gives), else per
    replicate with :func:`replicate_kpis`; ``False``: always per replicate. The table is
    the same either way, to the last bit.
    """
    keys = ["variant", "replicate"]
    ts_all = runset.timeseries
    sc = runset.scalars
    sc_map: dict[tuple, dict[str, Any]] = {}
    if sc is not None and len(sc):
        for rec in sc.to_dict("records"):
            sc_map[(rec["variant"], rec["replicate"])] = rec
    order = {label: i for i, label in enumerate(runset.plans)}
    has_keys = ts_all is not None and len(ts_all) > 0 and set(keys) <= set(ts_all.columns)
    pairs = list(ts_all[keys].drop_duplicates().itertuples(index=False, name=None)) if has_keys else []
    by_variant: dict[Any, list] = {}
    for v, rep in pairs:
        by_variant.setdefault(v, []).append(rep)
    le_g = _groups(runset.ledger, keys)
    co = runset.cohorts
    co_ok = co is not None and len(co) > 0 and set(keys) <= set(co.columns)
    # per row: (variant, replicate, seed, KPI names in order, {name: value} or (values, i))
    rows: dict[tuple, tuple] = {}
    for v, reps in by_variant.items():
        plan = runset.plans.get(v)
        ts_v = ts_all[ts_all["variant"] == v] if len(by_variant) > 1 else ts_all
        scal = [sc_map.get((v, rep), {}) for rep in reps]
        got = None
        if vectorised:
            co_v = co[co["variant"] == v] if co_ok else None
            got = variant_kpis(ts_v, reps, scal, co_v, [le_g.get((v, rep)) for rep in reps], plan)
        if got is not None:
            names, vals = got
            for i, rep in enumerate(reps):
                rows[(v, rep)] = (names[i], vals, i)
            continue
        ts_g = _groups(ts_v, keys)
        co_g = _groups(co, keys) if co_ok else {}
        for rep, s in zip(reps, scal):
            k = replicate_kpis(ts_g[(v, rep)], s, co_g.get((v, rep)), plan, ledger=le_g.get((v, rep)))
            rows[(v, rep)] = (list(k), k, None)
    if not rows:
        return pd.DataFrame()
    kpi_names = list(dict.fromkeys(n for names, _, _ in rows.values() for n in names))
    col_of = {n: j for j, n in enumerate(kpi_names)}
    values = np.full((len(pairs), len(kpi_names)), np.nan)
    seeds = []
    for i, (v, rep) in enumerate(pairs):
        names, vals, at = rows[(v, rep)]
        for n in names:
            values[i, col_of[n]] = vals[n] if at is None else vals[n][at]
        srow = sc_map.get((v, rep), {})
        if "seed" in srow:
            seeds.append(srow["seed"])
        else:
            g = ts_all[(ts_all["variant"] == v) & (ts_all["replicate"] == rep)]
            seeds.append(g["seed"].iloc[0] if "seed" in g.columns else np.nan)
    data: dict[str, Any] = {
        "variant": [v for v, _ in pairs],
        "replicate": [int(rep) for _, rep in pairs],
        "seed": seeds,
    }
    data.update({n: values[:, j] for j, n in enumerate(kpi_names) if n not in data})
    table = pd.DataFrame(data)
    # a cost category or join source a plan lacks is zero for it, not unknown
    zero = [c for c in table.columns if c.startswith(("cost_", "joins_"))]
    table[zero] = table[zero].fillna(0.0)
    table["_o"] = table["variant"].map(lambda v: order.get(v, len(order)))
    table = table.sort_values(["_o", "replicate"], kind="stable").drop(columns="_o")
    return table.reset_index(drop=True)


def kpi_columns(table: pd.DataFrame) -> list[str]:
    """The KPI columns of a KPI table (everything but the keys)."""
    return [c for c in table.columns if c not in ("variant", "replicate", "seed")]


def _stats(values: np.ndarray, name: str) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    n = int(len(v))
    if name in _NAN_IS_WORST:
        # NaN = never: treat as +inf for quantiles, then report inf as NaN (never)
        w = np.where(np.isnan(v), np.inf, v)
        q = []
        for p in (0.1, 0.5, 0.9):
            if n == 0 or not np.isfinite(np.quantile(w, p, method="higher")):
                q.append(np.nan)
            else:
                q.append(float(np.quantile(w, p)))
        mean = float(np.mean(v)) if n and not np.isnan(v).any() else np.nan
        return {"mean": mean, "p10": q[0], "p50": q[1], "p90": q[2], "n": n, "n_finite": int(np.isfinite(v).sum())}
    f = v[np.isfinite(v)]
    if len(f) == 0:
        return {"mean": np.nan, "p10": np.nan, "p50": np.nan, "p90": np.nan, "n": n, "n_finite": 0}
    p10, p50, p90 = np.quantile(f, [0.1, 0.5, 0.9])
    return {
        "mean": float(f.mean()),
        "p10": float(p10),
        "p50": float(p50),
        "p90": float(p90),
        "n": n,
        "n_finite": int(len(f)),
    }


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and P10 / P50 / P90 over replicates, per plan and KPI.

    Returns a long frame with columns ``variant, kpi, mean, p10, p50, p90, n, n_finite``
    (``n_finite``: replicates where the KPI could be computed; NaNs are left out of the
    statistics). For ``payback_day`` a replicate that never pays back counts as later than
    any day: a percentile that falls among those is NaN ("not within horizon"), and the mean
    is NaN unless every replicate pays back.
    """
    rows = []
    for variant, g in table.groupby("variant", sort=False):
        for name in kpi_columns(table):
            rows.append({"variant": variant, "kpi": name, **_stats(g[name].to_numpy(dtype=float), name)})
    return pd.DataFrame(rows, columns=["variant", "kpi", "mean", "p10", "p50", "p90", "n", "n_finite"])


def paired_differences(table: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Plan ``b`` minus plan ``a``, paired by replicate (common random numbers).

    Returns one row per KPI: ``kpi, direction, mean_a, mean_b, mean_diff, p10_diff,
    p50_diff, p90_diff, prob_b_better, n``. ``prob_b_better`` is the share of paired
    replicates in which B is better in the KPI's direction (ties count one half; a KPI with
    no direction gives NaN). For ``payback_day`` a replicate that never pays back is worse
    than any day, and its difference is NaN.
    """
    known = set(table["variant"])
    for label in (a, b):
        if label not in known:
            raise KeyError(f"no plan '{label}' in the KPI table (plans: {', '.join(map(str, known))})")
    ta = table[table["variant"] == a].set_index("replicate")
    tb = table[table["variant"] == b].set_index("replicate")
    reps = ta.index.intersection(tb.index)
    ta, tb = ta.loc[reps], tb.loc[reps]
    rows = []
    for name in kpi_columns(table):
        if name not in ta.columns or name not in tb.columns:
            continue
        va = ta[name].to_numpy(dtype=float)
        vb = tb[name].to_numpy(dtype=float)
        d = vb - va
        direction = kpi_direction(name)
        if name in _NAN_IS_WORST:
            ca = np.where(np.isnan(va), np.inf, va)
            cb = np.where(np.isnan(vb), np.inf, vb)
            valid = np.ones(len(va), dtype=bool)
        else:
            ca, cb = va, vb
            valid = np.isfinite(va) & np.isfinite(vb)
        if direction != 0 and valid.any():
            with np.errstate(invalid="ignore"):
                better = direction * (cb[valid] - ca[valid]) > 0
            tie = cb[valid] == ca[valid]
            prob = float((better.sum() + 0.5 * tie.sum()) / valid.sum())
        else:
            prob = np.nan
        fd = d[np.isfinite(d)]
        q = np.quantile(fd, [0.1, 0.5, 0.9]) if len(fd) else [np.nan] * 3
        sa, sb = _stats(va, name), _stats(vb, name)
        rows.append(
            {
                "kpi": name,
                "direction": direction,
                "mean_a": sa["mean"],
                "mean_b": sb["mean"],
                "mean_diff": float(fd.mean()) if len(fd) else np.nan,
                "p10_diff": float(q[0]),
                "p50_diff": float(q[1]),
                "p90_diff": float(q[2]),
                "prob_b_better": prob,
                "n": int(len(reps)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "kpi",
            "direction",
            "mean_a",
            "mean_b",
            "mean_diff",
            "p10_diff",
            "p50_diff",
            "p90_diff",
            "prob_b_better",
            "n",
        ],
    )
