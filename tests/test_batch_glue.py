"""The batch's bookkeeping shortcuts give what the one-model bookkeeping gives: fixed costs
paid into every ledger at once, fatigue's running sum of the promotions in its window, the
day's cost total as one running sum over the categories."""

from __future__ import annotations

import numpy as np
import pytest

from growthsim.model.community import CommunityModel
from growthsim.model.ledger import Ledger
from test_group_life import all_of_it


def test_pay_fixed_all_is_pay_fixed_of_each_ledger():
    def ledgers():
        out = [Ledger(70, total=500.0, monthly_cap=200.0) for _ in range(3)]
        for k, lg in enumerate(out):
            lg.request(3, "campaign:x", 50.0 * k)  # the ledgers differ before the fixed costs
        return out

    one, all_ = ledgers(), ledgers()
    for day in (0, 3, 29, 30, 69):
        for cat, amount in (("staff", 1 / 3), ("tools", 10.0), ("staff", 0.0)):
            for lg in one:
                lg.pay_fixed(day, cat, amount)
            Ledger.pay_fixed_all(all_, day, cat, amount)
    for a, b in zip(one, all_):
        assert (a.spent, a.fixed_spent, a.discretionary_spent) == (b.spent, b.fixed_spent, b.discretionary_spent)
        assert dict(a.month_spent) == dict(b.month_spent)
        assert a.by_category.keys() == b.by_category.keys()
        assert all(a.by_category[c].tobytes() == b.by_category[c].tobytes() for c in a.by_category)
    with pytest.raises(ValueError):
        Ledger.pay_fixed_all(all_, 70, "staff", 1.0)  # past the horizon
    with pytest.raises(ValueError):
        Ledger.pay_fixed_all(all_, 1, "staff", -1.0)


def test_blocked_flags_follow_the_blocked_days():
    lg = Ledger(10, total=5.0)
    lg.request(2, "x", 4.0)
    lg.request(4, "x", 4.0)  # cut: blocked
    lg.mark_blocked(7)
    assert lg.blocked_days == {4, 7}
    assert np.nonzero(lg.blocked_flags)[0].tolist() == [4, 7]


def test_fatigue_keeps_the_sum_of_its_window():
    """The running sum of the promotions in the window equals the ring's sum every day (a
    plan whose campaigns count as promotions on many days)."""
    m = CommunityModel(scenario=all_of_it(horizon_days=60), replicate=0)
    f = m.life.fatigue
    sums = []
    for d in range(60):
        m.run_until(d + 1)
        assert f._promo_sum == f.promos.sum()
        sums.append(f._promo_sum)
    assert max(sums) > 0 and f.promos.sum() > 0


def test_cost_total_is_the_sum_in_category_order():
    """The series' ``cost`` is the day's categories summed in order (what ``total += v``
    per category gives), to the last bit."""
    m = CommunityModel(scenario=all_of_it(horizon_days=40), replicate=1)
    m.run()
    ts = m.timeseries()
    cats = [c for c in ts.columns if c.startswith("cost_")]
    assert len(cats) > 3
    for d in range(len(ts)):
        total = 0.0
        for c in cats:
            total += float(ts[c].iloc[d])
        assert total == ts["cost"].iloc[d]
    assert ts["cost"].sum() > 0
