"""The mornings of a :class:`~growthsim.model.batch.CommunityBatch`: one Mesa schedule for
the whole batch.

A one-replicate :class:`~growthsim.model.community.CommunityModel` runs its levers' actions
through its own Mesa event queue (``levers`` module docstring: the two daily standing-order
rounds, the recurring selection rounds, one-off event days). A batch of ``R`` replicates of
one plan used to advance ``R`` such queues every morning, each the same events of the same
plan. Here the batch keeps a single Mesa model as its clock (:class:`BatchMornings`): every
event the models scheduled while they were built becomes one event of the clock, with the
same time, priority and schedule, created in the same order, so the clock orders them
exactly as each model's queue did (time, then priority, then creation order — Mesa's
rule); when one fires it runs the action of every replicate in turn. The two standing-order
rounds run the day's active orders (their windows are the plan's, the same in every model)
order by order, each for every replicate; an order with a form for the batch
(:func:`growthsim.model.levers.batch_form`: staff at work, fixed costs, a channel's day)
computes once what is the same in every replicate; so does an event with such a form (VIP
selection: one test over every replicate's roster). Events a lever schedules while the batch runs
(a flash sale's later days) go to the clock too, for that replicate alone
(:meth:`CommunityModel.schedule_event` forwards them), and keep their place: an event is
created at the same point of a replicate's sequence as it was alone, and replicates share
no state, so each replicate's actions run in the order they run alone and replicate ``r``
stays identical, bit for bit, to the model run alone. The models' own queues are emptied
(the batch sets their time: the morning's, then the day's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mesa
from mesa.time import Priority, Schedule

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.model.community import CommunityModel


def _same_action(a: Callable, b: Callable) -> bool:
    """Whether ``a`` and ``b`` are the same function (bound to different objects, or the
    same code closed over different ones)."""
    fa, fb = getattr(a, "__func__", a), getattr(b, "__func__", b)
    return fa is fb or getattr(fa, "__code__", fa) is getattr(fb, "__code__", fb)


class _Clock(mesa.Model):
    """The batch's Mesa schedule (no step of its own: the batch runs the days)."""

    def __init__(self) -> None:
        super().__init__(rng=0)
        self._default_schedule.stop()


class _Broadcast:
    """One event of the plan: ``fns[r]`` is replicate ``r``'s action."""

    def __init__(self, owner: "BatchMornings", fns: list[Callable]) -> None:
        self.owner, self.fns = owner, fns
        # a lever's form for the batch (levers.batch_form: VIP selection), else each one's
        self.for_all = getattr(getattr(fns[0], "__func__", None), "for_all", None)
        self.levers = [getattr(f, "__self__", None) for f in fns]

    def fire(self) -> None:
        self.owner.sync_time()
        if self.for_all is not None:
            self.for_all(self.levers, self.owner.models[0].day)
            return
        for fn in self.fns:
            fn()


class _Single:
    """An event one replicate scheduled while the batch runs (e.g. a sale's later days);
    ``recurring``: a recurring one, kept for the batch's life."""

    def __init__(self, owner: "BatchMornings", fn: Callable, recurring: bool = False) -> None:
        self.owner, self.fn, self.recurring = owner, fn, recurring

    def fire(self) -> None:
        self.owner.sync_time()
        if not self.recurring:
            self.owner._pending.discard(self)
        self.fn()


