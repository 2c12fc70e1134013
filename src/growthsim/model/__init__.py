"""The engine: :class:`CommunityModel` (a ``mesa.Model``) and what it is made of.

- :mod:`~growthsim.model.community`: the model and :func:`seed_sequence`;
- :mod:`~growthsim.model.seeding`: how ``seed`` / ``rng`` are read (:func:`base_seed`),
  :class:`PastHorizonError`;
- :mod:`~growthsim.model.levers`: channels, campaigns, staff, KOLs, VIP (``mesa.Agent``\\ s);
- :mod:`~growthsim.model.ledger`: money, budget caps;
- :mod:`~growthsim.model.series`: :class:`DailySeries`, the model's ``DataCollector``;
- :mod:`~growthsim.model.members`: read-only member views (``members_frame``, ``MemberSet``);
- :mod:`~growthsim.model.replay`: the rules for replayed joins.

    from growthsim.model import CommunityModel
    model = CommunityModel(plan, rng=42)
    model.run()
    model.datacollector.get_model_vars_dataframe(); model.members_frame()
"""

from growthsim.model.community import CommunityModel, Today, seed_sequence
from growthsim.model.ledger import Ledger
from growthsim.model.levers import (
    CAMPAIGN_AGENTS,
    MORNING,
    CampaignAgent,
    ChannelAgent,
    KOLAgent,
    Lever,
    StaffAgent,
    VipProgram,
    VolunteerAdminsAgent,
)
from growthsim.model.members import MEMBER_COLUMNS, MEMBER_SET_LIMIT, Member, MemberSet, members_frame
from growthsim.model.replay import REPLAY_RULES, ExclusiveReplayModel, ReplayRule, model_class
from growthsim.model.seeding import PLAN_SEED, PastHorizonError, base_seed
from growthsim.model.series import DailySeries

__all__ = [
    "CAMPAIGN_AGENTS",
    "MEMBER_COLUMNS",
    "MEMBER_SET_LIMIT",
    "MORNING",
    "PLAN_SEED",
    "REPLAY_RULES",
    "CampaignAgent",
    "ChannelAgent",
    "CommunityModel",
    "DailySeries",
    "ExclusiveReplayModel",
    "KOLAgent",
    "Ledger",
    "Lever",
    "Member",
    "MemberSet",
    "PastHorizonError",
    "ReplayRule",
    "StaffAgent",
    "Today",
    "VipProgram",
    "VolunteerAdminsAgent",
    "base_seed",
    "members_frame",
    "model_class",
    "seed_sequence",
]
