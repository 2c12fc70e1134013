"""The codes stored in a :class:`growthsim.population.Population`'s arrays: a person's
status, how they joined (source) and their role. One definition, shared by the population,
the levers, the kernels (numba reads module-level integers as compile-time constants), the
reference model and the members view of :class:`growthsim.model.community.CommunityModel`;
and the names of the daily series a run records (its time series' columns).
"""

from __future__ import annotations

# status (Population.status, int8)
OUTSIDER = 0  # never joined
MEMBER = 1
DORMANT = 2  # silent too long, still in a group
CHURNED = 3  # left for good
STATUS_NAMES = {OUTSIDER: "outsider", MEMBER: "member", DORMANT: "dormant", CHURNED: "churned"}

# source (Population.source, int16; -1: never joined)
SRC_NONE = -1
SRC_INITIAL = 0
SRC_ORGANIC = 1
SRC_REFERRAL = 2
SRC_REPLAY = 3
SRC_CHANNEL0 = 4  # channel k (in the plan's order) has source SRC_CHANNEL0 + k
SOURCE_NAMES = {SRC_INITIAL: "initial", SRC_ORGANIC: "organic", SRC_REFERRAL: "referral", SRC_REPLAY: "replay"}

# role (Population.role, int8)
ROLE_MEMBER = 0
ROLE_INTERNAL_KOL = 1
ROLE_VOLUNTEER_ADMIN = 2
ROLE_MEMBER_ADMIN = 3  # a member who opened or took over a group and runs it (model.selforg)
ROLE_NAMES = {
    ROLE_MEMBER: "member",
    ROLE_INTERNAL_KOL: "internal_kol",
    ROLE_VOLUNTEER_ADMIN: "volunteer_admin",
    ROLE_MEMBER_ADMIN: "member_admin",
}

# tier (Population.tier, int8): from the contribution score (scenario members.tiers);
# "new" also holds members who lost the active tier
TIER_NEW = 0
TIER_ACTIVE = 1
TIER_CORE = 2
TIER_KOC = 3  # key opinion consumer: a core member who brings in people and buys
TIER_NAMES = {TIER_NEW: "new", TIER_ACTIVE: "active", TIER_CORE: "core", TIER_KOC: "koc"}


# the daily series (CommunityModel.counter_names): "day", SERIES_MEMBERS, one new_<source>
# per source, SERIES_MONEY, one cost_<category> per cost category, SERIES_GROUPS,
# SERIES_LIFE, SERIES_TIERS
SERIES_MEMBERS = ("members", "active", "wau", "mau", "dormant", "churned", "new_members")
SERIES_MONEY = (
    "invites_sent",
    "invites_accepted",
    "paying",
    "first_purchases",
    "purchases",
    "revenue",
    "gross_margin",
    "cost",
)
SERIES_GROUPS = ("groups", "managed_groups", "vip_members", "recalled", "woken", "budget_blocked")
# group life (model.social): the health levels (metrics.health), then what the rules count
SERIES_HEALTH = ("health_red", "health_yellow", "health_blue", "groups_rated")
SERIES_LIFE = (
    *SERIES_HEALTH,
    "muted",
    "ads_posted",
    "ads_caught",
    "removed_for_ads",
    "member_run_groups",
    "subgroups_opened",
    "offline_attendees",
)
# member tiers (model.membership)
SERIES_TIERS = ("active_tier_members", "core_members", "koc_members")
SERIES_PREFIXES = ("new_", "cost_")


def source_names(channel_names: list[str]) -> dict[int, str]:
    """Source code -> name for a plan whose channels are ``channel_names`` (in order);
    channel sources are named ``channel:<name>``."""
    out = {SRC_NONE: "", **SOURCE_NAMES}
    out.update({SRC_CHANNEL0 + k: f"channel:{name}" for k, name in enumerate(channel_names)})
    return out


__all__ = [
    "CHURNED",
    "DORMANT",
    "MEMBER",
    "OUTSIDER",
    "STATUS_NAMES",
    "SRC_CHANNEL0",
    "SRC_INITIAL",
    "SRC_NONE",
    "SRC_ORGANIC",
    "SRC_REFERRAL",
    "SRC_REPLAY",
    "SOURCE_NAMES",
    "ROLE_INTERNAL_KOL",
    "ROLE_MEMBER",
    "ROLE_MEMBER_ADMIN",
    "ROLE_NAMES",
    "ROLE_VOLUNTEER_ADMIN",
    "TIER_NEW",
    "TIER_ACTIVE",
    "TIER_CORE",
    "TIER_KOC",
    "TIER_NAMES",
    "SERIES_GROUPS",
    "SERIES_HEALTH",
    "SERIES_LIFE",
    "SERIES_TIERS",
    "SERIES_MEMBERS",
    "SERIES_MONEY",
    "SERIES_PREFIXES",
    "source_names",
]
