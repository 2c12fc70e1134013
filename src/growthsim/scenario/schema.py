"""The scenario schema: every parameter of a plan, with its unit, range and default.

Scenario files are YAML mappings validated by these pydantic models. Every model forbids
unknown keys, so a misspelt key is an error rather than a silently ignored setting.

Conventions: days are integers counted from day 0 of the simulation; ``end_day`` values
are inclusive; money is in ``economics.currency``; probabilities are per person per day
unless the description says otherwise. Defaults come from community-operations practice
(see ``docs/model.md`` and the comments in ``scenarios/``).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from growthsim.scenario.social import Fatigue, GroupHealth, Moderation, SelfOrganisation
from growthsim.scenario.targets import Checkpoints, Decision, Target

# strict: a boolean (yes/no/true) is not a probability; integers 0 and 1 still are
Probability = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
NonNegFloat = Annotated[float, Field(ge=0.0)]
Day = Annotated[int, Field(ge=0)]
MAX_REPLICATES = 100_000  # the replicates field's cap; command-line --replicates shares it


def printable_name(value: str) -> str:
    """A plan, variant or experiment name: no control characters (NUL, newline, tab),
    which would corrupt file names, tables and reports."""
    bad = [c for c in value if ord(c) < 32 or ord(c) == 127]
    if bad:
        raise ValueError(f"expected a name without control characters, found {bad[0]!r}")
    return value


Name = Annotated[str, AfterValidator(printable_name)]


class Strict(BaseModel):
    """Base model: unknown keys are errors; so are infinite and NaN numbers (``.inf``)."""

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)


class EndNotBeforeStart(BaseModel):
    """Mixin for models with ``start_day`` and an optional ``end_day`` (declared in that
    order): an ``end_day`` before ``start_day`` is an error located at ``end_day``."""

    @field_validator("end_day", check_fields=False)
    @classmethod
    def _end_not_before_start(cls, end: int | None, info: ValidationInfo) -> int | None:
        start = info.data.get("start_day")
        if end is not None and start is not None and end < start:
            raise ValueError(f"must not be before start_day ({start})")
        return end


# --------------------------------------------------------------------------- market


class GraphSpec(Strict):
    """Who knows whom in the market.

    ``well_mixed``: no explicit edges; word of mouth reaches anyone, in proportion to the
    active members (the Bass / mean-field limit, and the cheap choice without network data).
    ``complete``: everyone knows everyone (small markets only).
    ``erdos_renyi``, ``watts_strogatz`` (small world), ``powerlaw_cluster`` (Holme–Kim:
    heavy-tailed degrees with clustering), ``sbm`` (stochastic block model: regions or
    interest categories as blocks), ``edge_list`` (a CSV of two person-id columns).
    """

    model: Literal[
        "well_mixed",
        "complete",
        "erdos_renyi",
        "watts_strogatz",
        "powerlaw_cluster",
        "sbm",
        "edge_list",
    ] = Field("watts_strogatz", description="graph family")
    mean_degree: float = Field(20.0, gt=0, le=2000, description="mean number of acquaintances per person (people)")
    well_mixed_rule: Literal["poisson", "linear"] = Field(
        "poisson",
        description="well_mixed: an outsider's chance of being invited on a day, from the expected "
        "invitations per outsider λ: 'poisson' 1 − e^(−λ) (invitations land at random), 'linear' "
        "min(1, λ) (the textbook discrete Bass model, see the model documentation)",
    )
    rewire_prob: Probability = Field(0.1, description="Watts–Strogatz rewiring probability")
    triangle_prob: Probability = Field(
        0.3, description="Holme–Kim probability of closing a triangle after each attachment"
    )
    blocks: int = Field(
        1,
        ge=1,
        le=1000,
        description="number of regions / interest categories (blocks); people are labelled "
        "with a block for every graph model, and the sbm model wires within blocks",
    )
    block_shares: list[Annotated[float, Field(gt=0)]] | None = Field(
        None, description="relative size of each block (normalised); default equal"
    )
    within_block_share: Probability = Field(
        0.8, description="sbm: expected share of a person's contacts inside their own block"
    )
    path: str | None = Field(
        None,
        description="edge_list: CSV file with two integer person-id columns (0-based), relative to the scenario file",
    )
    seed: int | None = Field(
        None,
        ge=0,
        description="seed of the graph; default: the scenario seed. The market's network is "
        "one fixed realisation shared by all replicates and plans",
    )

    @model_validator(mode="after")
    def _check(self) -> "GraphSpec":
        if self.model == "edge_list" and not self.path:
            raise ValueError("graph model 'edge_list' needs 'path' (a CSV edge list)")
        if self.block_shares is not None and len(self.block_shares) != self.blocks:
            raise ValueError(f"block_shares has {len(self.block_shares)} entries but blocks is {self.blocks}")
        return self


class Market(Strict):
    """Everyone the community could ever reach."""

    size: int = Field(50_000, ge=1, le=50_000_000, description="people in the market")
    graph: GraphSpec = Field(default_factory=GraphSpec)


# --------------------------------------------------------------------------- members


class Propensity(Strict):
    """Each person's fixed activity propensity ``a_i``: chance to be active on a day of full
    engagement. Heterogeneous propensities are what make participation unequal."""

    distribution: Literal["beta", "constant"] = "beta"
    alpha: float = Field(0.2, gt=0, le=1000, description="Beta shape alpha; Beta(0.2, 1.8) has mean 0.10")
    beta: float = Field(1.8, gt=0, le=1000, description="Beta shape beta")
    value: Probability = Field(0.1, description="the propensity when distribution is constant")


class Engagement(Strict):
    """Engagement ``e_i`` in [0, 1], updated daily:
    ``e <- e + response*(1-e)*(1-exp(-S_g)) - decay*c_g*e`` (+ ``habit*(1-e)`` when active)."""

    initial: Probability = Field(0.6, description="engagement of a newly joined member")
    daily_decay: Probability = Field(0.03, description="fraction of engagement lost per day")
    stimulus_response: Probability = Field(0.3, description="how strongly a day's group stimulus restores engagement")
    habit_gain: Probability = Field(0.05, description="engagement gained, as a share of (1-e), on an active day")
    baseline_stimulus: NonNegFloat = Field(
        0.05,
        le=100,
        description="stimulus every group gets from members' own chatter (stimulus units/day)",
    )


class Referral(Strict):
    """Word of mouth: active members invite non-member acquaintances."""

    invite_prob: Probability = Field(
        0.01,
        description="probability that a fully engaged active member invites a given outsider "
        "acquaintance on a day (times engagement and campaign/KOL multipliers)",
    )
    accept_prob: Probability = Field(0.2, description="probability an invitee joins")
    social_reinforcement: NonNegFloat = Field(
        0.0,
        le=10,
        description="complex contagion: acceptance is multiplied by (1 + this * (member "
        "friends - 1)), capped at 1; 0 = simple contagion",
    )


class Conversion(Strict):
    """Buying: active members place orders."""

    first_purchase_prob: Probability = Field(
        0.005, description="daily probability an active, fully engaged non-payer buys"
    )
    repurchase_prob: Probability = Field(
        0.03, description="daily probability an active, fully engaged payer orders again"
    )


class Churn(Strict):
    """Leaving: hazard ``base_hazard * exp(-engagement_sensitivity * e) * m_group``."""

    base_hazard: Probability = Field(0.01, description="daily leave hazard at zero engagement")
    engagement_sensitivity: float = Field(
        3.0, ge=0, le=50, description="theta: how much engagement protects against leaving"
    )
    silent_days: int = Field(7, ge=1, le=365, description="days without activity after which a member is dormant")
    dormant_hazard: Probability = Field(0.01, description="daily leave hazard of a dormant member")
    dormant_activity_factor: Probability = Field(
        0.3, description="a dormant member's activity probability relative to an active one's"
    )
    max_active_days: int | None = Field(
        None,
        ge=1,
        description="a member leaves after this many active days (1 = the SIR configuration: "
        "active, i.e. infectious, for one day then removed); null = no limit",
    )


class Lifecycle(Strict):
    """Lifecycle after joining: a newcomer's interest ``n_i``, high on joining and fading
    with time since joining unless staff attention, content and interaction sustain it.
    Active with probability ``(a_i e_i + n_i (1 - a_i e_i)) * m_act``; each day
    ``n <- n * (1 - lambda_g * (1 - interaction_sustain * active))`` with ``lambda_g =
    (managed_interest_decay if the group had staff hours today else interest_decay) / (1 +
    content_sustain * S_g)``, ``S_g`` the group's stimulus of the day. Defaults: app
    retention D1 ~25-40 %, D7 ~10-20 %, D30 ~5-10 %; e-commerce groups go silent within
    ~72 h of joining without lifecycle management, ~7 days with it (docs/model.md)."""

    initial_interest: Probability = Field(
        0.25, description="a newcomer's interest on joining: extra chance to be active on day 1 (share)"
    )
    interest_decay: Probability = Field(
        0.45, description="share of interest lost per day in a group without staff hours (1/day; ~72 h to silence)"
    )
    managed_interest_decay: Probability = Field(
        0.25, description="share of interest lost per day in a group with staff hours (1/day; ~7 days to silence)"
    )
    content_sustain: NonNegFloat = Field(
        0.3,
        le=100,
        description="how much a group's stimulus slows the fading: decay / (1 + this * S_g) (per stimulus unit)",
    )
    interaction_sustain: Probability = Field(
        0.5, description="share of the day's fading an active day saves (interaction keeps interest)"
    )
    onboarding_interest: Probability = Field(
        0.1, description="interest added, as a share of (1 - n), to a newcomer welcomed in a managed group"
    )


class Tiers(Strict):
    """Member tiers new -> active -> core -> KOC (key opinion consumer) from a contribution
    score ``c_i``: each day ``c <- c * 0.5**(1/score_half_life_days)`` after adding
    ``active_points`` on an active day, ``referral_points`` per accepted invitation and
    ``order_points`` per order. Promoted at ``active_score`` / ``core_score``; a core
    member with ``koc_min_referrals`` accepted invitations and ``koc_min_orders`` orders is
    a KOC; demoted below ``demotion_ratio`` times the threshold (hysteresis). Core members
    and KOCs lift their group (the 2/8 rule): stimulus ``+ core_stimulus * (core + KOC
    share of the group)``, referral multiplier ``* (1 + koc_referral * KOC share)``."""

    score_half_life_days: float = Field(14.0, gt=0, le=3650, description="half-life of the contribution score (days)")
    active_points: NonNegFloat = Field(1.0, le=1000, description="score per active day (points)")
    referral_points: NonNegFloat = Field(3.0, le=1000, description="score per accepted invitation (points)")
    order_points: NonNegFloat = Field(2.0, le=1000, description="score per order (points)")
    active_score: NonNegFloat = Field(3.0, description="score for the active tier (points)")
    core_score: NonNegFloat = Field(10.0, description="score for the core tier (points)")
    koc_min_referrals: int = Field(2, ge=0, description="accepted invitations a KOC has brought in (people)")
    koc_min_orders: int = Field(1, ge=0, description="orders a KOC has placed")
    demotion_ratio: Probability = Field(0.7, description="a tier is lost below this share of its threshold")
    core_stimulus: NonNegFloat = Field(
        4.0, le=1000, description="stimulus added to a group per unit core + KOC share of its members (stimulus units)"
    )
    koc_referral: NonNegFloat = Field(
        20.0, le=1000, description="referral multiplier gain per unit KOC share of a group's members"
    )

    @model_validator(mode="after")
    def _core_above_active(self) -> "Tiers":
        if self.core_score < self.active_score:
            raise ValueError(f"core_score ({self.core_score}) must not be below active_score ({self.active_score})")
        return self


class Points(Strict):
    """Points, levels and titles: members earn points per action and exchange them for
    rewards (cost in the ledger, category ``points``); visible levels and titles lift
    activity while the programme runs."""

    enabled: bool = False
    per_active_day: NonNegFloat = Field(1.0, le=10_000, description="points per active day (check-in)")
    per_referral: NonNegFloat = Field(10.0, le=10_000, description="points per accepted invitation")
    per_order: NonNegFloat = Field(5.0, le=10_000, description="points per order")
    exchange_points: float = Field(100.0, gt=0, le=1e9, description="points per exchange (one reward)")
    exchange_value: NonNegFloat = Field(5.0, description="money per exchange (the reward's cost)")
    activity_multiplier: float = Field(
        1.1, ge=1, le=100, description="on activity probability while the programme runs (levels and titles)"
    )


class StarAwards(Strict):
    """Monthly "star member" awards: the members with the highest contribution scores get a
    prize (cost in the ledger, category ``star_awards``) and an engagement lift."""

    enabled: bool = False
    start_day: Day = Field(29, description="first award day")
    every_days: int = Field(30, ge=1, le=3650, description="days between awards")
    winners: int = Field(10, ge=1, le=100_000, description="members awarded each time (people)")
    prize: NonNegFloat = Field(50.0, description="money per winner")
    engagement_boost: Probability = Field(0.3, description="engagement added to a winner, as a share of (1 - e)")


class Members(Strict):
    """The community's members and their behaviour."""

    initial: int = Field(200, ge=0, description="members on day 0 (people)")
    initial_seeding: Literal["random", "hubs"] = Field(
        "random", description="which people are the initial members: random, or highest degree"
    )
    organic_join_prob: Probability = Field(
        0.00002,
        description="daily probability an outsider finds and joins the community by itself "
        "(the Bass innovation coefficient p)",
    )
    propensity: Propensity = Field(default_factory=Propensity)
    engagement: Engagement = Field(default_factory=Engagement)
    referral: Referral = Field(default_factory=Referral)
    conversion: Conversion = Field(default_factory=Conversion)
    churn: Churn = Field(default_factory=Churn)
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)
    tiers: Tiers = Field(default_factory=Tiers)
    points: Points = Field(default_factory=Points)
    star_awards: StarAwards = Field(default_factory=StarAwards)


