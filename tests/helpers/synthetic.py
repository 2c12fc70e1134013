"""A small fabricated :class:`~growthsim.results.RunSet` that follows the output contract.

It is not a simulation: numbers are drawn from simple seeded stochastic recurrences so
that reports, charts and KPI code can be exercised and previewed quickly, with known
structure (plan ``lift`` scales joins and revenue). Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthsim.results import RunResult, RunSet
from growthsim.scenario.schema import Scenario


def synthetic_plan(
    name: str, horizon_days: int = 60, ads_budget: float = 200.0, invite_reward: bool = False
) -> Scenario:
    """A valid small plan with a paid channel ``ads``, one admin and optionally an
    ``invite`` campaign (an invite reward)."""
    data: dict = {
        "name": name,
        "horizon_days": horizon_days,
        "replicates": 8,
        "market": {"size": 5000, "graph": {"model": "well_mixed"}},
        "members": {"initial": 100},
        "staff": {"admin": {"count": 1, "salary_per_month": 1500.0}},
        "channels": {"ads": {"daily_budget": ads_budget}},
    }
    if invite_reward:
        data["campaigns"] = {"invite": {"kind": "invite_reward", "reward": 8.0}}
    return Scenario.model_validate(data)


def _one(plan: Scenario, label: str, seed: int, replicate: int, lift: float) -> RunResult:
    rng = np.random.default_rng([seed, replicate])
    h = plan.horizon_days
    invite = "invite" in plan.campaigns
    members = float(plan.members.initial)
    churned = 0
    rows = []
    join_day: list[int] = []
    leave_day: list[int] = []
    ledger = []
    pay = 0
    for t in range(h):
        ads_spend = plan.channels["ads"].budget_on(t) if "ads" in plan.channels else 0.0
        n_ads = int(rng.poisson(ads_spend / 40.0 * lift))
        n_org = int(rng.poisson(1.0))
        n_ref = int(rng.poisson(0.01 * members * (1.8 if invite else 1.0)))
        sent = n_ref * 5 + int(rng.poisson(2))
        new = n_ads + n_org + n_ref
        # members of the day, churn
        current = [i for i in range(len(join_day)) if leave_day[i] < 0]
        leave = rng.random(len(current)) < 0.015
        for i, gone in zip(current, leave):
            if gone:
                leave_day[i] = t
        churned += int(leave.sum())
        join_day += [t] * new
        leave_day += [-1] * new
        members = plan.members.initial + sum(1 for x in leave_day if x < 0)
        active = int(rng.binomial(int(members), 0.12))
        first = int(rng.binomial(active, 0.02 * lift))
        repeat = int(rng.binomial(min(pay, active), 0.05))
        pay += first
        orders = first + repeat
        revenue = float(orders * 400.0)
        staff = 50.0
        reward = 8.0 * (n_ref // 5) if invite else 0.0
        cost = staff + ads_spend + reward + (300.0 if t == 0 else 0.0)
        ledger.append((t, "staff", staff))
        if ads_spend:
            ledger.append((t, "channel:ads", ads_spend))
        if reward:
            ledger.append((t, "campaign:invite", reward))
        if t == 0:
            ledger.append((t, "tools", 300.0))
        row = {
            "day": t,
            "members": int(members),
            "active": active,
            "dormant": int(members * 0.2),
            "churned": churned,
            "new_members": new,
            "new_organic": n_org,
            "new_referral": n_ref,
            "new_ads": n_ads,
            "invites_sent": sent,
            "invites_accepted": n_ref,
            "paying": pay,
            "first_purchases": first,
            "purchases": orders,
            "revenue": revenue,
            "gross_margin": revenue * 0.4,
            "cost": cost,
            "cost_staff": staff,
            "cost_tools": 300.0 if t == 0 else 0.0,
            "cost_channel:ads": ads_spend,
            "groups": int(members // 150) + 1,
            "managed_groups": 1,
            "vip_members": 0,
            "recalled": int(rng.poisson(0.3)),
            "budget_blocked": 0,
            "wau": int(min(members, active * 2.5)),
            "mau": int(min(members, active * 4)),
        }
        if invite:
            row["cost_campaign:invite"] = reward
        rows.append(row)
    ts = pd.DataFrame(rows)
    jd = np.array(join_day, dtype=int)
    ld = np.array(leave_day, dtype=int)
    co = []
    for w in range((h + 6) // 7):
        in_w = (jd >= 7 * w) & (jd < 7 * w + 7)
        for k in range(0, (h - 1) // 7 - w + 1):
            day = 7 * (w + k)
            co.append(
                {
                    "join_week": w,
                    "week": k,
                    "size": int(in_w.sum()),
                    "retained": int((in_w & ((ld < 0) | (ld > day))).sum()),
                }
            )
    scalars = {
        "activity_top20_share": 0.7,
        "activity_top1_share": 0.15,
        "retention_d1": 0.98,
        "retention_d7": 0.9,
        "retention_d30": 0.65,
        "budget_exhausted_day": float("nan"),
        "viral_cycle_days": 9.0,
        "inviting_members": float(max(1, ts["invites_accepted"].sum() // 2)),
        "vip_members_ever": 0.0,
        "promoted_admins": 0.0,
    }
    return RunResult(
        scenario=plan,
        seed=seed,
        replicate=replicate,
        timeseries=ts,
        scalars=scalars,
        cohorts=pd.DataFrame(co),
        ledger=pd.DataFrame(ledger, columns=["day", "category", "amount"]),
    )


def synthetic_runset(
    plans: dict[str, Scenario] | None = None, replicates: int = 6, seed: int = 7, lifts: dict[str, float] | None = None
) -> RunSet:
    """A fabricated RunSet: ``plans`` (default: ``A`` and ``B`` = A with an invite reward and
    25% stronger joins/conversion), ``replicates`` replicates each, seeded by ``seed``."""
    if plans is None:
        plans = {"A": synthetic_plan("A"), "B": synthetic_plan("B", invite_reward=True)}
        lifts = {"A": 1.0, "B": 1.25, **(lifts or {})}
    lifts = lifts or {}
    results = {
        label: [_one(p, label, seed, r, lifts.get(label, 1.0)) for r in range(replicates)] for label, p in plans.items()
    }
    return RunSet.from_results(plans, results)
