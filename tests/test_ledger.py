"""Money conservation: the ledger alone (property tests) and whole runs (every lever paying).

Property tests drive :class:`growthsim.model.ledger.Ledger` with random sequences of fixed
payments and discretionary requests (continuous amounts and whole units) and check the
invariants its docstring promises. Whole-run tests check that the time series' ``cost``
column, its ``cost_<category>`` columns and the ledger frame all tell the same total.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from growthsim.model.ledger import MONTH_DAYS, Ledger
from growthsim.runner import run_plans, simulate
from growthsim.scenario import Scenario

from conftest import LIVELY_MEMBERS

HORIZON = 95  # four 30-day months, the last one short

money = st.floats(min_value=0.0, max_value=500.0, allow_nan=False, allow_infinity=False)
op = st.one_of(
    st.tuples(st.just("fixed"), st.integers(0, HORIZON - 1), money),
    st.tuples(st.just("request"), st.integers(0, HORIZON - 1), money),
    st.tuples(
        st.just("units"),
        st.integers(0, HORIZON - 1),
        st.tuples(st.floats(0.0, 80.0, allow_nan=False), st.integers(0, 20)),
    ),
)


def _apply(ledger: Ledger, ops) -> tuple[list, list]:
    """Run ``ops`` in day order (as a run would); return (fixed payments, discretionary grants)."""
    fixed, disc = [], []
    cats = ["staff", "tools", "channel:ads", "campaign:invite", "kol:star"]
    for k, (kind, day, arg) in enumerate(sorted(ops, key=lambda o: o[1])):
        cat = cats[k % len(cats)]
        if kind == "fixed":
            before = ledger.spent
            ledger.pay_fixed(day, "staff", arg)
            fixed.append((day, arg, ledger.spent - before))
        elif kind == "request":
            g = ledger.request(day, cat, arg)
            assert 0.0 <= g <= arg
            disc.append((day, g))
        else:
            unit, n = arg
            k_units = ledger.request_units(day, cat, unit, n)
            assert 0 <= k_units <= n
            g = k_units * unit
            disc.append((day, g))
        if kind != "fixed" and g > 0:
            # money granted at discretion is only what the fixed costs paid so far left
            slack = 1e-6 * (1.0 + ledger.spent)
            if ledger.total is not None:
                assert ledger.spent <= ledger.total + slack
            if ledger.monthly_cap is not None:
                assert ledger.month_spent[day // MONTH_DAYS] <= ledger.monthly_cap + slack
    return fixed, disc


@settings(max_examples=150, deadline=None)
@given(
    ops=st.lists(op, max_size=60),
    total=st.one_of(st.none(), st.floats(0.0, 3000.0, allow_nan=False)),
    monthly=st.one_of(st.none(), st.floats(0.0, 1500.0, allow_nan=False)),
)
def test_ledger_conserves_money_and_respects_caps(ops, total, monthly):
    ledger = Ledger(HORIZON, total=total, monthly_cap=monthly)
    fixed, disc = _apply(ledger, ops)
    frame = ledger.frame()
    tol = 1e-6 * (1.0 + ledger.spent)  # floating-point sums in a different order
    # sum of entries == spent == frame total == fixed + discretionary
    entries = sum(float(a.sum()) for a in ledger.by_category.values())
    assert entries == pytest.approx(ledger.spent, abs=tol)
    assert float(frame["amount"].sum()) == pytest.approx(ledger.spent, abs=tol)
    assert float(ledger.daily_total().sum()) == pytest.approx(ledger.spent, abs=tol)
    assert ledger.fixed_spent + ledger.discretionary_spent == pytest.approx(ledger.spent, abs=tol)
    # fixed costs are always paid in full, whatever the limits
    for _, amount, paid in fixed:
        assert paid == pytest.approx(amount, abs=1e-9 * (1 + amount))
    assert ledger.fixed_spent == pytest.approx(sum(a for _, a, _ in fixed), abs=tol)
    # discretionary spending never exceeds the total, nor the month's cap
    d_total = sum(g for _, g in disc)
    assert d_total == pytest.approx(ledger.discretionary_spent, abs=tol)
    if total is not None:
        assert ledger.discretionary_spent <= total + tol
    for month in range(math.ceil(HORIZON / MONTH_DAYS)):
        spent = sum(g for d, g in disc if d // MONTH_DAYS == month)
        # the ledger's own per-month books agree with the grants, fixed costs included
        assert ledger.month_discretionary[month] == pytest.approx(spent, abs=tol)
        paid_fixed = sum(a for d, a, _ in fixed if d // MONTH_DAYS == month)
        assert ledger.month_spent[month] == pytest.approx(spent + paid_fixed, abs=tol)
        if monthly is not None:
            assert spent <= monthly + tol
    # no payment is negative, none lies outside the horizon
    if len(frame):
        assert (frame["amount"] > 0).all()
        assert frame["day"].between(0, HORIZON - 1).all()


@settings(max_examples=100, deadline=None)
@given(
    ops=st.lists(op, min_size=1, max_size=40),
    total=st.floats(0.0, 2000.0, allow_nan=False),
)
def test_refusals_are_reported_on_the_day_they_happen(ops, total):
    """``exhausted_day`` is the first day some request was cut; a cut request means the
    money really was not there (what is left is smaller than the request)."""
    ledger = Ledger(HORIZON, total=total)
    first_cut = None
    for kind, day, arg in sorted(ops, key=lambda o: o[1]):
        if kind == "fixed":
            ledger.pay_fixed(day, "tools", arg)
            continue
        room = ledger.available(day)
        if kind == "request":
            cut = ledger.request(day, "channel:ads", arg) < arg - 1e-9
            if cut:
                assert room < arg
        else:
            unit, n = arg
            cut = ledger.request_units(day, "campaign:x", unit, n) < n
            if cut:
                assert room < unit * n
        if cut and first_cut is None:
            first_cut = day
        if cut:
            assert day in ledger.blocked_days
    assert ledger.exhausted_day == first_cut


def test_units_are_paid_whole_and_never_split():
    ledger = Ledger(30, total=100.0)
    assert ledger.request_units(0, "campaign:invite", 8.0, 5) == 5  # 40 paid
    assert ledger.request_units(1, "campaign:invite", 8.0, 10) == 7  # 56 of the 60 left
    assert ledger.spent == pytest.approx(96.0)
    assert ledger.exhausted_day == 1
    assert ledger.request_units(2, "campaign:invite", 8.0, 1) == 0  # 4 left: no whole unit
    assert ledger.spent == pytest.approx(96.0)
    # rewards of 0.1: 0.3 // 0.1 == 2 in floating point; units must still count 3
    small = Ledger(30, total=0.3)
    assert small.request_units(0, "campaign:checkin", 0.1, 3) == 3


def test_bad_payments_are_refused():
    ledger = Ledger(10)
    with pytest.raises(ValueError):
        ledger.pay_fixed(0, "staff", -1.0)
    with pytest.raises(ValueError):
        ledger.request(0, "channel:ads", float("nan"))
    with pytest.raises(ValueError):
        ledger.request(10, "channel:ads", 1.0)  # past the horizon
    with pytest.raises(ValueError):
        ledger.request_units(0, "campaign:x", 1.0, -2)


# ------------------------------------------------------------------ whole runs


def _all_levers_plan(**over) -> Scenario:
    """A small plan in which every kind of payment happens (fixed and discretionary)."""
    data = {
        "name": "all levers",
        "seed": 11,
        "horizon_days": 90,
        "replicates": 2,
        "market": {"size": 3000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        "members": {**LIVELY_MEMBERS, "initial": 200},  # ~2 orders a day: sale discounts are real money
        "groups": {"target_size": 60, "vip": {"enabled": True, "start_day": 30, "min_tenure_days": 10}},
        "economics": {"tools_per_month": 300, "devices_one_off": 1600},
        "staff": {"admin": {"count": 2, "salary_per_month": 3000, "groups_each": 2}},
        "volunteer_admins": {"enabled": True, "start_day": 20, "min_tenure_days": 10, "stipend_per_month": 150},
        "kols": {"star": {"kind": "external", "cost_per_post": 50, "schedule": {"per_week": 2}}},
        "channels": {"ads": {"daily_budget": 80, "max_reach": 100, "half_saturation_spend": 100, "join_rate": 0.05}},
        "campaigns": {
            "invite_reward": {"reward": 8, "threshold": 2},
            "checkin_cashback": {"reward": 3, "streak_days": 5},
            "lottery": {"kind": "lottery", "schedule": {"start_day": 10, "every_days": 20}, "prize": 2},
            "sale": {"kind": "flash_sale", "schedule": {"days": [15, 45]}, "duration_days": 2},
            "lecture": {"kind": "lecture", "schedule": {"start_day": 5, "every_days": 30}},
        },
    }
    data.update(over)
    return Scenario.model_validate(data)


def _check_run_money(ts, ledger_frame) -> None:
    cost_cols = [c for c in ts.columns if c.startswith("cost_")]
    tol = 1e-6 * (1.0 + float(ts["cost"].sum()))
    # per day: cost == sum of cost_<category>
    np.testing.assert_allclose(ts["cost"].to_numpy(), ts[cost_cols].sum(axis=1).to_numpy(), atol=1e-6)
    # whole run: time series == ledger frame, and per category too
    assert float(ts["cost"].sum()) == pytest.approx(float(ledger_frame["amount"].sum()), abs=tol)
    per_cat = ledger_frame.groupby("category")["amount"].sum()
    for cat, amount in per_cat.items():
        assert f"cost_{cat}" in ts.columns, f"ledger category {cat} has no time-series column"
        assert float(ts[f"cost_{cat}"].sum()) == pytest.approx(float(amount), abs=tol)


@pytest.mark.parametrize(
    "budget",
    [{}, {"total": 9000.0}, {"monthly_cap": 4000.0}],
    ids=["unlimited", "total", "monthly"],
)
def test_run_costs_agree_everywhere(budget):
    rs = run_plans({"p": _all_levers_plan(budget=budget)})
    for r in range(2):
        ts = rs.timeseries[rs.timeseries["replicate"] == r]
        led = rs.ledger[rs.ledger["replicate"] == r]
        _check_run_money(ts, led)
        # every category paid something in the unlimited run (the plan exercises them all)
        if not budget:
            assert ts["purchases"].sum() > 100 and ts["cost_campaign:sale"].sum() > 100
            cats = set(led["category"])
            for cat in (
                "staff",
                "volunteer_admins",
                "tools",
                "devices",
                "kol:star",
                "channel:ads",
                "campaign:invite_reward",
                "campaign:checkin_cashback",
                "campaign:lottery",
                "campaign:sale",
                "campaign:lecture",
            ):
                assert cat in cats, cat


def test_run_cost_equals_ledger_object():
    """The run's own Ledger, its frame and the time series agree (one replicate)."""
    from growthsim.model.community import CommunityModel

    plan = _all_levers_plan(budget={"total": 7000.0})
    model = CommunityModel(plan, seed=3, replicate=0)
    model.run()
    ts = model.timeseries()
    _check_run_money(ts, model.ledger.frame())
    assert float(ts["cost"].sum()) == pytest.approx(model.ledger.spent, rel=1e-9)
    # the same replicate through the runner gives the same money
    res = simulate(plan, seed=3, replicate=0)
    assert float(res.timeseries["cost"].sum()) == pytest.approx(model.ledger.spent, rel=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    total=st.one_of(st.none(), st.floats(0.0, 20000.0, allow_nan=False)),
    monthly=st.one_of(st.none(), st.floats(0.0, 8000.0, allow_nan=False)),
    ads=st.floats(0.0, 400.0, allow_nan=False),
    reward=st.floats(0.0, 20.0, allow_nan=False),
    cap=st.one_of(st.none(), st.floats(0.0, 500.0, allow_nan=False)),
    seed=st.integers(0, 2**31),
)
def test_random_plans_keep_money_consistent(total, monthly, ads, reward, cap, seed):
    """Whole runs of random budgets and lever settings: the three views of money agree,
    discretionary spending stays under the total and each month's cap, fixed costs are
    paid every day."""
    from growthsim.model.community import CommunityModel

    plan = _all_levers_plan(
        horizon_days=60,
        budget={"total": total, "monthly_cap": monthly},
        channels={"ads": {"daily_budget": ads, "max_reach": 100, "half_saturation_spend": 100}},
        campaigns={
            "invite_reward": {"reward": reward, "threshold": 2, "budget_cap": cap},
            "lecture": {"kind": "lecture", "schedule": {"start_day": 5, "every_days": 10}, "budget_cap": cap},
        },
    )
    model = CommunityModel(plan, seed=seed, replicate=0)
    model.run()
    ts = model.timeseries()
    _check_run_money(ts, model.ledger.frame())
    fixed_cols = ["cost_staff", "cost_volunteer_admins", "cost_tools", "cost_devices"]
    fixed = ts[fixed_cols].sum(axis=1).to_numpy()
    disc = ts["cost"].to_numpy() - fixed
    assert (fixed[1:] >= 200.0 + 10.0 - 1e-9).all()  # 2 admins' salaries + tools, every day
    if total is not None:
        assert disc.sum() <= total + 1e-6
    if monthly is not None:
        month = ts["day"].to_numpy() // MONTH_DAYS
        for k in np.unique(month):
            assert disc[month == k].sum() <= monthly + 1e-6
    if cap is not None:
        for name in ("invite_reward", "lecture"):
            assert ts[f"cost_campaign:{name}"].sum() <= cap + 1e-6