# --------------------------------------------------------------------------- groups


class VipGroups(Strict):
    """VIP groups for paying, engaged members with tenure (selection after 1–3 months)."""

    enabled: bool = False
    start_day: Day = Field(60, description="first day of VIP selection")
    every_days: int = Field(7, ge=1, description="selection round interval (days)")
    min_tenure_days: int = Field(30, ge=0, description="days in the community before invitation")
    min_purchases: int = Field(1, ge=0, description="orders placed before invitation")
    min_engagement: Probability = Field(0.3, description="engagement needed for invitation")
    conversion_multiplier: float = Field(1.5, ge=0, le=100, description="on buying probabilities")
    churn_multiplier: float = Field(0.5, ge=0, le=100, description="on the leave hazard")


class Groups(Strict):
    """Chat groups: members fill groups to the target size, then a new group opens."""

    target_size: int = Field(150, ge=2, le=500, description="members per group at which a new group opens")
    max_size: int = Field(500, ge=2, le=500, description="hard cap per group (WeChat: 500)")
    max_groups: int | None = Field(None, ge=1, description="no more groups than this; then groups fill up to max_size")
    count: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="a plain way to ask for N groups: sets max_groups to N and, "
        "unless target_size is given, target_size = ceil(members.initial / N)",
    )
    by_block: bool = Field(False, description="separate regional / interest groups per graph block")
    crowding_penalty: NonNegFloat = Field(
        1.0,
        le=100,
        description="c_g = 1 + crowding_penalty * max(0, size/target - 1) (+ unmanaged factor)",
    )
    unmanaged_decay_multiplier: float = Field(
        1.5, ge=1, le=100, description="engagement decay multiplier in a group no staff runs"
    )
    unmanaged_churn_multiplier: float = Field(
        1.5, ge=1, le=100, description="leave hazard multiplier in a group no staff runs"
    )
    vip: VipGroups = Field(default_factory=VipGroups)

    @model_validator(mode="after")
    def _check(self) -> "Groups":
        if self.target_size > self.max_size:
            raise ValueError(f"target_size ({self.target_size}) must not exceed max_size ({self.max_size})")
        return self


