"""The optimisation problems of ``tests/test_optimize.py`` and ``benchmarks/bench_optimize.py``:
a 2,500-person market over 60 days where admins, their hours, a paid-ads budget and an
invite reward trade money for members (four levers); the seven-lever variant adds a weak
second ad channel and a check-in cashback, which cost money for little effect."""

from __future__ import annotations

__all__ = ["FOUR_LEVERS", "SEVEN_LEVERS", "scenario_yaml"]

_HEAD = """\
seed: 11
horizon_days: 60
market: {size: 2500, graph: {model: watts_strogatz, mean_degree: 10}}
members: {initial: 60, referral: {invite_prob: 0.01, accept_prob: 0.2}}
staff:
  admin: {count: 1, salary_per_month: 600, groups_each: 2, hours_per_day: 2}
channels:
  ads: {kind: paid_ads, daily_budget: 20, max_reach: 120, half_saturation_spend: 60, join_rate: 0.05}
"""
_ADS2 = "  ads2: {kind: paid_ads, daily_budget: 20, max_reach: 30, half_saturation_spend: 60, join_rate: 0.02}\n"
_CAMPAIGNS = "campaigns:\n  invite_reward: {start_day: 0, threshold: 3, reward: 5, budget_cap: 3000}\n"
_CHECKIN = "  checkin: {kind: checkin_cashback, start_day: 0, streak_days: 3, reward: 5, budget_cap: 5000}\n"

#: the four levers' ranges (an optimisation file's ``factors:`` lines)
FOUR_LEVERS = """\
  staff.admin.count: {low: 0, high: 4}
  staff.admin.hours_per_day: {low: 0.5, high: 4.0}
  channels.ads.daily_budget: {low: 0, high: 80}
  campaigns.invite_reward.reward: {low: 0.0, high: 20.0}
"""

#: the seven levers' ranges (with ``scenario_yaml(..., seven_levers=True)``)
SEVEN_LEVERS = """\
  staff.admin.count: {low: 0, high: 4}
  staff.admin.hours_per_day: {low: 0.5, high: 4.0}
  channels.ads.daily_budget: {low: 0, high: 80}
  channels.ads2.daily_budget: {low: 0, high: 80}
  campaigns.invite_reward.reward: {low: 0.0, high: 20.0}
  campaigns.checkin.reward: {low: 0.0, high: 10.0}
  campaigns.checkin.streak_days: {low: 1, high: 7}
"""


def scenario_yaml(name: str, replicates: int, extra: str = "", seven_levers: bool = False) -> str:
    """The scenario file's text; ``seven_levers`` adds the second ad channel and the
    check-in cashback; ``extra`` (YAML lines) is appended, e.g. ``targets:``."""
    if seven_levers:
        body = _HEAD + _ADS2 + _CAMPAIGNS + _CHECKIN
    else:
        body = _HEAD + _CAMPAIGNS
    return f"name: {name}\nreplicates: {replicates}\n{body}{extra}"
