"""Scenario sections for group life: fatigue, ads and moderation, self-organised groups and
group health (see ``docs/model.md``, "Fatigue, ads, self-organised groups, offline events
and group health").

Kept apart from :mod:`growthsim.scenario.schema` (which adds them to the plan as
``fatigue``, ``moderation``, ``self_organisation`` and ``group_health``); the same
conventions hold: unknown keys are errors, days count from day 0, money is in the plan's
currency, probabilities are per person (or group) per day unless the description says
otherwise. Defaults and their reasons are in ``docs/model.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
Day = Annotated[int, Field(ge=0)]

PROMOTION_KINDS = ("lottery", "flash_sale", "group_buy", "lecture")
PromotionKind = Literal["lottery", "flash_sale", "group_buy", "lecture"]
RuleAction = Literal["warn", "mute", "remove"]


def _default_kinds() -> list[PromotionKind]:
    return ["lottery", "flash_sale", "group_buy"]


def _default_actions() -> list[RuleAction]:
    return ["warn", "mute", "remove"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class Fatigue(_Strict):
    """Members' patience with promotions and ads: above a tolerated number of promotions a
    week, each extra one raises the members' daily mute and leave hazards.

    Promotion pressure of a group is the operator's promotions over the last
    ``window_days`` (per week) plus ``ad_weight`` times the ads members posted in the group
    (per week). Pressure above ``tolerance_per_week`` multiplies the leave hazard by
    ``1 + leave_per_promotion * excess`` and mutes members (they fall silent, as dormant
    members) with daily probability ``mute_per_promotion * excess``."""

    enabled: bool = Field(True, description="promotions and ads cost members' patience")
    window_days: int = Field(7, ge=1, le=90, description="days over which promotions are counted")
    kinds: list[PromotionKind] = Field(
        default_factory=_default_kinds,
        description="campaign kinds whose events count as promotions",
    )
    tolerance_per_week: NonNegFloat = Field(
        2.0, le=100, description="promotions a week members accept without cost (promotions/week)"
    )
    leave_per_promotion: NonNegFloat = Field(
        0.1, le=10, description="relative rise of the leave hazard per promotion a week above tolerance"
    )
    mute_per_promotion: Probability = Field(
        0.002, description="daily mute probability per promotion a week above tolerance"
    )
    ad_weight: NonNegFloat = Field(0.5, le=10, description="promotions one ad posted by a member counts as")


class Moderation(_Strict):
    """Members who post ads in their groups, and the group rules against them.

    A share of people post ads (``ads_per_day`` on each day they are active), which raise
    the group's promotion pressure (see ``fatigue``) and its engagement decay, unless the
    rules catch them: an ad is caught with ``detect_managed`` in a group with staff
    attention that day, else ``detect_unmanaged``; the poster's k-th caught ad gets
    ``actions[k]`` (the last action repeats). Each caught ad costs ``minutes_per_incident``
    of staff time at ``hourly_cost``."""

    ad_poster_share: Probability = Field(0.0, description="share of people who post ads when active")
    ads_per_day: NonNegFloat = Field(2.0, le=100, description="ads an ad poster posts on an active day")
    ad_decay: NonNegFloat = Field(
        0.1, le=100, description="relative rise of the group's engagement decay per ad a day in the group"
    )
    enabled: bool = Field(True, description="group rules in force (False: nobody acts on ads)")
    actions: list[RuleAction] = Field(
        default_factory=_default_actions,
        min_length=1,
        max_length=10,
        description="what the k-th caught ad of a poster gets (the last repeats)",
    )
    detect_managed: Probability = Field(0.7, description="chance an ad is caught in a group with staff attention")
    detect_unmanaged: Probability = Field(0.05, description="chance an ad is caught in a group without (reports)")
    warn_compliance: Probability = Field(0.5, description="chance a warned poster stops posting ads for good")
    mute_days: int = Field(30, ge=1, le=3650, description="days a muted poster cannot post")
    ad_group: bool = Field(False, description="offer caught posters an ad group (广告群) for their ads")
    ad_group_accept: Probability = Field(0.6, description="chance a caught poster moves their ads to the ad group")
    ad_group_cost_per_month: NonNegFloat = Field(0.0, description="upkeep of the ad group (money/month)")
    minutes_per_incident: NonNegFloat = Field(5.0, le=600, description="staff time per caught ad (minutes)")
    hourly_cost: NonNegFloat = Field(30.0, description="cost of an hour of moderation (money)")


class SelfOrganisation(_Strict):
    """Groups opened and run by members, under rules staff set.

    Every ``every_days`` each ordinary group of at least ``min_parent_size`` members
    opens, with ``spawn_prob``, a sub-group (interest spin-off; ``follow: paying`` for a
    buyers' group such as a parents' VIP group): its most active member (active days,
    then propensity; with ``min_tenure_days`` and ``min_active_days``) becomes the new
    group's admin with ``founder_hours_per_day`` of attention, and each member of the
    parent follows with ``follow_share``. With ``admin_for_new_groups`` a group opened when
    the others are full is likewise run by the most active member of the category's
    previous group. Each new admin costs ``approval_hours`` of staff time (rules,
    briefing) at ``staff_hourly_cost``; admins may get a stipend. A member admin invites
    ``founder_referral_multiplier`` times as often while running a group."""

    enabled: bool = False
    start_day: Day = Field(30, description="first round")
    every_days: int = Field(7, ge=1, le=365, description="days between rounds")
    min_parent_size: int = Field(60, ge=2, le=500, description="members a group needs to spin off a sub-group")
    spawn_prob: Probability = Field(0.2, description="chance an eligible group spins off a sub-group in a round")
    follow_share: Probability = Field(0.2, description="chance each member of the parent follows")
    follow: Literal["random", "paying"] = Field("random", description="who may follow: anyone, or buyers only")
    min_tenure_days: int = Field(30, ge=0, description="tenure a member needs to become an admin (days)")
    min_active_days: int = Field(10, ge=0, description="active days a member needs to become an admin")
    founder_hours_per_day: float = Field(
        2.0, gt=0, le=24, description="attention a member admin gives their group (practice: 2+ hours a day)"
    )
    founder_referral_multiplier: float = Field(
        1.5, ge=1, le=100, description="on a member admin's invitations while they run a group"
    )
    admin_for_new_groups: bool = Field(
        True, description="the most active member of a category's previous group runs a newly opened group"
    )
    succession: bool = Field(
        True, description="when an admin leaves or falls silent, the group's next most active member takes over"
    )
    max_new_per_round: int | None = Field(None, ge=0, description="sub-groups per round at most")
    max_total: int | None = Field(None, ge=0, description="member-run sub-groups at most")
    approval_hours: NonNegFloat = Field(1.0, le=100, description="staff time per new member admin (hours)")
    staff_hourly_cost: NonNegFloat = Field(30.0, description="cost of an hour of staff time (money)")
    stipend_per_month: NonNegFloat = Field(0.0, description="per member admin (money or product value)")


class GroupHealth(_Strict):
    """Warning levels of a group (practice: red / yellow / blue), counted every day.

    Red: the group's activity rate (active member-days / member-days over the last
    ``window_days``) fell by at least ``red_drop`` from the window before, or members
    posted at least ``red_ads_per_week`` ads a week; yellow: a drop of ``yellow_drop`` or
    ``yellow_ads_per_week`` ads; blue: no staff attention for ``unmanaged_days`` days in a
    row. Groups below ``min_size`` members are not rated."""

    window_days: int = Field(7, ge=1, le=90, description="days per activity window")
    red_drop: Probability = Field(0.5, description="activity drop for a red warning (share)")
    yellow_drop: Probability = Field(0.25, description="activity drop for a yellow warning (share)")
    red_ads_per_week: NonNegFloat = Field(10.0, description="ads a week for a red warning")
    yellow_ads_per_week: NonNegFloat = Field(3.0, description="ads a week for a yellow warning")
    unmanaged_days: int = Field(7, ge=1, le=365, description="days without staff attention for a blue warning")
    min_size: int = Field(10, ge=1, le=500, description="members a group needs to be rated")
