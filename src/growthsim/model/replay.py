"""The two rules for a plan's replayed joins (``scenario.replay``).

``"added"`` (:class:`CommunityModel` itself; ``growthsim run``): on the replayed days the
observed joins come on top of the model's own joins (organic, referral, channels).

``"exclusive"`` (:class:`ExclusiveReplayModel`; ``growthsim calibrate`` / ``forecast``): on
the replayed days the observed joins are the only joins (no organic joins, no accepted
invitations, no channel joins; channel spend is still booked as the plan says); from the
day after, the model's own acquisition takes over. This is what "the history replayed as it
happened, the plan acting after" means for a forecast.
"""

from __future__ import annotations

from typing import Literal

from growthsim.model.community import CommunityModel
from growthsim.scenario.schema import Scenario

ReplayRule = Literal["added", "exclusive"]
REPLAY_RULES: tuple[str, ...] = ("added", "exclusive")

__all__ = ["REPLAY_RULES", "ExclusiveReplayModel", "ReplayRule", "model_class"]


class ExclusiveReplayModel(CommunityModel):
    """A :class:`CommunityModel` whose replayed days have no other joins."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._after = self.plan
        rp = self.plan.replay
        self._replay_days = (rp.start_day, rp.start_day + len(rp.daily_joins)) if rp is not None else (0, 0)
        m = self.plan.members
        quiet = m.model_copy(
            update={
                "organic_join_prob": 0.0,
                "referral": m.referral.model_copy(update={"invite_prob": 0.0}),
            }
        )
        self._during = self.plan.model_copy(update={"members": quiet})

    def enter_day(self) -> None:
        """Before the day's passes (its morning done): on a replayed day the plan without
        the model's own joins and no channel today. A :class:`CommunityBatch` calls this
        and :meth:`leave_day` around each day of its models."""
        lo, hi = self._replay_days
        if lo <= self.day < hi:
            self.plan = self._during
            self.today.channels = []
        else:
            self.plan = self._after

    def leave_day(self) -> None:
        self.plan = self._after

    def step(self) -> None:
        self.enter_day()
        try:
            super().step()
        finally:
            self.leave_day()


def model_class(scenario: Scenario, replay: ReplayRule = "added") -> type[CommunityModel]:
    """The model class that runs ``scenario`` under the replay rule ``replay``."""
    if replay not in REPLAY_RULES:
        raise ValueError(f"replay rule must be one of {', '.join(REPLAY_RULES)}, not {replay!r}")
    if replay == "exclusive" and scenario.replay is not None:
        return ExclusiveReplayModel
    return CommunityModel
