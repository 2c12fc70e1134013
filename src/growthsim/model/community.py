"""``CommunityModel``: the Mesa model that owns the market, the members and the levers.

Time: day ``d`` (0-based) is the model's step at time ``d + 1``; the levers' actions for
day ``d`` fire before it, on the morning of the day (time ``d + 0.5``), through Mesa's event
scheduling. ``run_until(horizon_days)`` runs the whole plan. Members live in the arrays of
:class:`growthsim.population.Population`; each day the model calls the kernels of
:mod:`growthsim.kernels.daily` in the order of ``docs/model.md``:

1. prepare today's per-group stimulus and multipliers (staff attention, KOL posts,
   campaign lifts, crowding); 2. acquisition (channels, replayed joins, organic);
3. activity; 4. referral; 5. conversion; 6. churn, dormancy and recall; 7. placement of
today's joiners into groups; 8. collect (``mesa.DataCollector``).
Money moves through :class:`growthsim.model.ledger.Ledger`: fixed costs first each morning,
then discretionary spending as the levers ask for it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
import pandas as pd

from growthsim.graph import Graph, build_graph, hubs
from growthsim.kernels import batch as KB
from growthsim.kernels import daily as K
from growthsim.kernels import groups as KG
from growthsim.kernels.huge import chunk_for
from growthsim.kernels.state import (
    C_ACC,
    C_ACTIVE,
    C_CHUNK,
    C_NEW,
    C_ROOM,
    C_ROSTER,
    N_COUNTS,
    Groups,
    Levels,
    Members,
    Rules,
    Work,
    empty_levels,
    empty_work,
    rules_of,
)
from growthsim.metrics.health import HealthBatch
from growthsim.model.grouplevels import prepare_groups
from growthsim.model.ledger import Ledger
from growthsim.model.levers import (
    CAMPAIGN_AGENTS,
    MORNING,
    ChannelAgent,
    KOLAgent,
    StaffAgent,
    VipProgram,
    VolunteerAdminsAgent,
    batch_form,
    live_hooks,
)
from growthsim.model.members import MemberSet, members_frame
from growthsim.model.membership import (
    PointsProgram,
    StarAwards,
    membership_cost_categories,
)
from growthsim.model.scalars import batch_scalars, scalars_in_batch
from growthsim.model.seeding import PLAN_SEED, PastHorizonError, base_seed
from growthsim.model.series import DailySeries
from growthsim.model.social import GroupLife
from growthsim.model.social import cost_categories as life_cost_categories
from growthsim.population import Population, draw_propensity
from growthsim.scenario.loader import apply_overrides, validate_plan
from growthsim.scenario.schema import Scenario
from growthsim.vocab import (
    SERIES_GROUPS,
    SERIES_HEALTH,
    SERIES_LIFE,
    SERIES_MEMBERS,
    SERIES_MONEY,
    SERIES_TIERS,
)

if TYPE_CHECKING:
    from growthsim.model.batch import CommunityBatch


def seed_sequence(seed: int, replicate: int) -> np.random.SeedSequence:
    """The child seed of replicate ``replicate`` under base seed ``seed``
    (identical to ``SeedSequence(seed).spawn(n)[replicate]``)."""
    return np.random.SeedSequence(int(seed), spawn_key=(int(replicate),))


class Today:
    """What the morning's scheduled actions decided for the day."""

    def __init__(self) -> None:
        self.stimulus = 0.0  # added to every group (lotteries, lectures)
        self.m_invite = 1.0
        self.m_accept = 1.0
        self.m_act = 1.0
        self.m_conv = 1.0
        self.channels: list[ChannelAgent] = []
        self.watchers: dict[int, Any] = {}
        # the watchers whose hook after the activity / referral / conversion does something
        # (levers.live_hooks), in the order they were first watched
        self.on_activity: list[Any] = []
        self.on_referral: list[Any] = []
        self.on_conversion: list[Any] = []
        self.slots: list[tuple[int, float]] = []
        self.kol_posts: list[tuple[float, float, int | None, int]] = []

    def watch(self, agent) -> None:
        """Call ``agent``'s after_* hooks today (once, however often asked; a hook the
        agent leaves a no-op is not called)."""
        if id(agent) in self.watchers:
            return
        self.watchers[id(agent)] = agent
        act, ref, conv = live_hooks(agent)
        if act:
            self.on_activity.append(agent)
        if ref:
            self.on_referral.append(agent)
        if conv:
            self.on_conversion.append(agent)

    def add_slots(self, n: int, hours: float) -> None:
        """``n`` group-slots of staff attention, ``hours`` each."""
        if n > 0 and hours > 0:
            self.slots.append((int(n), float(hours)))

    def kol_post(self, lift: float, ref_mult: float, groups: int | None, key: int = 0) -> None:
        """A KOL post today; ``key`` keys the draw of the groups it reaches."""
        self.kol_posts.append((lift, ref_mult, groups, key))


