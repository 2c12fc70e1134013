"""``DailySeries``: a ``mesa.DataCollector`` whose model variables live in one
preallocated numpy table (one row per collected day, one column per counter).

Mesa's collector calls a reporter and deep-copies its value for every variable on every
step; with ~50 daily counters that is most of a small market's day. The model writes its
day's counters into :attr:`DailySeries.row` and :meth:`collect` copies that row into the
table. Everything that reads a ``DataCollector`` keeps working: ``model_vars`` (a mapping
name -> list of values, as ``mesa.batch_run`` reads it), ``_collection_steps`` and
``get_model_vars_dataframe()``.
"""

from __future__ import annotations

from collections.abc import Iterable

import mesa
import numpy as np
import pandas as pd


class DailySeries(mesa.DataCollector):
    """Daily counters ``names`` (``floats``: the ones kept as floats; the others are
    counts, reported as integers), room for ``capacity`` collections (grows if needed)."""

    def __init__(self, names: Iterable[str], floats: Iterable[str] = (), capacity: int = 365) -> None:
        self.names = list(names)
        self.index = {name: j for j, name in enumerate(self.names)}
        if len(self.index) != len(self.names):
            raise ValueError("duplicate counter names")
        fl = set(floats)
        self._is_float = np.array([n in fl for n in self.names], dtype=bool)
        self._table = np.zeros((max(1, int(capacity)), len(self.names)), dtype=np.float64)
        self._n = 0
        self._vars_cache: dict[str, list] | None = None
        self.row = np.zeros(len(self.names), dtype=np.float64)
        super().__init__(model_reporters={name: name for name in self.names})

    # mesa.DataCollector stores ``model_vars`` as a dict of lists; here it is a view of the
    # table, rebuilt on demand and cached until the next collection.
    @property
    def model_vars(self) -> dict[str, list]:
        if self._vars_cache is None:
            data = self._table[: self._n]
            self._vars_cache = {
                name: (data[:, j].tolist() if self._is_float[j] else data[:, j].astype(np.int64).tolist())
                for j, name in enumerate(self.names)
            }
        return self._vars_cache

    @model_vars.setter
    def model_vars(self, value) -> None:  # set (to {}) by DataCollector.__init__
        self._vars_cache = None

    def _new_model_reporter(self, name, reporter) -> None:
        self.model_reporters[name] = reporter

    def collect(self, model) -> None:
        """Store the current :attr:`row` as the next collected day."""
        if self._n == self._table.shape[0]:
            self._table = np.concatenate([self._table, np.zeros_like(self._table)])
        self._table[self._n] = self.row
        self._n += 1
        self._collection_steps.append(model.time)
        self._vars_cache = None

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
