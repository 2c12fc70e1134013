"""``DailySeries.collect`` records Mesa's bookkeeping (its ``day`` list and collection
times, which ``mesa.batch_run`` reads) itself once Mesa validated the reporter: the lists
must be what Mesa's own ``DataCollector.collect`` appends, for a model alone and for every
model of a batch."""

from __future__ import annotations

import mesa
import numpy as np

from growthsim.model.batch import CommunityBatch
from growthsim.model.community import CommunityModel
from growthsim.model.series import DailySeries
from test_batch import plan


def mesa_records(models) -> list[tuple[list, list, bytes]]:
    return [
        (
            list(m.datacollector._collection_steps),
            list(m.datacollector.model_vars["day"]),
            m.timeseries().to_numpy().tobytes(),
        )
        for m in models
    ]


def through_mesa(self, model) -> None:
    """The collect before the fast path: the row, then Mesa's collect every day."""
    if self._n == self._table.shape[0]:
        self._table = np.concatenate([self._table, np.zeros_like(self._table)])
    self._table[self._n] = self.row
    self._n += 1
    mesa.DataCollector.collect(self, model)


def runs(sc):
    one = CommunityModel(sc, replicate=1)
    one.run()
    b = CommunityBatch(sc, replicates=range(3), parallel=False)
    b.run()
    return [one, *b.models]


def test_collect_records_what_mesa_records(monkeypatch):
    sc = plan(horizon_days=30)
    fast = runs(sc)
    assert all(m.datacollector._mesa_lists is not None for m in fast)  # the fast path ran
    with monkeypatch.context() as mp:
        mp.setattr(DailySeries, "collect", through_mesa)
        slow = runs(sc)
    assert mesa_records(fast) == mesa_records(slow)
    steps, days, _ = mesa_records(fast)[0]
    assert days == list(range(30)) and steps == [float(d + 1) for d in range(30)]


def test_a_reporter_added_later_goes_through_mesa():
    sc = plan(horizon_days=30)
    m = CommunityModel(sc)
    m.step()
    m.datacollector.model_reporters["groups2"] = lambda mod: mod.n_groups
    m.datacollector.model_vars._mesa["groups2"] = []
    m.run()
    assert len(m.datacollector.model_vars._mesa["groups2"]) == 29
    assert list(m.datacollector.model_vars["day"]) == list(range(30))
