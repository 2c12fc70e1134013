"""``DailySeries``: a ``mesa.DataCollector`` whose model variables live in one
preallocated numpy table (one row per collected day, one column per counter).

Mesa's collector calls a reporter and deep-copies its value for every variable on every
step; with ~50 daily counters that is most of a small market's day. The model writes its
day's counters into :attr:`DailySeries.row` and :meth:`collect` copies that row into the
table. Only Mesa's public API is used: the collector is built with one model reporter,
``day``, and :meth:`collect` calls ``DataCollector.collect`` (so Mesa records the day and
its own bookkeeping of collection times, which ``mesa.batch_run`` reads); ``model_vars``
(name -> list of values, as ``mesa.batch_run`` and Mesa's docs read it) is a read-only
mapping over the table, with Mesa's own ``day`` list; ``get_model_vars_dataframe()`` reads
the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import mesa
import numpy as np
import pandas as pd


class _TableVars(Mapping):
    """``model_vars`` of a :class:`DailySeries`: counter name -> list of daily values
    (counts as ints, money as floats), rebuilt from the table when a day was added."""

    def __init__(self, series: "DailySeries", mesa_vars: Mapping[str, list]) -> None:
        self._series = series
        self._mesa = mesa_vars  # Mesa's own lists (the ``day`` reporter), appended by Mesa
        self._cache: dict[str, list] = {}
        self._cached_n = -1

    def _columns(self) -> dict[str, list]:
        s = self._series
        if self._cached_n != s._n:
            data = s._table[: s._n]
            self._cache = {
                name: (data[:, j].tolist() if s._is_float[j] else data[:, j].astype(np.int64).tolist())
                for j, name in enumerate(s.names)
            }
            self._cached_n = s._n
        return self._cache

    def __getitem__(self, name: str) -> list:
        if name in self._mesa:
            return self._mesa[name]
        return self._columns()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._series.names)

    def __len__(self) -> int:
        return len(self._series.names)

    def __contains__(self, name: object) -> bool:
        return name in self._series.index


class DailySeries(mesa.DataCollector):
    """Daily counters ``names`` (``floats``: the ones kept as floats; the others are
    counts, reported as integers), room for ``capacity`` collections (grows if needed)."""

    model_vars: Mapping[str, list]  # Mesa's dict, wrapped in a _TableVars by __init__

    def __init__(self, names: Iterable[str], floats: Iterable[str] = (), capacity: int = 365) -> None:
        self.names = list(names)
        self.index = {name: j for j, name in enumerate(self.names)}
        if len(self.index) != len(self.names):
            raise ValueError("duplicate counter names")
        fl = set(floats)
        self._is_float = np.array([n in fl for n in self.names], dtype=bool)
        self._table = np.zeros((max(1, int(capacity)), len(self.names)), dtype=np.float64)
        self._n = 0
        self.row = np.zeros(len(self.names), dtype=np.float64)
        if "day" not in self.index:
            raise ValueError("a DailySeries needs a 'day' counter (Mesa's reporter)")
        self._day = self.index["day"]
        super().__init__(model_reporters={"day": self._today})
        self.model_vars = _TableVars(self, self.model_vars)
        # Mesa's collection times and its ``day`` list, once collect may append to them
        self._mesa_lists: tuple[list, list] | None = None

    def _today(self) -> int:
        """Mesa's reporter of the ``day`` counter: the day in :attr:`row`."""
        return int(self.row[self._day])

    def collect(self, model) -> None:
        """Store the current :attr:`row` as the next collected day; Mesa records it too
        (its ``day`` list and collection times). After Mesa's first collection (which
        validates the reporter), while the collector still has only its ``day``
        reporter, that record is made here: what ``DataCollector.collect`` appends for
        it, without its per-call checks (``tests/test_series.py`` compares the two)."""
        if self._n == self._table.shape[0]:
            self._table = np.concatenate([self._table, np.zeros_like(self._table)])
        self._table[self._n] = self.row
        self._n += 1
        mesa_lists = self._mesa_lists
        if (
            mesa_lists is not None
            and len(self.model_reporters) == 1
            and not self.agent_reporters
            and not self.agenttype_reporters
        ):
            mesa_lists[0].append(model.time)
            mesa_lists[1].append(int(self.row[self._day]))
            return
        super().collect(model)
        if (
            getattr(self, "_validated", False)
            and list(self.model_reporters) == ["day"]
            and not self.agent_reporters
            and not self.agenttype_reporters
            and isinstance(getattr(self, "_collection_steps", None), list)
        ):
            self._mesa_lists = (self._collection_steps, self.model_vars["day"])

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        data = self._table[: self._n]
        cols = {
            name: (data[:, j].copy() if self._is_float[j] else data[:, j].astype(np.int64))
            for j, name in enumerate(self.names)
        }
        return pd.DataFrame(cols)

    def last(self) -> dict[str, float]:
        """The most recently collected day as a mapping (empty before the first)."""
        if self._n == 0:
            return {}
        return dict(zip(self.names, self._table[self._n - 1].tolist()))