class _Round:
    """A standing-order round (``CommunityModel._morning_high`` / ``_morning_default``) of
    every replicate: the orders active today, in the order given, each for every replicate."""

    def __init__(self, owner: "BatchMornings", priority: Priority) -> None:
        self.owner, self.priority = owner, priority
        self._build()

    def _build(self) -> None:
        models, p = self.owner.models, self.priority
        first = models[0]._standing[p]
        for m in models[1:]:
            orders = m._standing[p]
            if len(orders) != len(first) or any(
                (a[0], a[1]) != (b[0], b[1]) or not _same_action(a[2], b[2]) for a, b in zip(first, orders)
            ):
                raise RuntimeError("the models of a batch must give the same standing orders")
        self.n = len(first)
        H = models[0].horizon
        runs = []
        for k in range(self.n):
            fns = [m._standing[p][k][2] for m in models]
            # a lever's form for the batch (levers.batch_form), else each replicate's order
            for_all = getattr(getattr(fns[0], "__func__", None), "for_all", None)
            runs.append((for_all, [f.__self__ for f in fns]) if for_all is not None else (None, fns))
        self.by_day = [[runs[k] for k, (s, e, _) in enumerate(first) if s <= d <= e] for d in range(H)]

    def fire(self) -> None:
        owner = self.owner
        owner.sync_time()
        if len(owner.models[0]._standing[self.priority]) != self.n:  # an order given since
            self._build()
        d = owner.models[0].day
        for for_all, fns in self.by_day[d]:
            if for_all is not None:
                for_all(fns, d)
            else:
                for fn in fns:
                    fn()


class BatchMornings:
    """The mornings of ``models`` (one plan's replicates, just built, none stepped yet) on
    one Mesa schedule; see the module docstring. :meth:`run` runs day ``d``'s morning."""

    def __init__(self, models: list["CommunityModel"]) -> None:
        from growthsim.model.community import CommunityModel

        self.models = models
        self.clock = _Clock()
        self._keep: list[Any] = []  # the clock holds weak references to its actions
        self._pending: set[_Single] = set()
        self._t: float | None = None
        logs = [m._schedule_log for m in models]
        first = logs[0]
        if any(len(log) != len(first) for log in logs):
            raise RuntimeError("the models of a batch must schedule the same events")
        m0 = models[0]
        for k, entry in enumerate(first):
            kind, fn0, when, priority = entry
            fns = [log[k][1] for log in logs]
            if any(log[k][0] != kind or log[k][2] != when or not _same_action(fn0, f) for log, f in zip(logs, fns)):
                raise RuntimeError("the models of a batch must schedule the same events")
            standing = {m0._morning_high: Priority.HIGH, m0._morning_default: Priority.DEFAULT}
            if (
                kind == "recurring"
                and getattr(fn0, "__self__", None) is m0
                and fn0 in standing
                and getattr(type(m0), fn0.__name__) is getattr(CommunityModel, fn0.__name__)
            ):
                action: Any = _Round(self, standing[fn0])
            else:
                action = _Broadcast(self, fns)
            self._keep.append(action)
            if kind == "recurring":
                self.clock.schedule_recurring(action.fire, when, priority=priority)
            else:
                self.clock.schedule_event(action.fire, at=when, priority=priority)
        for m in models:  # the clock runs their events now
            for gen in list(m._event_generators):
                gen.stop()
            m._event_list.clear()

    def sync_time(self) -> None:
        """Give every model the clock's time (the firing event's)."""
        t = self.clock.time
        if t != self._t:
            self._t = t
            for m in self.models:
                m.time = t

    def schedule_event(self, fn: Callable, at: float, priority: Priority) -> Any:
        """``fn`` (one replicate's action) at time ``at``, on the batch's clock."""
        action = _Single(self, fn)
        self._pending.add(action)
        return self.clock.schedule_event(action.fire, at=at, priority=priority)

    def schedule_recurring(self, fn: Callable, schedule: Schedule, priority: Priority) -> Any:
        """``fn`` (one replicate's action) on ``schedule``, on the batch's clock."""
        action = _Single(self, fn, recurring=True)
        self._pending.add(action)
        return self.clock.schedule_recurring(action.fire, schedule, priority=priority)

    def run(self, day: int) -> None:
        """Day ``day``'s morning for every model; leaves their time at ``day + 1`` (as
        ``run_until(day + 1)`` does)."""
        self.clock.run_until(day + 1)
        self._t = day + 1
        for m in self.models:
            m.time = day + 1