# --------------------------------------------------------------------------- schedules


class ScheduleSpec(EndNotBeforeStart, Strict):
    """When a recurring action happens. Give one of ``every_days``, ``posts_per_week`` or
    ``days``; with none, the action happens once on ``start_day``."""

    start_day: Day = 0
    end_day: Day | None = Field(None, description="last day (inclusive); default: horizon end")
    every_days: int | None = Field(None, ge=1, le=3650, description="interval between actions")
    per_week: int | None = Field(None, ge=1, le=7, description="actions per week, spread evenly over the week")
    days: list[Day] | None = Field(None, description="explicit days")

    @model_validator(mode="after")
    def _check(self) -> "ScheduleSpec":
        given = [x for x in (self.every_days, self.per_week, self.days) if x is not None]
        if len(given) > 1:
            raise ValueError("give only one of every_days, per_week, days")
        return self

    def action_days(self, horizon: int) -> list[int]:
        """Days (0-based, < horizon) on which the action happens."""
        end = horizon - 1 if self.end_day is None else min(self.end_day, horizon - 1)
        if self.days is not None:
            return sorted({d for d in self.days if self.start_day <= d <= end})
        if self.every_days is not None:
            return list(range(self.start_day, end + 1, self.every_days))
        if self.per_week is not None:
            offsets = sorted({(k * 7) // self.per_week for k in range(self.per_week)})
            out: list[int] = []
            week = self.start_day
            while week <= end:
                out.extend(week + o for o in offsets if week + o <= end)
                week += 7
            return out
        return [self.start_day] if self.start_day <= end else []


# --------------------------------------------------------------------------- levers


class BudgetWindow(EndNotBeforeStart, Strict):
    start_day: Day = 0
    end_day: Day | None = None
    daily_budget: NonNegFloat = Field(description="spend per day in this window (money/day)")


class Channel(EndNotBeforeStart, Strict):
    """An acquisition channel. Reach per day = ``base_reach + max_reach * (1 -
    exp(-spend / half_saturation_spend))`` people; each reached outsider joins with
    ``join_rate``. Cost per acquired member is an output, never an input."""

    kind: Literal["paid_ads", "content", "offline_store", "cross_promotion", "own_platform"] = "paid_ads"
    daily_budget: NonNegFloat = Field(0.0, description="spend per day (money/day)")
    budget_schedule: list[BudgetWindow] | None = Field(
        None, description="day ranges with their daily budget; replaces daily_budget inside them"
    )
    base_reach: NonNegFloat = Field(
        0.0, description="people reached per day without spending (free channels: people/day)"
    )
    max_reach: NonNegFloat = Field(500.0, description="extra people/day reached at saturating spend")
    half_saturation_spend: float = Field(
        300.0, gt=0, description="spend (money/day) at which 63% of max_reach is reached"
    )
    join_rate: Probability = Field(0.05, description="share of reached outsiders who join")
    cost_per_join: NonNegFloat = Field(
        0.0, description="money per member who joins through the channel (e.g. a welcome gift)"
    )
    daily_intake_cap: int | None = Field(
        None, ge=0, description="platform limit on joins per day through this channel (people)"
    )
    target_block: int | None = Field(None, ge=0, description="reach only people of this graph block")
    start_day: Day = 0
    end_day: Day | None = None
    join_engagement: Probability | None = Field(
        None, description="engagement of members joining via this channel; default members.engagement.initial"
    )

    def budget_on(self, day: int) -> float:
        if day < self.start_day or (self.end_day is not None and day > self.end_day):
            return 0.0
        if self.budget_schedule:
            for w in self.budget_schedule:
                if w.start_day <= day and (w.end_day is None or day <= w.end_day):
                    return w.daily_budget
            return 0.0
        return self.daily_budget


class CampaignBase(EndNotBeforeStart, Strict):
    start_day: Day = 0
    end_day: Day | None = Field(None, description="last day (inclusive); default: horizon end")
    budget_cap: NonNegFloat | None = Field(None, description="the campaign stops when it has spent this much (money)")
    fatigue: Probability = Field(
        0.85,
        description="effect kept at each repetition: the k-th event's lift is "
        "(lift - 1) * fatigue**k + 1; 1 = no fatigue",
    )


class InviteReward(CampaignBase):
    """Invite N friends who join -> a red envelope. Lifts invitations while it runs."""

    kind: Literal["invite_reward"] = "invite_reward"
    threshold: int = Field(5, ge=1, le=1000, description="accepted invites per reward")
    reward: NonNegFloat = Field(8.0, description="money per reward (red envelope 5–10)")
    invite_multiplier: float = Field(
        1.8, ge=1, le=100, description="lift of the invite probability when reward == reference_reward"
    )
    reference_reward: float = Field(8.0, gt=0, description="the reward at which invite_multiplier is observed (money)")
    reward_elasticity: float = Field(
        0.5,
        ge=0,
        le=5,
        description="lift = 1 + (invite_multiplier - 1) * (reward / reference_reward) ** reward_elasticity",
    )

    def effective_multiplier(self) -> float:
        """Invite-probability lift at this campaign's reward (diminishing returns)."""
        return 1.0 + (self.invite_multiplier - 1.0) * (self.reward / self.reference_reward) ** self.reward_elasticity


class CheckinCashback(CampaignBase):
    """N consecutive active days -> cashback / coupon. Lifts daily activity while it runs."""

    kind: Literal["checkin_cashback"] = "checkin_cashback"
    streak_days: int = Field(7, ge=1, le=365, description="consecutive active days per reward")
    reward: NonNegFloat = Field(5.0, description="money per reward")
    activity_multiplier: float = Field(1.2, ge=1, le=100, description="on activity probability")


class Lottery(CampaignBase):
    """A one-day surprise event: a peak of engagement, most participants win a small prize,
    then a sales pitch lifts buying the same and the next day."""

    kind: Literal["lottery"] = "lottery"
    schedule: ScheduleSpec | None = Field(None, description="event days; default: once on start_day")
    engagement_lift: NonNegFloat = Field(2.0, le=100, description="stimulus added to every group")
    win_prob: Probability = Field(0.8, description="share of participants who win")
    prize: NonNegFloat = Field(2.0, description="money per prize")
    conversion_multiplier: float = Field(1.5, ge=1, le=100, description="buying lift, event day and next")


class FlashSale(CampaignBase):
    """Flash sale (秒杀) or group buying (拼团): buying lift on event days, paid for by a
    discount on the day's revenue; group buying also lifts invitations."""

    kind: Literal["flash_sale", "group_buy"] = "flash_sale"
    schedule: ScheduleSpec | None = Field(None, description="sale days; default: once on start_day")
    duration_days: int = Field(1, ge=1, le=60, description="days each sale lasts")
    conversion_multiplier: float = Field(2.0, ge=1, le=100, description="on buying probabilities")
    invite_multiplier: float = Field(1.0, ge=1, le=100, description="on invite probability (group buying: > 1)")
    discount: Probability = Field(0.2, description="share of the sale days' revenue given away (cost)")


class Lecture(CampaignBase):
    """Free lecture or trial: an engagement peak on the day, then a discounted package
    announced right after lifts buying for ``followup_days``."""

    kind: Literal["lecture"] = "lecture"
    schedule: ScheduleSpec | None = Field(None, description="lecture days; default: once on start_day")
    cost_per_event: NonNegFloat = Field(300.0, description="speaker / material cost per lecture (money)")
    engagement_lift: NonNegFloat = Field(1.5, le=100, description="stimulus added to every group")
    followup_days: int = Field(3, ge=0, le=60, description="days of buying lift after each lecture")
    conversion_multiplier: float = Field(2.0, ge=1, le=100, description="buying lift in follow-up days")
    invite_multiplier: float = Field(
        1.0, ge=1, le=100, description="on invite probability on lecture days (e.g. collect likes for a free lesson)"
    )


class OfflineEvent(CampaignBase):
    """Offline events (meet-ups, tastings, store visits): on each event day
    ``events_per_day`` events of ``capacity`` people each, ``new_share`` of the seats for
    members who joined within ``new_member_days`` and the rest for older members (engaged
    members more likely to come). Attendees gain engagement and may buy on the spot."""

    kind: Literal["offline_event"] = "offline_event"
    schedule: ScheduleSpec | None = Field(None, description="event days; default: once on start_day")
    events_per_day: int = Field(1, ge=1, le=1000, description="events held on each event day")
    capacity: int = Field(12, ge=1, le=500, description="people per event (practice: 10–15)")
    new_share: Probability = Field(0.5, description="share of seats for new members")
    new_member_days: int = Field(30, ge=1, le=3650, description="tenure below which a member counts as new (days)")
    cost_per_event: NonNegFloat = Field(200.0, description="venue and materials per event (money)")
    cost_per_attendee: NonNegFloat = Field(30.0, description="food, gift per attendee (money)")
    engagement_lift: Probability = Field(0.5, description="engagement an attendee gains, as a share of (1-e)")
    purchase_prob: Probability = Field(0.2, description="chance an attendee buys at the event")


Campaign = Annotated[
    InviteReward | CheckinCashback | Lottery | FlashSale | Lecture | OfflineEvent,
    Field(discriminator="kind"),
]
CAMPAIGN_KINDS = (
    "invite_reward",
    "checkin_cashback",
    "lottery",
    "flash_sale",
    "group_buy",
    "lecture",
    "offline_event",
)


class StaffRole(Strict):
    """Paid people who run groups: each runs ``groups_each`` groups and splits
    ``hours_per_day`` of attention between them."""

    role: Literal["group_owner", "admin", "part_time_admin"] = "admin"
    count: int = Field(0, ge=0, le=100_000, description="people in this role")
    salary_per_month: NonNegFloat = Field(0.0, description="money per person per 30-day month")
    groups_each: int = Field(3, ge=1, le=100, description="groups each person runs (practice: 2–4)")
    hours_per_day: float = Field(2.0, gt=0, le=24, description="hours of attention per person per day")
    start_day: Day = 0


class Operations(Strict):
    """What staff attention does to the groups it reaches."""

    stimulus_per_hour: NonNegFloat = Field(
        0.5, le=100, description="group stimulus from one staff hour per day (answering, moderating)"
    )
    onboarding_boost: Probability = Field(0.2, description="engagement added to a newcomer welcomed in a managed group")
    recall_prob_per_hour: Probability = Field(
        0.02, description="daily probability that a dormant member is recalled, per staff hour on the group"
    )


class VolunteerAdmins(Strict):
    """Promote highly active members to part-time admins (paid in product or a stipend)."""

    enabled: bool = False
    start_day: Day = Field(60, description="first promotion round (practice: after 1–3 months)")
    every_days: int = Field(14, ge=1)
    per_round: int = Field(2, ge=1, le=10_000, description="members promoted per round")
    max_total: int = Field(20, ge=0, description="volunteer admins at most")
    min_tenure_days: int = Field(30, ge=0)
    groups_each: int = Field(1, ge=1, le=100)
    hours_per_day: float = Field(1.0, gt=0, le=24)
    stipend_per_month: NonNegFloat = Field(100.0, description="money (or product value) per month")


class KOL(Strict):
    """Opinion leaders posting on a schedule. A post adds stimulus to the groups that see
    it and multiplies invitations from those groups on that day."""

    kind: Literal["internal", "external"] = "external"
    count: int = Field(1, ge=1, le=10_000, description="KOLs of this kind posting on the schedule")
    schedule: ScheduleSpec = Field(default_factory=lambda: ScheduleSpec(per_week=3))
    cost_per_post: NonNegFloat = Field(0.0, description="money per post")
    engagement_lift: NonNegFloat = Field(1.0, le=100, description="stimulus per post to the groups that see it")
    referral_multiplier: float = Field(1.5, ge=1, le=100, description="on invites from those groups that day")
    groups_reached: int | None = Field(
        None, ge=1, description="groups that see a post (chosen at random per post); default: all"
    )
    min_tenure_days: int = Field(30, ge=0, description="internal KOLs: tenure needed")


class Budget(Strict):
    """Money limits. Fixed costs are always paid; discretionary spending stops at a limit."""

    total: NonNegFloat | None = Field(None, description="total money for the horizon")
    monthly_cap: NonNegFloat | None = Field(None, description="money per 30-day month")


class Economics(Strict):
    currency: str = Field("CNY", min_length=1, max_length=8)
    order_value: float = Field(120.0, gt=0, description="mean order value (money)")
    order_value_sigma: float = Field(0.4, ge=0, le=3, description="log-normal spread of order values")
    gross_margin: Probability = Field(0.4, description="margin share of revenue")
    tools_per_month: NonNegFloat = Field(0.0, description="software, devices rent (money/month)")
    devices_one_off: NonNegFloat = Field(0.0, description="one-off equipment, paid on day 0 (money)")


class Replay(Strict):
    """Observed joins replayed as they happened (calibration: "we know our sign-ups")."""

    daily_joins: list[Annotated[int, Field(ge=0)]] = Field(description="joins on day start_day + i")
    start_day: Day = 0


# --------------------------------------------------------------------------- scenario


class Scenario(Strict):
    """One plan: the market, the members, the groups, the levers and the money."""

    name: Name = Field(min_length=1, max_length=200)
    description: str = ""
    locale: Literal["zh", "en"] | None = Field(
        None,
        description="language of reports and messages for this plan (zh or en); "
        "default: --lang, else the environment's locale",
    )
    start_date: datetime.date | None = Field(
        None,
        description="calendar date of day 0 (YYYY-MM-DD); with it, charts and tables show "
        "dates and day windows (start_day, end_day, days) may be given as dates",
    )
    seed: int = Field(20261122, ge=0, le=2**63 - 1)
    horizon_days: int = Field(180, ge=1, le=3650, description="days simulated")
    replicates: int = Field(20, ge=1, le=MAX_REPLICATES, description="Monte Carlo runs")
    market: Market = Field(default_factory=Market)
    members: Members = Field(default_factory=Members)
    groups: Groups = Field(default_factory=Groups)
    economics: Economics = Field(default_factory=Economics)
    budget: Budget = Field(default_factory=Budget)
    operations: Operations = Field(default_factory=Operations)
    staff: dict[str, StaffRole] = Field(default_factory=dict)
    volunteer_admins: VolunteerAdmins = Field(default_factory=VolunteerAdmins)
    kols: dict[str, KOL] = Field(default_factory=dict)
    campaigns: dict[str, Campaign] = Field(default_factory=dict)
    channels: dict[str, Channel] = Field(default_factory=dict)
    replay: Replay | None = None
    fatigue: Fatigue = Field(default_factory=Fatigue)
    moderation: Moderation = Field(default_factory=Moderation)
    self_organisation: SelfOrganisation = Field(default_factory=SelfOrganisation)
    group_health: GroupHealth = Field(default_factory=GroupHealth)
    targets: list[Target] = Field(default_factory=list, description="stage targets (scenario/targets.py)")
    checkpoints: Checkpoints = Field(default_factory=Checkpoints, description="days of KPI tables")
    decision: Decision = Field(default_factory=Decision, description="what the best plan means")

    @model_validator(mode="before")
    @classmethod
    def _infer_kinds(cls, data: Any) -> Any:
        """``campaigns.invite_reward: {...}`` needs no ``kind``: the key names it; likewise
        ``staff.part_time_admin`` implies its role."""
        from growthsim.scenario.dates import resolve_dates  # noqa: PLC0415
        from growthsim.scenario.plain import expand_group_count  # noqa: PLC0415

        data = expand_group_count(resolve_dates(data))
        if isinstance(data, dict):
            camps = data.get("campaigns")
            if isinstance(camps, dict):
                fixed = {}
                for key, val in camps.items():
                    if isinstance(val, dict) and "kind" not in val and key in CAMPAIGN_KINDS:
                        val = {**val, "kind": key}
                    fixed[key] = val
                data = {**data, "campaigns": fixed}
            staff = data.get("staff")
            if isinstance(staff, dict):
                fixed = {}
                for key, val in staff.items():
                    if (
                        isinstance(val, dict)
                        and "role" not in val
                        and key
                        in (
                            "group_owner",
                            "admin",
                            "part_time_admin",
                        )
                    ):
                        val = {**val, "role": key}
                    fixed[key] = val
                data = {**data, "staff": fixed}
        return data

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        if self.members.initial > self.market.size:
            raise ValueError(
                f"members.initial: {self.members.initial} initial members exceed market.size ({self.market.size} people)"
            )
        g = self.groups
        if g.max_groups is not None and self.members.initial > g.max_groups * g.max_size:
            room = g.max_groups * g.max_size
            raise ValueError(
                f"members.initial: {self.members.initial} initial members do not fit in the groups: "
                f"expected at most groups.max_groups * groups.max_size = {g.max_groups} * {g.max_size} "
                f"= {room} people, found {self.members.initial}"
            )
        h = self.horizon_days
        names: dict[str, str] = {}
        for section in ("channels", "campaigns", "kols"):
            for key in getattr(self, section):
                if key in names:
                    raise ValueError(
                        f"{section}.{key}: the name '{key}' is already used in {names[key]}; names must be unique"
                    )
                names[key] = section

        def past(where: str, day: int | None) -> None:
            if day is not None and day >= h:
                raise ValueError(f"{where}: day {day} is past the horizon (days 0..{h - 1})")

        for key, ch in self.channels.items():
            past(f"channels.{key}.start_day", ch.start_day)
            for i, w in enumerate(ch.budget_schedule or []):
                past(f"channels.{key}.budget_schedule.{i}.start_day", w.start_day)
            if ch.target_block is not None and ch.target_block >= self.market.graph.blocks:
                raise ValueError(
                    f"channels.{key}.target_block: block {ch.target_block} does not exist, market.graph.blocks "
                    f"is {self.market.graph.blocks} (blocks are numbered 0..{self.market.graph.blocks - 1})"
                )
        for key, c in self.campaigns.items():
            past(f"campaigns.{key}.start_day", c.start_day)
            sched = getattr(c, "schedule", None)
            if sched is not None:
                past(f"campaigns.{key}.schedule.start_day", sched.start_day)
                for d in sched.days or []:
                    past(f"campaigns.{key}.schedule.days", d)
        for key, k in self.kols.items():
            past(f"kols.{key}.schedule.start_day", k.schedule.start_day)
            for d in k.schedule.days or []:
                past(f"kols.{key}.schedule.days", d)
        for key, s in self.staff.items():
            past(f"staff.{key}.start_day", s.start_day)
        if self.replay is not None:
            past("replay.start_day", self.replay.start_day)
        for i, t in enumerate(self.targets):
            if t.checkpoint > h:
                key = "day" if t.day is not None else "month"
                raise ValueError(
                    f"targets.{i}.{key}: checkpoint day {t.checkpoint} is past the horizon "
                    f"(expected at most horizon_days = {h}; days count days elapsed)"
                )
        for i, d in enumerate(self.checkpoints.days):
            if d > h:
                raise ValueError(
                    f"checkpoints.days.{i}: day {d} is past the horizon (expected at most horizon_days = {h})"
                )
        return self

    def campaign_event_days(self, key: str) -> list[int]:
        """Days on which campaign ``key`` holds an event (lottery, sale, lecture)."""
        c = self.campaigns[key]
        sched = getattr(c, "schedule", None) or ScheduleSpec(start_day=c.start_day)
        end = self.horizon_days - 1 if c.end_day is None else min(c.end_day, self.horizon_days - 1)
        return [d for d in sched.action_days(self.horizon_days) if c.start_day <= d <= end]