class CommunityModel(mesa.Model):
    """A community and its market, simulated day by day.

    Args:
        scenario: the plan (a :class:`Scenario`, or a mapping validated into one); the model
            keeps it as :attr:`plan` (``model.scenario`` is Mesa's own, untouched).
        seed: base seed (not given: ``scenario.seed``; ``None``: fresh, as Mesa's ``rng``).
        replicate: replicate index; the run's randomness is ``SeedSequence(seed).spawn``'s
            child ``replicate``. Replicate r of two plans uses the same random numbers.
        graph: a prebuilt market graph (default: built from ``scenario.market.graph``, cached).
        overrides: dotted-path overrides applied to the scenario (``mesa.batch_run``
            friendly: ``{"members.referral.invite_prob": 0.02}``).
        rng: Mesa's argument, honoured (so is ``seed``, which ``mesa.batch_run`` passes
            its ``rng`` values as, since this model has a ``seed`` parameter): an integer
            is the base seed; a numpy ``Generator`` / ``BitGenerator`` / ``SeedSequence``
            gives the base seed by one draw; ``None`` passed explicitly (as
            ``mesa.batch_run(rng=[None] * 3)`` does) draws a fresh base seed from the
            operating system, so every such run differs. Neither given: the plan's seed.
            The base seed used is :attr:`base_seed` (rerun with ``seed=model.base_seed``).
            Give ``seed`` or ``rng``, not both (see :func:`base_seed`).

    Stepping past the horizon raises :class:`PastHorizonError` (``model.running`` turns
    false after the last day, which ``mesa.batch_run`` respects; ``run()`` runs exactly to
    the horizon).
    """

    roster_kept = True  # the kernels keep ``roster``: the placed members, ascending

    def __init__(
        self,
        scenario: Scenario | dict | None = None,
        seed: Any = PLAN_SEED,
        replicate: int = 0,
        graph: Graph | None = None,
        overrides: dict[str, Any] | None = None,
        rng: Any = PLAN_SEED,
        _into: tuple[Members, Work] | None = None,
        **kwargs: Any,
    ) -> None:
        # _into: a CommunityBatch's slices of its member and work arrays (still as
        # empty_members / empty_work leave them), built in place instead of copied in later
        if scenario is None:
            scenario = Scenario(name="default")
        elif not isinstance(scenario, Scenario):
            scenario = validate_plan(dict(scenario))
        if overrides:
            scenario = apply_overrides(scenario, overrides)
        self.plan = scenario
        self.base_seed = base_seed(scenario.seed, seed, rng)
        self.replicate = int(replicate)
        ss = seed_sequence(self.base_seed, self.replicate)
        super().__init__(rng=np.random.default_rng(ss), **kwargs)
        # every event the model schedules while built, in order: a CommunityBatch runs them
        # on one Mesa schedule for all its models (model.batch_levers)
        self._schedule_log: list[tuple[str, Any, Any, mesa.time.Priority]] = []
        self.kernel_seed = np.uint64(ss.generate_state(1, dtype=np.uint64)[0])
        sc = scenario
        self.horizon = sc.horizon_days
        n = sc.market.size

        # market and members ------------------------------------------------------------
        gseed = sc.market.graph.seed if sc.market.graph.seed is not None else sc.seed
        self.graph = graph if graph is not None else build_graph(sc.market.graph, n, gseed)
        self.pop = Population.empty(n, self.graph.block) if _into is None else Population(_into[0])
        prng = np.random.default_rng(np.random.SeedSequence(self.base_seed, spawn_key=(self.replicate, 1)))
        self.pop.prop[:] = draw_propensity(sc.members.propensity, n, prng)
        k0 = sc.members.initial
        if sc.members.initial_seeding == "hubs" and not self.graph.well_mixed:
            initial = np.asarray(hubs(self.graph, k0), dtype=np.int64)
        else:
            initial = np.sort(prng.choice(n, size=k0, replace=False)) if k0 else np.zeros(0, np.int64)
        self.pop.seed_members(initial, sc.members.engagement.initial)
        self.e0 = sc.members.engagement.initial

        # groups -----------------------------------------------------------------------
        g = sc.groups
        self.n_cats = self.graph.n_blocks if g.by_block else 1
        self.vip_cat = self.n_cats
        cap = 2 * (n // g.target_size) + 2 * (self.n_cats + 2)
        self.g_cap = cap
        self.max_groups = g.max_groups if g.max_groups is not None else cap
        self.rules = rules_of(sc, self.vip_cat, self.max_groups)
        # the kernels' records (kernels.state); a CommunityBatch rebinds them to its slices
        self._bind(
            self.pop.record(),
            Groups(
                size=np.zeros(cap, dtype=np.int32),
                cat=np.full(cap, -1, dtype=np.int32),
                managed=np.zeros(cap, dtype=np.uint8),
                count=np.zeros(1, dtype=np.int64),
                open_ptr=np.full(self.n_cats + 1, -1, dtype=np.int64),
            ),
            empty_levels(cap),  # per-group levels of the day (see kernels.daily.group_levels)
            # the placed members (status member or dormant), ascending: the daily activity
            # and churn passes visit these, in memory order, not the whole market
            empty_work(n) if _into is None else _into[1],
            np.zeros((1, N_COUNTS), dtype=np.int64),
        )
        self._place(initial)
        self._counts[C_ROSTER] = K.roster_add(self.roster, self.n_roster, np.asarray(initial, dtype=np.int64))
        self._batch: CommunityBatch | None = None  # the CommunityBatch stepping this model's days, if any

        # levers (scheduled actors) ------------------------------------------------------
        # daily standing orders run in two morning rounds, each one recurring Mesa event:
        # the high round with high-priority events, the default round after the day's
        # one-off events (see growthsim.model.levers)
        self._standing: dict[int, list[tuple[int, int, Any]]] = {
            mesa.time.Priority.HIGH: [],
            mesa.time.Priority.DEFAULT: [],
        }
        if self.horizon > 0:
            every_morning = mesa.time.Schedule(interval=1, start=MORNING, end=self.horizon - 1 + MORNING)
            self.schedule_recurring(self._morning_high, every_morning, priority=mesa.time.Priority.HIGH)
            self.schedule_recurring(self._morning_default, every_morning, priority=mesa.time.Priority.LOW)
        self.ledger = Ledger(self.horizon, sc.budget.total, sc.budget.monthly_cap)
        self.today = Today()
        self._conv_boosts: dict[int, float] = defaultdict(lambda: 1.0)
        self.channel_names = list(sc.channels)
        self.channels = [ChannelAgent(self, k, c, i) for i, (k, c) in enumerate(sc.channels.items())]
        self.campaigns = [CAMPAIGN_AGENTS[c.kind](self, k, c) for k, c in sc.campaigns.items()]
        self.staff = [StaffAgent(self, k, s) for k, s in sc.staff.items()]
        self.volunteers = VolunteerAdminsAgent(self, sc.volunteer_admins)
        self.kols = [KOLAgent(self, k, s) for k, s in sc.kols.items()]
        self.vip_program = VipProgram(self, sc.groups.vip)
        self.life = GroupLife(self)  # fatigue, ads, self-organised groups, group health (model.social)
        self.points_program = PointsProgram(self, sc.members.points)
        self.star_awards = StarAwards(self, sc.members.star_awards)
        self.standing_order(self._pay_fixed_costs, 0, None, mesa.time.Priority.HIGH)
        self._candidates_all = np.arange(n, dtype=np.int64)
        self._block_candidates: dict[int, np.ndarray] = {}

        self._churned = np.zeros(1, dtype=np.int64)  # churned_total (a batch's row view)
        self.source_names = ["organic", "referral", "replay", *self.channel_names]
        self.cost_categories = ["staff", "volunteer_admins", "tools", "devices"]
        self.cost_categories += [f"channel:{k}" for k in sc.channels]
        self.cost_categories += [f"campaign:{k}" for k in sc.campaigns]
        self.cost_categories += [f"kol:{k}" for k in sc.kols]
        self.cost_categories += life_cost_categories(sc)
        self.cost_categories += membership_cost_categories(sc.members)
        names = self.counter_names()
        floats = ["revenue", "gross_margin", "cost", *(f"cost_{c}" for c in self.cost_categories)]
        self.datacollector = DailySeries(names, floats, capacity=self.horizon)
        ix = self.datacollector.index
        self._ix = ix
        self._ix_channel = [ix[f"new_{k}"] for k in self.channel_names]
        self._ix_cost = [(cat, ix[f"cost_{cat}"]) for cat in self.cost_categories]
        self.running = True

    # ------------------------------------------------------------------------ basics
    def _bind(self, mem: Members, grp: Groups, lv: Levels, work: Work, counts: np.ndarray) -> None:
        """Point the model at its kernel records (its own, or its slice of a batch's);
        ``counts`` is a ``(1, N_COUNTS)`` table (a row of the batch's)."""
        for f, a in zip(Members._fields, mem):
            setattr(self.pop, f, a)
        self._mem, self._grp, self._lv, self._work = mem, grp, lv, work
        self._counts_table = counts
        self._counts = counts[0]
        self.g_size, self.g_cat, self.g_managed = grp.size, grp.cat, grp.managed
        self.g_state, self.open_ptr = grp.count, grp.open_ptr  # g_state[0]: number of groups
        self.roster, self._active, self._new_ids, self._acc_ref = work.roster, work.active, work.new_ids, work.acc_ref
        self._state = DayState(
            [self.kernel_seed],
            mem,
            grp,
            lv,
            work,
            counts,
            self.pop.n,
            self.g_cap,
            self.n_cats + 1,
            self.rules,
            self.graph,
            parallel=False,
        )

    @property
    def churned_total(self) -> int:
        """Members who left so far (a batch keeps every model's in one array)."""
        return int(self._churned[0])

    @churned_total.setter
    def churned_total(self, value: int) -> None:
        self._churned[0] = value

    @property
    def n_roster(self) -> int:
        """Placed members in ``roster``."""
        return int(self._counts[C_ROSTER])

    def members_frame(self, include_outsiders: bool = False) -> pd.DataFrame:
        """The people who ever joined (or the whole market) as a DataFrame snapshot, codes
        spelled out; see :func:`growthsim.model.members.members_frame`."""
        return members_frame(self, include_outsiders)

    def members(self, include_outsiders: bool = False) -> MemberSet:
        """A read-only ``mesa.AgentSet``-like snapshot of the people who ever joined (small
        models: at most ``MEMBER_SET_LIMIT``); see :class:`growthsim.model.members.MemberSet`."""
        return MemberSet.of(self, include_outsiders)

    @property
    def day(self) -> int:
        """The simulated day being prepared (mornings) or run (steps)."""
        return max(0, math.ceil(self.time) - 1)

    @property
    def n_groups(self) -> int:
        return int(self.g_state[0])

    @property
    def counters(self) -> dict[str, float]:
        """The last collected day's counters (empty before the first day)."""
        return self.datacollector.last()

    def counter_names(self) -> list[str]:
        names = ["day", *SERIES_MEMBERS]
        names += [f"new_{s}" for s in self.source_names]
        names += SERIES_MONEY
        names += [f"cost_{c}" for c in self.cost_categories]
        names += SERIES_GROUPS
        names += SERIES_LIFE
        names += SERIES_TIERS
        return names

    def schedule_event(
        self,
        function,
        *,
        at: float | None = None,
        after: float | None = None,
        priority: mesa.time.Priority = mesa.time.Priority.DEFAULT,
    ):
        """Mesa's ``schedule_event``; the event is also logged (see ``_schedule_log``), and
        in a :class:`~growthsim.model.batch.CommunityBatch` it goes to the batch's schedule."""
        b = getattr(self, "_batch", None)
        if b is not None:
            if (at is None) == (after is None):
                raise ValueError("Specify exactly one of 'at' or 'after'")
            return b.mornings.schedule_event(function, self.time + after if at is None else at, priority)
        event = super().schedule_event(function, at=at, after=after, priority=priority)
        self._schedule_log.append(("event", function, event.time, priority))
        return event

    def schedule_recurring(self, function, schedule, priority: mesa.time.Priority = mesa.time.Priority.DEFAULT):
        """Mesa's ``schedule_recurring``, logged like :meth:`schedule_event`."""
        b = getattr(self, "_batch", None)
        if b is not None:
            return b.mornings.schedule_recurring(function, schedule, priority)
        gen = super().schedule_recurring(function, schedule, priority=priority)
        self._schedule_log.append(("recurring", function, schedule, priority))
        return gen

    def standing_order(self, fn, start: int, end: int | None, priority=mesa.time.Priority.DEFAULT) -> None:
        """Call ``fn`` on the morning of each day ``start..end`` (``None``: to the horizon)
        in the morning round of ``priority`` (``HIGH`` or ``DEFAULT``), after the orders
        given before it."""
        if priority not in self._standing:
            raise ValueError(f"standing orders run at HIGH or DEFAULT priority, not {priority!r}")
        end = self.horizon - 1 if end is None else min(int(end), self.horizon - 1)
        if start <= end:
            self._standing[priority].append((int(start), end, fn))

    def _run_standing(self, priority) -> None:
        d = self.day
        for start, end, fn in self._standing[priority]:
            if start <= d <= end:
                fn()

    def _morning_high(self) -> None:
        self._run_standing(mesa.time.Priority.HIGH)

    def _morning_default(self) -> None:
        self._run_standing(mesa.time.Priority.DEFAULT)

    def boost_tomorrow_conversion(self, mult: float) -> None:
        self.boost_conversion_on(self.day + 1, mult)

    def boost_conversion_on(self, day: int, mult: float) -> None:
        if day < self.horizon:
            self._conv_boosts[day] *= mult

    def _pay_fixed_costs(self) -> None:
        d = self.day
        e = self.plan.economics
        if e.tools_per_month > 0:
            self.ledger.pay_fixed(d, "tools", e.tools_per_month / 30.0)
        if d == 0 and e.devices_one_off > 0:
            self.ledger.pay_fixed(d, "devices", e.devices_one_off)

    @staticmethod
    def _pay_fixed_costs_all(models: list[CommunityModel], day: int) -> None:
        """:meth:`_pay_fixed_costs` for a batch (the costs are the plan's)."""
        e = models[0].plan.economics
        tools = e.tools_per_month / 30.0 if e.tools_per_month > 0 else 0.0
        devices = e.devices_one_off if day == 0 and e.devices_one_off > 0 else 0.0
        ledgers = [m.ledger for m in models]
        if tools:
            Ledger.pay_fixed_all(ledgers, day, "tools", tools)
        if devices:  # each ledger still pays its tools, then its devices
            Ledger.pay_fixed_all(ledgers, day, "devices", devices)

    def _cats(self, ids: np.ndarray) -> np.ndarray:
        if self.plan.groups.by_block:
            return self.pop.block[ids].astype(np.int64)
        return np.zeros(len(ids), dtype=np.int64)

    def _place(self, ids: np.ndarray, cats: np.ndarray | None = None) -> None:
        if len(ids) == 0:
            return
        cats = self._cats(ids) if cats is None else cats
        K.place_members(
            np.ascontiguousarray(ids, dtype=np.int64),
            np.ascontiguousarray(cats, dtype=np.int64),
            self._mem,
            self._grp,
            self.rules,
        )

    def move_to_vip(self, ids: np.ndarray) -> None:
        """Move members ``ids`` from their groups into VIP groups."""
        np.subtract.at(self.g_size, self.pop.group[ids], 1)
        self.pop.vip[ids] = 1
        self._place(ids, np.full(len(ids), self.vip_cat, dtype=np.int64))

    def _members_changed(self, ids: np.ndarray) -> None:
        """Group life (model.social) changed these people's arrays (status, group,
        engagement, purchases): nothing to do here; the reference model copies them into
        its people."""

    def group_health(self) -> pd.DataFrame:
        """Per-group size, activity and warning level, weekly (see metrics.health)."""
        return self.life.health.frame()

    def _room(self) -> int:
        """Joins still possible today without breaking the group caps."""
        g = self.plan.groups
        if g.max_groups is None:
            return self.pop.n
        G = self.n_groups
        ordinary = self.g_cat[:G] != self.vip_cat
        n_ord = int(ordinary.sum())
        free = int((g.max_size - self.g_size[:G][ordinary]).clip(0).sum())
        return free + max(0, g.max_groups - n_ord) * g.max_size

    # ------------------------------------------------------------------------ the day
    def _prepare_groups(self) -> dict[str, Any]:
        """Today's per-group levels (views of the first ``max(n_groups, 1)`` groups): the
        batch's preparation (:func:`growthsim.model.grouplevels.prepare_groups`) for this
        model alone."""
        managed = prepare_groups([self], self._state)
        G = max(self.n_groups, 1)
        lv = self._lv
        return {
            "resp": lv.resp[:G],
            "decay": lv.decay[:G],
            "churn": lv.churn[:G],
            "recall": lv.recall[:G],
            "ref": lv.ref[:G],
            "managed": int(managed[0]),
        }

    def _candidates(self, block: int | None) -> np.ndarray:
        if block is None:
            return self._candidates_all
        if block not in self._block_candidates:
            self._block_candidates[block] = np.nonzero(self.pop.block == block)[0].astype(np.int64)
        return self._block_candidates[block]

    def step(self) -> None:
        if self._batch is not None:  # a CommunityBatch runs the day for all its models
            return
        day = self.day
        if day >= self.horizon:
            self.running = False
            raise PastHorizonError(
                f"step for day {day}, past the plan's horizon of {self.horizon} days "
                f"(days 0..{self.horizon - 1}); the run is over (model.running is False)"
            )
        run_day([self], self._state, day)

    def run(self) -> None:
        """Run the whole horizon."""
        self.run_until(self.horizon)

    # ------------------------------------------------------------------------ results
    def timeseries(self) -> pd.DataFrame:
        # counts come out as int64, money as float64 (see DailySeries)
        return self.datacollector.get_model_vars_dataframe()

    def scalars(self) -> dict[str, float]:
        """End-of-run scalars (:func:`growthsim.model.scalars.batch_scalars`: in a batch,
        computed once for all its models from the stacked member arrays)."""
        if self._batch is not None:
            return scalars_in_batch(self)
        mem = Members(*(getattr(self.pop, f) for f in Members._fields))
        return batch_scalars([self], mem, self.pop.n)[0]

    def cohorts(self) -> pd.DataFrame:
        """Retention by join-week cohort: members still in the community at the end of
        week ``join_week + week``."""
        pop, H = self.pop, self.horizon
        ever = np.nonzero(pop.join_day >= 0)[0]
        jw = pop.join_day[ever].astype(np.int64) // 7
        leave = pop.leave_day[ever].astype(np.int64)
        n_weeks = (H + 6) // 7
        # a member of cohort w is retained at the end of week w + k (day (w+k+1)*7 - 1)
        # while k < leave // 7 - w, i.e. for the first `kept_weeks` values of k
        kept_weeks = np.where(leave < 0, n_weeks, leave // 7 - jw).clip(0, n_weeks)
        counts = np.zeros((n_weeks, n_weeks + 1), dtype=np.int64)
        np.add.at(counts, (jw, kept_weeks), 1)
        kept = counts[:, ::-1].cumsum(axis=1)[:, ::-1]  # kept[w, k]: members with kept_weeks >= k
        ws = np.nonzero(kept[:, 0])[0]
        n_k = ((H // 7) - ws).clip(0)  # weeks k = 0 .. n_k - 1 end within the horizon
        if n_k.sum() == 0:
            return pd.DataFrame([], columns=["join_week", "week", "size", "retained"])
        w = np.repeat(ws, n_k)
        k = np.arange(len(w)) - np.repeat(np.cumsum(n_k) - n_k, n_k)
        cols = {"join_week": w, "week": k, "size": kept[w, 0], "retained": kept[w, k + 1]}
        return pd.DataFrame({c: v.astype(np.int64) for c, v in cols.items()})


batch_form(CommunityModel._pay_fixed_costs, CommunityModel._pay_fixed_costs_all)


# ----------------------------------------------------------------------------- the day
class DayState:
    """What the day's kernels work on for a batch of ``R`` models of one plan: the records
    of :mod:`growthsim.kernels.state` over the replicates laid end to end, the
    per-replicate counts table and seeds, and output buffers. A single model is a batch of
    one (serial kernels); a :class:`growthsim.model.batch.CommunityBatch` runs the parallel
    ones."""

    def __init__(
        self,
        seeds,
        mem: Members,
        grp: Groups,
        lv: Levels,
        work: Work,
        counts: np.ndarray,
        n: int,
        cap: int,
        n_cats1: int,
        rules: Rules | list[Rules],
        graph: Graph,
        parallel: bool,
    ) -> None:
        R = len(seeds)
        self.R, self.n, self.cap, self.n_cats1 = R, int(n), int(cap), int(n_cats1)
        self.seeds = np.asarray(seeds, dtype=np.uint64)
        # one Rules for the batch, or one per replicate (plans differing in member rules)
        per_rep = rules if isinstance(rules, list) else [rules] * R
        rules = per_rep[0]
        self.mem, self.grp, self.lv, self.work, self.counts, self.rules = mem, grp, lv, work, counts, rules
        # what the kernels are passed: the records as plain tuples (see kernels.batch); the
        # rules as one array per field, one entry per replicate (kernels.batch.rules_at)
        self.mem_t, self.grp_t, self.lv_t, self.work_t = tuple(mem), tuple(grp), tuple(lv), tuple(work)
        self.rules_t = tuple(
            np.array([x[j] for x in per_rep], dtype=np.float64 if isinstance(v, float) else np.int64)
            for j, v in enumerate(rules)
        )
        self.graph = graph
        self.kern = KB.parallel if parallel else KB.serial
        # one huge replicate's member passes in chunks on threads (kernels.huge: chosen by
        # the market size, same results)
        counts[:, C_CHUNK] = chunk_for(self.n, parallel)
        self.joins = np.zeros(R, dtype=np.int64)
        self.woken = np.zeros(R, dtype=np.int64)
        self.invites = np.zeros(R, dtype=np.int64)
        self.ints = np.zeros((R, 2), dtype=np.int64)
        self.rev = np.zeros(R, dtype=np.float64)
        self.churn_out = np.zeros((R, 12), dtype=np.int64)
        # group preparation (model.grouplevels): its kernels, outputs and empty tables
        self.kern_groups = KG.parallel if parallel else KG.serial
        self.managed = np.zeros(R, dtype=np.int64)
        self.stim0 = np.zeros(R, dtype=np.float64)
        self.extra_h = np.zeros((R, self.cap), dtype=np.float64)
        self.no_extra_h = np.zeros((R, self.cap), dtype=np.float64)
        self.no_slot_n = np.zeros((R, 0), dtype=np.int64)
        self.no_slot_h = np.zeros((R, 0), dtype=np.float64)
        # today's staff slots of every replicate as (R x S) tables, kept while the slots stay
        # the same (model.grouplevels); slots_of: the slots they were built from
        self.slot_n, self.slot_h = self.no_slot_n, self.no_slot_h
        self.slots_of: list[list[tuple[int, float]]] = [[] for _ in range(R)]
        self.no_posts = np.zeros((R, 0, self.cap), dtype=np.float64)
        self.cols = np.arange(self.cap)
        # set on the first day (_first_day): the models' group health stacked over the
        # batch, the day's counters as one (replicate x counter) table (each model's series
        # row a view of its row of it), the ledgers' cost categories as one (replicate x
        # category x day) table (each ledger's arrays views of it)
        self.health: HealthBatch | None = None
        self.health_batched = False
        self.rows = np.zeros((R, 0), dtype=np.float64)
        self.costs: np.ndarray | None = None
        self.cost_cols: np.ndarray | slice = np.zeros(0, dtype=np.int64)
        # the plan-level figures of the day's glue, gathered once (_first_day): each
        # replicate's base probabilities (a batch may hold plans differing in member rules),
        # the series columns written from the kernels' outputs, each channel's intake caps
        # when they are the plan's (no money cap)
        self.base: tuple[list[float], ...] = ()
        self.p_const: tuple[np.ndarray, ...] = ()
        self.plan_ids: list[int] = []
        self.gross_margin = np.zeros(R, dtype=np.float64)
        self.out_cols = np.zeros(0, dtype=np.int64)
        self.out_q = np.zeros(0, dtype=np.int64)
        self.health_cols = np.zeros(0, dtype=np.int64)
        self.chan_caps: dict[int, np.ndarray | None] = {}
        # the models' churned totals and their ledgers' blocked-day flags, stacked
        # (each model's and ledger's a view of its row)
        self.churned = np.zeros(R, dtype=np.int64)
        self.blocked = np.zeros((R, 0), dtype=np.float64)
        self.selforg = False  # the plan's self-organisation (group life's end-of-day counters)
        # the batch's end-of-run scalars and the batch day they were computed on (model.scalars)
        self.scalars: tuple[int, list[dict[str, float]]] | None = None


# the churn pass's outputs (kernels.batch.churn) written to series columns as they are
_CHURN_OUT = (
    ("dormant", 4),
    ("wau", 5),
    ("mau", 6),
    ("paying", 7),
    ("vip_members", 8),
    ("recalled", 2),
    ("active_tier_members", 9),
    ("core_members", 10),
    ("koc_members", 11),
)


def _plan_rates(models: list[CommunityModel], st: DayState) -> None:
    """The day's base probabilities and margins from each model's own plan (a batch may
    hold plans that differ in member rules, model.batch), kept until a model's plan object
    changes (e.g. :class:`growthsim.model.replay.ExclusiveReplayModel` swaps its plan on
    replayed days)."""
    st.plan_ids = [id(m.plan) for m in models]
    refs = [m.plan.members.referral for m in models]
    cvs = [m.plan.members.conversion for m in models]
    st.base = (
        [rf.invite_prob for rf in refs],
        [rf.accept_prob for rf in refs],
        [cv.first_purchase_prob for cv in cvs],
        [cv.repurchase_prob for cv in cvs],
    )
    # the probabilities on a day without multipliers (x * 1.0 is x)
    st.p_const = tuple(np.array([min(1.0, p) for p in base], dtype=np.float64) for base in st.base)
    st.gross_margin = np.array([m.plan.economics.gross_margin for m in models], dtype=np.float64)


def _first_day(models: list[CommunityModel], st: DayState) -> None:
    """What a batch keeps from its first day on (see :class:`DayState`)."""
    m0 = models[0]
    ix = m0._ix
    st.health = HealthBatch([m.life.health for m in models])
    st.health_batched = all(m.life.health.batched for m in models)
    st.health_cols = np.array([ix[k] for k in SERIES_HEALTH], dtype=np.int64)
    st.rows = np.stack([m.datacollector.row for m in models])
    for r, m in enumerate(models):
        m.datacollector.row = st.rows[r]
    if all(m._ix_cost == m0._ix_cost for m in models) and m0.horizon > 0:
        cats = [c for c, _ in m0._ix_cost]
        st.costs = np.zeros((len(models), len(cats), m0.horizon), dtype=np.float64)
        cols = [j for _, j in m0._ix_cost]
        st.cost_cols = np.array(cols, dtype=np.int64)
        if cols and cols == list(range(cols[0], cols[0] + len(cols))):  # one run of columns
            st.cost_cols = slice(cols[0], cols[0] + len(cols))
        for r, m in enumerate(models):
            by_cat = m.ledger.by_category
            for k, cat in enumerate(cats):
                if cat in by_cat:
                    st.costs[r, k] = by_cat[cat]
                by_cat[cat] = st.costs[r, k]
    _plan_rates(models, st)
    st.out_cols = np.array([ix[name] for name, _ in _CHURN_OUT], dtype=np.int64)
    st.out_q = np.array([q for _, q in _CHURN_OUT], dtype=np.int64)
    st.churned = np.array([m.churned_total for m in models], dtype=np.int64)
    st.blocked = np.stack([m.ledger.blocked_flags for m in models])
    for r, m in enumerate(models):
        m._churned = st.churned[r : r + 1]
        m.ledger.blocked_flags = st.blocked[r]
    st.selforg = bool(m0.life.selforg.spec.enabled)
    for ch in m0.channels:  # no money cap: every replicate's intake cap is the platform's
        s = ch.spec
        if s.cost_per_join <= 0:
            cap = -1 if s.daily_intake_cap is None else int(s.daily_intake_cap)
            st.chan_caps[ch.index] = np.full(st.R, cap, dtype=np.int64)
        else:
            st.chan_caps[ch.index] = None


def _probabilities(
    st: DayState, k: int, mults: list[float], ones: list[float], base: list[float] | None = None
) -> np.ndarray:
    """``min(1, base[r] * mults[r])`` per replicate (``st.base[k]`` unless ``base``
    given); the day without multipliers' array when every multiplier is 1."""
    if mults == ones:
        return st.p_const[k]
    b = st.base[k] if base is None else base
    return np.array([min(1.0, p * x) for p, x in zip(b, mults)], dtype=np.float64)


def _run_hooks(hooks: list[tuple[Any, ...]], name: str, args: list[Any]) -> None:
    """Hook ``name`` of every replicate's watchers ``hooks[r]``, each given ``args[r]``, in
    each replicate's order: position by position, a hook with a form for the batch
    (:func:`growthsim.model.levers.batch_form`) runs once for all the replicates that
    have that lever at that position, the others one by one (replicates share no state,
    so only each one's own order matters)."""
    for p in range(max(len(h) for h in hooks)):
        forms: dict[Any, tuple[list[Any], list[Any]]] = {}
        for h, arg in zip(hooks, args):
            if p < len(h):
                fn = getattr(h[p], name)
                form = getattr(getattr(fn, "__func__", None), "for_all", None)
                if form is None:
                    fn(arg)
                else:
                    levers, xs = forms.setdefault(form, ([], []))
                    levers.append(h[p])
                    xs.append(arg)
        for form, (levers, xs) in forms.items():
            form(levers, xs)


def run_day(models: list[CommunityModel], st: DayState, day: int) -> None:
    """Day ``day`` of every model of a batch (all of one plan, their mornings done): the
    group preparation and the member passes run once for the batch (one kernel call
    each), the day's counters are columns of one (replicate x counter) table; the levers'
    hooks that do something today (``Today.on_activity`` etc.) and the rest of the
    bookkeeping run per model, in the order of ``docs/model.md``."""
    kern, R, n, cap = st.kern, st.R, st.n, st.cap
    m0 = models[0]
    sc = m0.plan
    mm = sc.members
    ix = m0._ix
    counts = st.counts
    day = int(day)
    if st.health is None:  # from now on the batch runs its models' group health (after activity)
        _first_day(models, st)
    elif [id(m.plan) for m in models] != st.plan_ids:
        _plan_rates(models, st)
    rows = st.rows
    todays = [m.today for m in models]
    for m, t in zip(models, todays):
        boost = m._conv_boosts.pop(day, None)
        if boost is not None:
            t.m_conv *= boost
    managed = prepare_groups(models, st)
    rows[:] = 0.0
    rows[:, ix["day"]] = day
    counts[:, C_NEW] = 0
    if sc.groups.max_groups is None:  # CommunityModel._room without group caps
        counts[:, C_ROOM] = n
    else:
        for r, m in enumerate(models):
            counts[r, C_ROOM] = m._room()

    # 2. acquisition --------------------------------------------------------------
    joins = st.joins
    for ch0 in m0.today.channels:
        # every model opened the same channels today (standing orders of one plan)
        chans = [m.channels[ch0.index] for m in models]
        spec = ch0.spec
        e0 = float(m0.e0 if spec.join_engagement is None else spec.join_engagement)
        reach = np.array([ch.reach_today for ch in chans], dtype=np.int64)
        caps = st.chan_caps.get(ch0.index)
        if caps is None:  # a cost per join: the money left caps each replicate's intake
            caps = np.array([ch.intake_cap() for ch in chans], dtype=np.int64)
        kern.channel(
            st.mem_t,
            st.work_t,
            counts,
            n,
            reach,
            m0._candidates(spec.target_block),
            float(spec.join_rate),
            caps,
            K.SRC_CHANNEL0 + ch0.index,
            e0,
            st.seeds,
            day,
            ch0.stream,
            joins,
        )
        rows[:, m0._ix_channel[ch0.index]] += joins
        if spec.cost_per_join > 0:  # else pay_joins has nothing to pay or mark
            for ch, j in zip(chans, joins.tolist()):
                ch.pay_joins(j)
    if sc.replay is not None:
        i = day - sc.replay.start_day
        if 0 <= i < len(sc.replay.daily_joins):
            target = float(sc.replay.daily_joins[i])
            kern.plain_joins(st.mem_t, st.work_t, counts, n, 1, target, st.rules.e0, st.seeds, day, joins)
            rows[:, ix["new_replay"]] += joins
    if mm.organic_join_prob > 0:
        p_org = float(mm.organic_join_prob)
        kern.plain_joins(st.mem_t, st.work_t, counts, n, 0, p_org, st.rules.e0, st.seeds, day, joins)
        rows[:, ix["new_organic"]] += joins

    # 3. activity -----------------------------------------------------------------
    act_mult = np.array([t.m_act for t in todays], dtype=np.float64)
    kern.activity(st.mem_t, st.work_t, counts, st.lv_t, n, cap, act_mult, st.rules_t, st.seeds, day, st.woken)
    rows[:, ix["active"]] = counts[:, C_ACTIVE]
    rows[:, ix["woken"]] = st.woken
    if any(t.on_activity for t in todays):
        ks = counts[:, C_ACTIVE].tolist()
        _run_hooks(
            [tuple(t.on_activity) for t in todays],
            "after_activity",
            [m._active[:k] if t.on_activity else None for m, t, k in zip(models, todays, ks)],
        )
    # group health after the activity: one kernel call for the batch, its counts columns
    if st.health is not None and st.health_batched and all(id(m.life) in t.watchers for m, t in zip(models, todays)):
        rows[:, st.health_cols] = st.health.after_activity(st)  # one kernel call (kernels.groups.health)
    else:
        for m, t in zip(models, todays):
            if m.life.health.batched and id(m.life) in t.watchers:
                raise RuntimeError("group health of a batch runs for every model of the day or none")

    # 4. referral -----------------------------------------------------------------
    ones = [1.0] * R
    p_inv = _probabilities(st, 0, [t.m_invite for t in todays], ones)
    p_acc = _probabilities(st, 1, [t.m_accept for t in todays], ones)
    if not p_inv.any():
        # nobody invites today (e.g. replayed days, or no referral): the pass would draw
        # nothing and change nothing (draws are keyed, not a stream), so it is skipped
        counts[:, C_ACC] = 0
        st.invites[:] = 0
    elif st.graph.well_mixed:
        kern.wellmixed(
            st.mem_t,
            st.work_t,
            counts,
            st.lv_t,
            n,
            cap,
            p_inv,
            p_acc,
            float(st.graph.mean_degree),
            sc.market.graph.well_mixed_rule == "linear",
            st.rules_t,
            st.seeds,
            day,
            st.invites,
        )
    else:
        kern.referral(
            st.graph.indptr,
            st.graph.indices,
            st.mem_t,
            st.work_t,
            counts,
            st.lv_t,
            n,
            cap,
            p_inv,
            p_acc,
            st.rules_t,
            st.seeds,
            day,
            st.invites,
        )
    rows[:, ix["invites_sent"]] = st.invites
    rows[:, ix["invites_accepted"]] = counts[:, C_ACC]
    rows[:, ix["new_referral"]] = counts[:, C_ACC]
    if any(t.on_referral for t in todays):
        ks = counts[:, C_ACC].tolist()
        _run_hooks(
            [tuple(t.on_referral) for t in todays],
            "after_referral",
            [m._acc_ref[:k] if t.on_referral else None for m, t, k in zip(models, todays, ks)],
        )

    # 5. conversion ---------------------------------------------------------------
    conv = [t.m_conv for t in todays]
    p_first = _probabilities(st, 2, conv, ones)
    p_rep = _probabilities(st, 3, conv, ones)
    kern.conversion(st.mem_t, st.work_t, counts, n, p_first, p_rep, st.rules_t, st.seeds, day, st.ints, st.rev)
    rows[:, ix["first_purchases"]] = st.ints[:, 0]
    rows[:, ix["purchases"]] = st.ints[:, 1]
    rows[:, ix["revenue"]] = st.rev
    rows[:, ix["gross_margin"]] = st.rev * st.gross_margin
    if any(t.on_conversion for t in todays):
        _run_hooks([tuple(t.on_conversion) for t in todays], "after_conversion", st.rev.tolist())

    # 6. churn --------------------------------------------------------------------
    out = st.churn_out
    kern.churn(st.mem_t, st.work_t, counts, st.lv_t, st.grp_t, n, cap, st.rules_t, st.seeds, day, out)

    # 7. groups -------------------------------------------------------------------
    kern.place(st.mem_t, st.work_t, counts, st.grp_t, n, cap, st.n_cats1, st.rules_t, R)

    # 8. collect ------------------------------------------------------------------
    # out[r]: churned, to_dormant, recalled, members, dormant, wau, mau, payers, vips,
    # tier_active, tier_core, tier_koc (kernels.batch.churn); today's joiners count as
    # members (they were placed after the churn pass)
    rows[:, st.out_cols] = out[:, st.out_q]
    rows[:, ix["members"]] = out[:, 3] + counts[:, C_NEW]
    rows[:, ix["new_members"]] = counts[:, C_NEW]
    rows[:, ix["groups"]] = st.grp.count
    rows[:, ix["managed_groups"]] = managed
    if st.costs is not None:  # the ledgers' categories of the day, then their sum in category order
        today_costs = st.costs[:, :, day]
        rows[:, st.cost_cols] = today_costs
        if today_costs.shape[1]:
            # a running sum from the first category (0.0 + c is c: costs are >= 0), as
            # ``total += v`` category by category
            rows[:, ix["cost"]] = np.add.accumulate(today_costs, axis=1)[:, -1]
    st.churned += out[:, 0]
    rows[:, ix["churned"]] = st.churned
    rows[:, ix["budget_blocked"]] = st.blocked[:, day]
    for r, m in enumerate(models):
        if st.costs is None:
            row = rows[r]
            total = 0.0
            by_cat = m.ledger.by_category
            for cat, j in m._ix_cost:
                v = float(by_cat[cat][day]) if cat in by_cat else 0.0
                row[j] = v
                total += v
            row[ix["cost"]] = total
        life = m.life
        if life.day_counts or st.selforg:  # else GroupLife.collect has nothing to write
            life.collect(rows[r], ix)
        m.datacollector.collect(m)
        m.today = Today()
    if day + 1 >= m0.horizon:  # one horizon for the batch
        for m in models:
            m.running = False