def test_bad_payments_name_the_value():
    ledger = Ledger(10)
    with pytest.raises(ValueError, match=r"payment day must be in 0\.\.9, got 10"):
        ledger.pay_fixed(10, "staff", 1.0)
    with pytest.raises(ValueError, match="payment must be a non-negative amount, got -1.0"):
        ledger.request(0, "channel:ads", -1.0)
    with pytest.raises(ValueError, match="number of units must be non-negative, got -2"):
        ledger.request_units(0, "campaign:x", 1.0, -2)
    assert ledger.spent == 0 and ledger.exhausted_day is None


def test_whole_units_at_the_edge_of_floating_point():
    """0.3 of money buys three units of 0.1 although 0.3 / 0.1 = 2.9999999999999996 in
    floating point (the ledger's slack); 0.29 buys two; 100,000 buys exactly 10^6. The request that is cut
    marks the day; an unlimited ledger affords any number of units."""
    ledger = Ledger(10, total=0.3)
    assert ledger.affordable_units(0, 0.1) == 3
    assert ledger.request_units(2, "campaign:x", 0.1, 5) == 3
    assert ledger.exhausted_day == 2 and ledger.blocked_days == {2}
    assert ledger.available(3) == 0.0 and ledger.request_units(3, "campaign:x", 0.1, 1) == 0
    assert Ledger(10, total=0.29).affordable_units(0, 0.1) == 2
    assert Ledger(10, total=100_000.0).affordable_units(0, 0.1) == 1_000_000  # exact: no unit lost
    assert Ledger(10).affordable_units(0, 1e-300) == 1 << 62


def test_first_refusal_is_the_exhausted_day_even_when_reported_late():
    ledger = Ledger(10, total=5.0)
    ledger.mark_blocked(6)
    ledger.mark_blocked(4)
    ledger.mark_blocked(4)
    ledger.mark_blocked(8)
    assert ledger.exhausted_day == 4 and ledger.blocked_days == {4, 6, 8}
