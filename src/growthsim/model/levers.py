"""Scheduled actors: channels, campaigns, staff, volunteer admins, KOLs, VIP selection.

Each is a ``mesa.Agent`` whose scheduled actions (Mesa event scheduling: ``schedule_event``
and ``schedule_recurring``) fire on the morning of their day — model time ``day + 0.5`` —
and only set that day's stimulus, multipliers and spend. Actions repeated every day of a
window (a channel's spend, a campaign's daily terms, staff at work) are standing orders
of the model's two daily morning rounds (:meth:`CommunityModel.standing_order`: one Mesa
recurring event per round, not one per actor per day). A morning runs, in this order:
high-priority events (the high round — staff, volunteer admins, fixed costs — and the VIP
selection and volunteer promotion rounds), one-off events (KOL posts, lottery, sale and
lecture days) in the order they were scheduled, then the default round (channels,
campaigns). The per-member work happens in the day's kernel passes, which call back the
hooks ``after_activity``, ``after_referral`` and ``after_conversion`` where money depends
on what members did. In a :class:`~growthsim.model.batch.CommunityBatch` the same events run
on one Mesa schedule for all the batch's replicates (:mod:`growthsim.model.batch_levers`),
and a standing order with a form for the batch (:func:`batch_form`) runs once for all of
them.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from growthsim.kernels import rng as KR
from growthsim.model.ledger import Ledger
from growthsim.vocab import DORMANT, MEMBER, ROLE_INTERNAL_KOL, ROLE_MEMBER, ROLE_VOLUNTEER_ADMIN

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel
    from growthsim.scenario import schema as S

MORNING = 0.5  # actions for day d fire at model time d + MORNING
MIN_MONEY = 0.01  # a campaign paying in proportion to sales needs at least this much left (money)


def fatigued(lift: float, k: int, fatigue: float, baseline: float = 1.0) -> float:
    """Effect of the k-th repetition (k = 0 first): ``baseline + (lift - baseline) * fatigue**k``."""
    return baseline + (lift - baseline) * fatigue**k


HOOKS = ("after_activity", "after_referral", "after_conversion")


def no_op_hook(fn):
    """Mark ``fn`` (an ``after_*`` hook) as doing nothing: the day does not call it."""
    fn.no_op = True
    return fn


@functools.cache
def _class_hooks(cls: type) -> tuple[bool, bool, bool]:
    fns = [getattr(cls, h, None) for h in HOOKS]
    return tuple(f is not None and not getattr(f, "no_op", False) for f in fns)  # type: ignore[return-value]


def live_hooks(agent) -> tuple[bool, bool, bool]:
    """Which of ``agent``'s hooks (:data:`HOOKS`, in that order) do something: those its
    class defines and does not mark :func:`no_op_hook`; an agent may narrow them by an
    attribute ``live_hooks`` of its own (e.g. group life without ads)."""
    own = getattr(agent, "live_hooks", None)
    return _class_hooks(type(agent)) if own is None else own  # type: ignore[arg-type]


def batch_form(order, for_all) -> None:
    """Give ``order`` (a lever's method: a standing order, a scheduled event or an
    ``after_*`` hook) its form for a batch: ``for_all(levers, day)`` (for a hook,
    ``for_all(levers, args)``, ``args[i]`` what ``levers[i]``'s hook is given) does, for
    each replicate's lever of ``levers``, what ``order`` does for one, computing once what
    is the same in every replicate (a plan's salaries, slots, a channel's budget) or
    doing the array work once over the batch's stacked arrays (VIP selection, the invite
    reward's counts). A :class:`~growthsim.model.batch.CommunityBatch` calls it instead of
    the method of every replicate (``model.batch_levers``, ``community.run_day``);
    replicates share no state, so only each replicate's own order of actions matters."""
    order.for_all = for_all


def _ordinary_members(pop, day: int, min_tenure_days: int) -> np.ndarray:
    """Ids of current members without a role who joined at least ``min_tenure_days`` ago
    (the candidates for volunteer admins and internal KOLs)."""
    return np.nonzero(
        (pop.status == MEMBER)
        & (pop.role == ROLE_MEMBER)
        & (pop.join_day >= 0)
        & (day - pop.join_day >= min_tenure_days)
    )[0]


class Lever(mesa.Agent):
    """Base: a named, scheduled actor with a ledger category."""

    category_prefix = ""

    def __init__(self, model: "CommunityModel", name: str):
        super().__init__(model)
        self.name = name
        # the lever's random stream: its draws are keyed by (seed, day, purpose, ..., stream)
        # like the members' (common random numbers, whatever other levers the plan has)
        self.stream = KR.stream_key(f"{self.category_prefix}:{name}")

    @property
    def category(self) -> str:
        return f"{self.category_prefix}:{self.name}"

    # schedule helpers ---------------------------------------------------------------
    def every_day(self, fn, start: int, end: int | None, priority: Priority = Priority.DEFAULT) -> None:
        """Call ``fn`` each morning of days ``start..end`` (``None``: to the horizon)."""
        self.model.standing_order(fn, start, end, priority)

    def every_n_days(self, fn, every: int, start: int, priority: Priority = Priority.HIGH) -> None:
        """Call ``fn`` on the mornings of days ``start, start + every, ...`` to the horizon."""
        h = self.model.horizon
        self.model.schedule_recurring(
            fn, Schedule(interval=every, start=start + MORNING, end=h - 1 + MORNING), priority=priority
        )

    def on_days(self, fn, days: list[int], priority: Priority = Priority.DEFAULT) -> None:
        for d in days:
            self.model.schedule_event(fn, at=d + MORNING, priority=priority)

    # hooks called by the model during the day (those not overridden are not called) -----
    @no_op_hook
    def after_activity(self, active_ids: np.ndarray) -> None:  # pragma: no cover - default
        pass

    @no_op_hook
    def after_referral(self, referrers: np.ndarray) -> None:  # pragma: no cover - default
        pass

    @no_op_hook
    def after_conversion(self, revenue: float) -> None:  # pragma: no cover - default
        pass


# ----------------------------------------------------------------------------- channels


class ChannelAgent(Lever):
    """An acquisition channel: spends today's budget, reaches people with diminishing
    returns, and reached outsiders join at the channel's rate."""

    category_prefix = "channel"

    def __init__(self, model, name: str, spec: "S.Channel", index: int):
        super().__init__(model, name)
        self.spec = spec
        self.index = index
        self.reach_today = 0
        self.spend_total = 0.0
        self._money_cap = -1
        self.every_day(self.open_day, spec.start_day, spec.end_day)

    def open_day(self) -> None:
        m = self.model
        day = m.day
        budget = self.spec.budget_on(day)
        spend = m.ledger.request(day, self.category, budget) if budget > 0 else 0.0
        self.spend_total += spend
        reach = self.spec.base_reach + self.spec.max_reach * (1.0 - math.exp(-spend / self.spec.half_saturation_spend))
        whole = int(reach)
        frac = reach - whole
        up = frac > 0 and KR.uniform(m.kernel_seed, day, KR.P_CHANNEL_REACH, 0, self.stream) < frac
        self.reach_today = whole + (1 if up else 0)
        m.today.channels.append(self)

    @staticmethod
    def open_day_all(chans: list["ChannelAgent"], day: int) -> None:
        """:meth:`open_day` for a batch: without a budget today the reach is the same in
        every replicate (only the rounding draw, keyed by each replicate's seed, differs)."""
        s = chans[0].spec
        budget = s.budget_on(day)
        if budget > 0:
            for ch in chans:
                ch.open_day()
            return
        reach = s.base_reach + s.max_reach * (1.0 - math.exp(-0.0 / s.half_saturation_spend))
        whole = int(reach)
        frac = reach - whole
        for ch in chans:
            m = ch.model
            ch.spend_total += 0.0
            up = frac > 0 and KR.uniform(m.kernel_seed, day, KR.P_CHANNEL_REACH, 0, ch.stream) < frac
            ch.reach_today = whole + (1 if up else 0)
            m.today.channels.append(ch)

    def intake_cap(self) -> int:
        """Most joins allowed through the channel now (-1: no limit): the platform's
        ``daily_intake_cap`` and, with a ``cost_per_join``, the joins the money left can
        pay for (each join's cost is paid in full, before the join)."""
        s, m = self.spec, self.model
        cap = -1 if s.daily_intake_cap is None else int(s.daily_intake_cap)
        self._money_cap = -1
        if s.cost_per_join > 0:
            afford = m.ledger.affordable_units(m.day, s.cost_per_join)
            if cap < 0 or afford < cap:
                cap = self._money_cap = afford
        return cap

    def pay_joins(self, joins: int) -> None:
        """Pay ``cost_per_join`` for ``joins`` people let in under :meth:`intake_cap`; a day
        on which the money, not the platform, capped the intake is marked blocked."""
        s, m = self.spec, self.model
        if s.cost_per_join > 0:
            if joins:
                m.ledger.request_units(m.day, self.category, s.cost_per_join, joins)
            if self._money_cap >= 0 and joins >= self._money_cap:
                m.ledger.mark_blocked(m.day)


# ----------------------------------------------------------------------------- campaigns


class CampaignAgent(Lever):
    """Base campaign: active between start and end day until its budget cap is spent.

    Money: a campaign stops for good once its own ``budget_cap`` cannot cover what it owes
    (``stopped_day``). When the ledger refuses money (the plan's total budget or the
    month's cap is used up) the campaign only pauses for the rest of that day and tries
    again the next day, so a monthly cap cuts activities until the next month starts
    instead of ending them."""

    category_prefix = "campaign"

    def __init__(self, model, name: str, spec):
        super().__init__(model, name)
        self.spec = spec
        self.spent = 0.0
        self.stopped_day: int | None = None
        self.paused_day: int | None = None
        self.events = 0

    @property
    def running(self) -> bool:
        """Neither stopped at its cap nor paused today for lack of money."""
        return self.stopped_day is None and self.paused_day != self.model.day

    def cap_left(self) -> float:
        """Money left under the campaign's own ``budget_cap`` (inf without a cap)."""
        return math.inf if self.spec.budget_cap is None else max(0.0, self.spec.budget_cap - self.spent)

    def can_afford(self, amount: float) -> bool:
        """Whether ``amount`` can be paid today; stops or pauses the campaign if not (a
        lever idle for lack of budget is reported as a blocked day by the ledger)."""
        if not self.running:
            return False
        if amount <= 0:
            return True
        if self.cap_left() < amount - 1e-9:
            self.stopped_day = self.model.day
            return False
        if self.model.ledger.available(self.model.day) < amount - 1e-9:
            self.model.ledger.mark_blocked(self.model.day)
            self.paused_day = self.model.day
            return False
        return True

    def pay(self, amount: float) -> float:
        """Pay up to ``amount`` (money) within the cap and the budget; stop (own cap) or
        pause for the day (budget) when cut short. Returns what was paid."""
        m = self.model
        if not self.running or amount <= 0:
            return 0.0
        cap_left = self.cap_left()
        want = min(amount, cap_left)
        granted = m.ledger.request(m.day, self.category, want) if want > 0 else 0.0
        self.spent += granted
        if granted < amount - 1e-9:
            if cap_left < amount - 1e-9:
                self.stopped_day = m.day
            else:
                self.paused_day = m.day
        return granted

    def pay_units(self, unit_cost: float, n: int) -> int:
        """Pay ``n`` whole units (rewards, prizes, events) of ``unit_cost`` each, as many as
        the cap and the budget allow; each unit is paid in full or not at all. Stops or
        pauses the campaign as :meth:`pay` does. Returns the units paid."""
        m = self.model
        if not self.running or n <= 0:
            return 0
        if unit_cost <= 0:
            return n
        cap_units = n
        if self.spec.budget_cap is not None:
            affordable = (self.cap_left() + 1e-9) / unit_cost  # inf for a tiny unit
            cap_units = n if affordable >= n else int(math.floor(affordable))
        k = m.ledger.request_units(m.day, self.category, unit_cost, cap_units) if cap_units > 0 else 0
        self.spent += k * unit_cost
        if k < n:
            if cap_units < n:
                self.stopped_day = m.day
            else:
                self.paused_day = m.day
        return k

    def in_window(self, day: int) -> bool:
        return day >= self.spec.start_day and (self.spec.end_day is None or day <= self.spec.end_day)


class InviteRewardAgent(CampaignAgent):
    """Invite ``threshold`` friends who join -> ``reward``; invitations lifted while running
    (only on days when at least one reward can still be paid)."""

    def __init__(self, model, name, spec: "S.InviteReward"):
        super().__init__(model, name, spec)
        self.counts = np.zeros(model.pop.n, dtype=np.int64)
        self._stack: tuple[np.ndarray, int] | None = None  # in a batch: _stacked()
        self.rewards = 0
        self.unpaid = 0
        self.every_day(self.run_day, spec.start_day, spec.end_day)

    def run_day(self) -> None:
        if self.can_afford(self.spec.reward):
            self.model.today.m_invite *= self.spec.effective_multiplier()
            self.model.today.watch(self)

    def after_referral(self, referrers: np.ndarray) -> None:
        if not self.running or len(referrers) == 0:
            return
        t = self.spec.threshold
        uniq, n_acc = np.unique(referrers, return_counts=True)
        before = self.counts[uniq] // t
        self.counts[uniq] += n_acc
        due = int((self.counts[uniq] // t - before).sum())
        self._reward(due)

    def _reward(self, due: int) -> None:
        if due:
            paid = self.pay_units(self.spec.reward, due)
            self.rewards += paid
            self.unpaid += due - paid

    def _stacked(self) -> tuple[np.ndarray, int]:
        """The accepted-invitation counts of this campaign in every replicate of the
        model's batch as one ``(replicates x people)`` table (each agent's ``counts`` a view
        of its row, built the first time), and this agent's row."""
        if self._stack is None:
            models = self.model._batch.models
            k = self.model.campaigns.index(self)
            agents = [m.campaigns[k] for m in models]
            stack = np.stack([a.counts for a in agents])
            for r, a in enumerate(agents):
                a.counts, a._stack = stack[r], (stack, r)
        assert self._stack is not None
        return self._stack

    @staticmethod
    def after_referral_all(agents: list["InviteRewardAgent"], referrers: list[np.ndarray]) -> None:
        """:meth:`after_referral` of one campaign in several replicates of a batch: the
        rewards due from one ``np.unique`` over the replicates' referrers (keyed
        ``row * people + id``) on the stacked counts; each replicate then pays its own."""
        live = [(a, x) for a, x in zip(agents, referrers) if len(x) and a.running]
        if len(live) < 2 or live[0][0].model._batch is None:
            for a, x in live:
                a.after_referral(x)
            return
        stack, _ = live[0][0]._stacked()
        n = stack.shape[1]
        rows = np.array([a._stacked()[1] for a, _ in live], dtype=np.int64)
        lens = np.array([len(x) for _, x in live], dtype=np.int64)
        keys = np.concatenate([x for _, x in live]).astype(np.int64) + np.repeat(rows * n, lens)
        uniq, n_acc = np.unique(keys, return_counts=True)
        flat = stack.reshape(-1)
        t = live[0][0].spec.threshold
        before = flat[uniq] // t
        flat[uniq] += n_acc
        due = np.bincount(uniq // n, weights=flat[uniq] // t - before, minlength=stack.shape[0])
        for (a, _), r in zip(live, rows.tolist()):
            a._reward(int(due[r]))


class CheckinAgent(CampaignAgent):
    """``streak_days`` consecutive active days -> ``reward``; activity lifted while running
    (only on days when at least one reward can still be paid). Streaks count from the
    campaign's first day: days active before it started earn nothing."""

    def __init__(self, model, name, spec: "S.CheckinCashback"):
        super().__init__(model, name, spec)
        self.rewards = 0
        self.unpaid = 0
        self.every_day(self.run_day, spec.start_day, spec.end_day)

    def run_day(self) -> None:
        if self.can_afford(self.spec.reward):
            self.model.today.m_act *= self.spec.activity_multiplier
            self.model.today.watch(self)

    def streaks_completed(self, active_ids: np.ndarray) -> int:
        """Members active today whose run of active days inside the campaign reached a
        multiple of ``streak_days`` today."""
        days_in = self.model.day - self.spec.start_day + 1
        run = np.minimum(self.model.pop.streak[active_ids], days_in)
        return int(((run > 0) & (run % self.spec.streak_days == 0)).sum())

    def after_activity(self, active_ids: np.ndarray) -> None:
        if not self.running:
            return
        hits = self.streaks_completed(active_ids)
        if hits:
            paid = self.pay_units(self.spec.reward, hits)
            self.rewards += paid
            self.unpaid += hits - paid


class EventCampaignAgent(CampaignAgent):
    """A campaign holding events on scheduled days (lottery, sale, lecture)."""

    def __init__(self, model, name, spec):
        super().__init__(model, name, spec)
        self.on_days(self.event, model.plan.campaign_event_days(name))

    def lift(self, value: float, baseline: float = 1.0) -> float:
        return fatigued(value, self.events, self.spec.fatigue, baseline)

    def event(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class LotteryAgent(EventCampaignAgent):
    """One-day peak: stimulus to every group, each member active that day takes part and
    wins a ``prize`` with ``win_prob``; buying lifted that day and the next. Held only when
    at least one prize can be paid."""

    def __init__(self, model, name, spec: "S.Lottery"):
        super().__init__(model, name, spec)
        self.participants = 0
        self.winners = 0

    def event(self) -> None:
        if not self.can_afford(self.spec.prize):
            return
        t = self.model.today
        t.stimulus += self.lift(self.spec.engagement_lift, 0.0)
        conv = self.lift(self.spec.conversion_multiplier)
        t.m_conv *= conv
        self.model.boost_tomorrow_conversion(conv)
        t.watch(self)
        self.events += 1

    def after_activity(self, active_ids: np.ndarray) -> None:
        if not self.running:
            return
        m = self.model
        n = len(active_ids)
        # each participant wins with win_prob on their own keyed draw (a binomial count)
        winners = (
            KR.count_below(m.kernel_seed, m.day, KR.P_LOTTERY, active_ids, self.stream, float(self.spec.win_prob))
            if n
            else 0
        )
        self.participants += n
        self.winners += self.pay_units(self.spec.prize, winners)


class SaleAgent(EventCampaignAgent):
    """Flash sale / group buying: buying (and for group buying, invitations) lifted over
    ``duration_days``; the discount on those days' revenue is the campaign's cost. A sale
    starts only when money is left under the cap and in the budget."""

    def __init__(self, model, name, spec: "S.FlashSale"):
        super().__init__(model, name, spec)
        self._k = 0

    def event(self) -> None:
        if not self.can_afford(MIN_MONEY):
            return
        self._k = self.events
        self.events += 1
        self.sale_day()
        last = self.model.horizon - 1 if self.spec.end_day is None else min(self.spec.end_day, self.model.horizon - 1)
        for offset in range(1, self.spec.duration_days):
            d = self.model.day + offset
            if d <= last:  # a sale does not run past the campaign's end_day
                self.model.schedule_event(self.sale_day, at=d + MORNING)

    def sale_day(self) -> None:
        if not self.running:
            return
        t = self.model.today
        t.m_conv *= fatigued(self.spec.conversion_multiplier, self._k, self.spec.fatigue)
        t.m_invite *= fatigued(self.spec.invite_multiplier, self._k, self.spec.fatigue)
        t.watch(self)

    def after_conversion(self, revenue: float) -> None:
        if self.running:
            self.pay(self.spec.discount * revenue)


class LectureAgent(EventCampaignAgent):
    """Free lecture / trial: stimulus on the day (``cost_per_event`` each, paid in full or
    the lecture is not held), then a discounted package lifts buying for ``followup_days``."""

    def event(self) -> None:
        if not self.running:
            return
        if self.pay_units(self.spec.cost_per_event, 1) < 1:
            return  # not held: no money
        t = self.model.today
        t.stimulus += self.lift(self.spec.engagement_lift, 0.0)
        t.m_invite *= self.lift(self.spec.invite_multiplier)
        conv = self.lift(self.spec.conversion_multiplier)
        for d in range(1, self.spec.followup_days + 1):
            self.model.boost_conversion_on(self.model.day + d, conv)
        self.events += 1


CAMPAIGN_AGENTS = {
    "invite_reward": InviteRewardAgent,
    "checkin_cashback": CheckinAgent,
    "lottery": LotteryAgent,
    "flash_sale": SaleAgent,
    "group_buy": SaleAgent,
    "lecture": LectureAgent,
}


# ----------------------------------------------------------------------------- people


class StaffAgent(Lever):
    """A staff role: ``count`` people, each running ``groups_each`` groups with
    ``hours_per_day`` of attention split between them; salaries are fixed costs."""

    category_prefix = "staff"

    def __init__(self, model, name: str, spec: "S.StaffRole"):
        super().__init__(model, name)
        self.spec = spec
        if spec.count > 0:
            self.every_day(self.work, spec.start_day, None, priority=Priority.HIGH)

    def work(self) -> None:
        s = self.spec
        m = self.model
        m.ledger.pay_fixed(m.day, "staff", s.count * s.salary_per_month / 30.0)
        m.today.add_slots(s.count * s.groups_each, s.hours_per_day / s.groups_each)

    @staticmethod
    def work_all(staff: list["StaffAgent"], day: int) -> None:
        """:meth:`work` for a batch: the salaries and slots are the plan's."""
        s = staff[0].spec
        pay, n, h = s.count * s.salary_per_month / 30.0, s.count * s.groups_each, s.hours_per_day / s.groups_each
        models = [a.model for a in staff]
        Ledger.pay_fixed_all([m.ledger for m in models], day, "staff", pay)
        if n > 0 and h > 0:  # Today.add_slots
            slot = (int(n), float(h))
            for m in models:
                m.today.slots.append(slot)


class VolunteerAdminsAgent(Lever):
    """Promote highly active members to part-time admins every few days; they run groups
    for a stipend (often paid in product)."""

    category_prefix = "volunteer_admins"

    def __init__(self, model, spec: "S.VolunteerAdmins"):
        super().__init__(model, "volunteer_admins")
        self.spec = spec
        self.ids = np.zeros(0, dtype=np.int64)
        if spec.enabled and spec.max_total > 0 and spec.start_day < model.horizon:
            self.every_n_days(self.promote, spec.every_days, spec.start_day)
            self.every_day(self.work, spec.start_day, None, priority=Priority.HIGH)

    def _drop_inactive(self) -> None:
        """Volunteers who left or went silent (dormant) stop working; a silent one returns
        to the ordinary members and may be promoted again later."""
        if len(self.ids):
            pop = self.model.pop
            alive = pop.status[self.ids] == MEMBER
            gone = self.ids[~alive]
            pop.role[gone[pop.status[gone] == DORMANT]] = ROLE_MEMBER
            self.ids = self.ids[alive]

    def promote(self) -> None:
        m, s, pop = self.model, self.spec, self.model.pop
        self._drop_inactive()
        room = min(s.per_round, s.max_total - len(self.ids))
        if room <= 0:
            return
        cand = _ordinary_members(pop, m.day, s.min_tenure_days)
        if len(cand) == 0:
            return
        # most active first (active days, then propensity, then id for determinism)
        order = np.lexsort((cand, -pop.prop[cand], -pop.active_days[cand]))
        chosen = cand[order[:room]]
        pop.role[chosen] = ROLE_VOLUNTEER_ADMIN
        self.ids = np.concatenate([self.ids, chosen])

    def work(self) -> None:
        m, s = self.model, self.spec
        self._drop_inactive()
        n = len(self.ids)
        if n:
            m.ledger.pay_fixed(m.day, "volunteer_admins", n * s.stipend_per_month / 30.0)
            m.today.add_slots(n * s.groups_each, s.hours_per_day / s.groups_each)


class KOLAgent(Lever):
    """KOLs posting on a schedule: each post adds stimulus to the groups that see it and
    multiplies invitations from those groups that day. Internal KOLs are members with top
    propensity and tenure (re-chosen when they leave) and invite more themselves."""

    category_prefix = "kol"

    def __init__(self, model, name: str, spec: "S.KOL"):
        super().__init__(model, name)
        self.spec = spec
        self.posts = 0
        self.members = np.zeros(0, dtype=np.int64)
        self.on_days(self.post, spec.schedule.action_days(model.horizon))

    def _pick_internal(self) -> bool:
        m, pop, s = self.model, self.model.pop, self.spec
        if len(self.members):
            alive = pop.status[self.members] == MEMBER
            if alive.all():
                return True
            pop.boost[self.members[~alive]] = 1.0
            pop.role[self.members[~alive]] = ROLE_MEMBER
            self.members = self.members[alive]
        need = s.count - len(self.members)
        cand = _ordinary_members(pop, m.day, s.min_tenure_days)
        if len(cand) == 0:
            return len(self.members) > 0
        order = np.lexsort((cand, -pop.prop[cand]))
        new = cand[order[:need]]
        pop.role[new] = ROLE_INTERNAL_KOL
        pop.boost[new] = s.referral_multiplier
        self.members = np.concatenate([self.members, new])
        return True

    def post(self) -> None:
        """Today's posts: one per KOL (external: ``count``; internal: the members currently
        chosen), each paid ``cost_per_post`` in full or not made."""
        m, s = self.model, self.spec
        if s.kind == "internal" and not self._pick_internal():
            return
        n = s.count if s.kind == "external" else len(self.members)
        if s.cost_per_post > 0:
            n = m.ledger.request_units(m.day, self.category, s.cost_per_post, n)
        for j in range(n):
            m.today.kol_post(s.engagement_lift, s.referral_multiplier, s.groups_reached, self.stream * 4096 + j)
        self.posts += n


class VipProgram(Lever):
    """VIP selection rounds: paying, engaged members with tenure move to VIP groups."""

    category_prefix = "vip"

    def __init__(self, model, spec: "S.VipGroups"):
        super().__init__(model, "vip")
        self.spec = spec
        self.invited = 0
        if spec.enabled and spec.start_day < model.horizon:
            self.every_n_days(self.select, spec.every_days, spec.start_day)

    def select(self) -> None:
        m, s, pop = self.model, self.spec, self.model.pop
        # who is in a group is on the roster (the placed members, ascending) where the model
        # keeps one: the test runs over them, not the whole market, buyers first (few) —
        # same ids, in the same order
        ids = m.roster[: m.n_roster] if m.roster_kept else np.arange(pop.n)
        ids = ids[pop.purchases[ids] >= s.min_purchases]
        ids = ids[
            (pop.status[ids] == MEMBER)
            & (pop.vip[ids] == 0)
            & (pop.group[ids] >= 0)
            & (pop.eng[ids] >= s.min_engagement)
            & (m.day - pop.join_day[ids] >= s.min_tenure_days)
        ]
        if len(ids):
            m.move_to_vip(ids)
            self.invited += len(ids)

    @staticmethod
    def select_all(progs: list["VipProgram"], day: int) -> None:
        """:meth:`select` for a batch: the test over every replicate's roster at once, on
        the batch's stacked member arrays (replicate ``r``'s people at ``r * n``); each
        replicate then moves its own members (same ids, same order)."""
        models = [p.model for p in progs]
        b = models[0]._batch
        if b is None or len(progs) < 2 or not all(m.roster_kept for m in models):
            for p in progs:
                p.select()
            return
        s, st = progs[0].spec, b.state
        n, mem = st.n, st.mem
        lens = np.array([m.n_roster for m in models], dtype=np.int64)
        offsets = np.arange(len(models), dtype=np.int64) * n
        ids = np.concatenate([m.roster[: m.n_roster] for m in models]) + np.repeat(offsets, lens)
        ids = ids[mem.purchases[ids] >= s.min_purchases]
        ids = ids[
            (mem.status[ids] == MEMBER)
            & (mem.vip[ids] == 0)
            & (mem.group[ids] >= 0)
            & (mem.eng[ids] >= s.min_engagement)
            & (day - mem.join_day[ids] >= s.min_tenure_days)
        ]
        if len(ids) == 0:
            return
        cuts = np.searchsorted(ids, offsets).tolist() + [len(ids)]
        for r, (p, m) in enumerate(zip(progs, models)):
            if cuts[r + 1] > cuts[r]:
                mine = ids[cuts[r] : cuts[r + 1]] - r * n
                m.move_to_vip(mine)
                p.invited += len(mine)


batch_form(ChannelAgent.open_day, ChannelAgent.open_day_all)
batch_form(StaffAgent.work, StaffAgent.work_all)
batch_form(VipProgram.select, VipProgram.select_all)
batch_form(InviteRewardAgent.after_referral, InviteRewardAgent.after_referral_all)
