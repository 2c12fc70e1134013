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
ROLE_NAMES = {ROLE_MEMBER: "member", ROLE_INTERNAL_KOL: "internal_kol", ROLE_VOLUNTEER_ADMIN: "volunteer_admin"}


# the daily series (CommunityModel.counter_names): "day", SERIES_MEMBERS, one new_<source>
# per source, SERIES_MONEY, one cost_<category> per cost category, SERIES_GROUPS
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
    "ROLE_NAMES",
    "ROLE_VOLUNTEER_ADMIN",
    "SERIES_GROUPS",
    "SERIES_MEMBERS",
    "SERIES_MONEY",
    "SERIES_PREFIXES",
    "source_names",
]
