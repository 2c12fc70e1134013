"""Customer-level baselines for a backtest on a transaction log.

``bgnbd``: the BG/NBD model of Fader, Hardie & Lee (2005) fitted by maximum likelihood
with ``lifetimes.BetaGeoFitter`` to the training part of the log (each customer's repeat
orders, recency and age at the end of training, in weeks), then its expected repeat orders
of the customers known at the end of training, E[X(t) | x, t_x, T], summed over customers,
for t = the end of each held-out period. Why lifetimes: it is the reference
implementation of BG/NBD and Pareto/NBD in Python (the CDNOW sample that ships with it is
the data set of the BG/NBD paper, and its fit reproduces the paper's parameters); it is
pure Python on numpy/scipy/autograd and installs from its wheel. Only its fitter is used:
``lifetimes.utils`` and ``lifetimes.datasets`` do not run on pandas 3 / current
setuptools, so the customer summary is computed here
(:meth:`growthsim.calibrate.transactions.TransactionLog.rfm`).

The BG/NBD forecast has no acquisition (customers who join after the training part are
not in it) and gives an expectation, not a band.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

WEEK = 7.0


def bgnbd_forecast(
    log, train_days: int, horizon_periods: int, period_days: int, penalizer: float = 0.0
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """Expected repeat orders per held-out period by BG/NBD, and the fitted parameters;
    None when lifetimes is not installed or the fit fails."""
    try:
        from lifetimes import BetaGeoFitter
    except ImportError:  # pragma: no cover - lifetimes is a dependency
        return None
    rfm = log.rfm(train_days, WEEK)
    if len(rfm) < 10 or rfm["frequency"].sum() == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # an unpenalised fit first (the published one); if the optimiser does not converge
        # (small or un-BG/NBD-like data drive b or alpha to infinity), the L2 penalty that
        # lifetimes offers for this, at two strengths
        for pen in (penalizer, 0.001, 0.01):
            bg = BetaGeoFitter(penalizer_coef=pen)
            try:
                bg.fit(rfm["frequency"], rfm["recency"], rfm["T"])
                break
            except Exception:  # noqa: BLE001 - the optimiser's failures come in many types
                continue
        else:
            return None
        ends = np.arange(1, horizon_periods + 1) * period_days / WEEK
        cum = np.asarray(
            [
                float(
                    np.sum(
                        bg.conditional_expected_number_of_purchases_up_to_time(
                            t, rfm["frequency"], rfm["recency"], rfm["T"]
                        )
                    )
                )
                for t in ends
            ]
        )
    per = np.diff(np.concatenate([[0.0], cum]))
    params = {k: float(v) for k, v in bg.params_.items()}
    return per, {
        "model": "BG/NBD (lifetimes.BetaGeoFitter)",
        "customers": int(len(rfm)),
        "penalizer": pen,
        "repeat_orders_train": int(rfm["frequency"].sum()),
        **params,
    }
