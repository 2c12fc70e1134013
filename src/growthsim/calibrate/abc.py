"""Parameter posterior by approximate Bayesian computation (ABC-SMC, with pyabc).

``method: abc_smc`` in the calibration spec. The prior is the spec's bounds: uniform on
each parameter (uniform in its logarithm with ``scale: log``), i.e. uniform on the unit
cube that :class:`growthsim.calibrate.fit.FitProblem` maps to values. One model run is
**one** simulated history at θ with its own random stream (replicate index drawn from the
sampler's seeded generator; no common random numbers here: the simulation noise is part
of the likelihood ABC approximates). Its summary statistics are, per fitted series, the
compared path of the fit (running totals for flows, levels for stocks) at the end of
every week (every row for weekly histories), divided by max(1, mean |observed|) and by
sqrt(weeks / weight), so the Euclidean distance between summaries is the weighted RMSE
of the objective in :mod:`growthsim.calibrate.fit`.

pyabc runs sequential Monte Carlo ABC (Toni et al. 2009; Klinger, Rickert & Hasenauer
2018): generation t accepts particles whose distance is below ε_t, with ε_t the median
of the previous generation's accepted distances, proposals from a multivariate normal
kernel around the previous generation's weighted particles, importance weights
prior/proposal. It stops after ``generations`` generations, after the generation in
which the model runs reach ``max_simulations`` (pyabc checks between generations, and a
calibration sample of ``population`` runs comes first, so a run can exceed the budget by
about one generation), or when the acceptance rate falls below ``min_acceptance_rate``. The
database is a SQLite file in a temporary folder, deleted afterwards (no server).

The sampler (:func:`BatchSampler`, a pyabc ``Sampler``) runs the model on the batched
engine: pyabc proposes candidates one at a time (each its own ``simulate_one`` call, run in
a helper thread that stops where it calls the model), a chunk of up to ``batch`` proposals
(default: one population) is simulated in one :class:`growthsim.model.batch.CommunityBatch`
run, then each proposal is finished (distance, acceptance) in the order it was made. Only
one thread runs at a time and the proposals are drawn in the same order as pyabc's
single-core sampler draws them; the global random state is put back to where that sampler
would leave it (after the last proposal it would have made), so the posterior is the
single-core sampler's, whatever the chunk size: same seed, same result. (This relies on
pyabc drawing no random numbers after a proposal's model call — true of the p-norm
distance and uniform acceptor used here; a stochastic acceptor would still give a
reproducible posterior, but not the single-core sampler's.)

Returned: the weighted particles of the last generation (the posterior sample), the
weighted marginal medians as point estimate, weighted SD and P5–P95, the posterior
correlation matrix, the shrinkage of each parameter (1 − posterior variance / prior
variance, in the unit cube) and ``posterior_draws`` parameter sets drawn from the
particles by systematic resampling (the forecast's parameter sets).
"""

from __future__ import annotations

import functools
import logging
import math
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from growthsim.calibrate.fit import comparable
from growthsim.i18n import _

PRIOR_VAR = 1.0 / 12.0  # variance of U(0, 1)


@dataclass
class Posterior:
    """The ABC-SMC result in the unit cube and in parameter values."""

    names: list[str]
    particles: np.ndarray  # (N, k) unit cube
    weights: np.ndarray  # (N,) summing to 1
    point: dict[str, Any]
    draws: list[dict[str, Any]]
    summary: dict[str, dict[str, float]]
    correlation: list[list[float]]
    generations: list[dict[str, float]]
    simulations: int  # the proposals pyabc counts (as its single-core sampler makes them)
    seconds: float
    runs: int = 0  # engine runs (simulations plus the unused proposals of the last chunks)


def _weekly_index(n: int, period_days: int) -> np.ndarray:
    if period_days == 7:
        return np.arange(n)
    idx = np.arange(6, n, 7)
    return idx if len(idx) and idx[-1] == n - 1 else np.append(idx, n - 1)


def summaries(
    observed: dict[str, np.ndarray], sims: dict[str, np.ndarray], weights: dict[str, float], period_days: int
) -> np.ndarray:
    """The summary vector of one simulated history (``sims``: series -> (periods,))."""
    parts = []
    for s, w in weights.items():
        y, m = comparable(s, observed[s], sims[s])
        if len(y) == 0:
            continue
        idx = _weekly_index(len(y), period_days)
        scale = max(1.0, float(np.mean(np.abs(y))))
        parts.append(m[idx] / scale / math.sqrt(len(idx) / w))
    return np.concatenate(parts) if parts else np.zeros(0)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    cw = cw / cw[-1]
    return float(np.interp(q, cw - w[order] / (2 * cw[-1]), x[order]))


def systematic_resample(w: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    u = (rng.random() + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(w / w.sum()), u), len(w) - 1)


class _LogBridge(logging.Handler):
    """pyabc's progress lines (one per generation) to the calibrate log."""

    def __init__(self, log, t0: float):
        super().__init__(logging.INFO)
        self.log, self.t0 = log, t0

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith(("t:", "Accept", "Stop")):
            self.log(f"  abc-smc [{time.perf_counter() - self.t0:5.1f} s] {msg}")


class _Slot:
    """One proposal: the thread running pyabc's ``simulate_one`` and what it asked for."""

    def __init__(self) -> None:
        self.par: Any = None
        self.out: Any = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.asked = threading.Event()  # the model was called (or simulate_one ended)
        self.go = threading.Event()  # the model's output is there
        self.thread: threading.Thread | None = None


class _BatchSampling:
    """A pyabc sampler that simulates chunks of proposals on the batched engine (see the
    module docstring). ``evaluate(pars)`` gets the proposals' parameters (pyabc's
    ``Parameter`` dicts, in proposal order) and returns the model outputs in that order;
    ``batch`` caps the chunk; ``progress(t, accepted, n, simulations)`` is called after
    each chunk."""

    def __init__(self, evaluate, batch: int = 100, progress=None) -> None:
        super().__init__()
        self.evaluate, self.batch, self.progress = evaluate, max(1, int(batch)), progress
        self.rate = 1.0  # acceptance rate of the last generation: sizes the chunks
        self._slots: dict[int, _Slot] = {}

    # pyabc calls the model through this (inside a proposal's thread)
    def model(self, par) -> Any:
        slot = self._slots[threading.get_ident()]
        slot.par = par
        slot.asked.set()
        slot.go.wait()
        return slot.out

    def _chunk(self, simulate_one, k: int) -> tuple[list[_Slot], list[Any]]:
        slots, states = [], []
        for _j in range(k):
            slot = _Slot()

            def run(slot: _Slot = slot) -> None:
                self._slots[threading.get_ident()] = slot
                try:
                    slot.result = simulate_one()
                except BaseException as e:  # re-raised in the sampler's thread
                    slot.error = e
                finally:
                    slot.asked.set()

            slot.thread = threading.Thread(target=run, daemon=True)
            slot.thread.start()
            slot.asked.wait()  # proposals are drawn one after another, in order
            states.append(np.random.get_state())  # where a single-core sampler would be after it
            slots.append(slot)
        waiting = [s for s in slots if s.par is not None and s.error is None]  # blocked in the model
        try:
            outs = self.evaluate([s.par for s in waiting]) if waiting else []
        except BaseException:
            for s in waiting:  # let the threads end
                s.out = None
                s.go.set()
            raise
        for s, o in zip(waiting, outs):
            s.out = o
            s.go.set()
            assert s.thread is not None
            s.thread.join()  # finished in proposal order
        self._slots.clear()
        for s in slots:
            if s.error is not None:
                raise s.error
        return slots, states

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        sample = self._create_empty_sample()  # type: ignore[attr-defined]  # pyabc Sampler (the class made below)
        simulations = 0
        while sample.n_accepted < n:
            need = n - sample.n_accepted
            k = int(min(self.batch, max(4, math.ceil(1.1 * need / max(self.rate, 1e-3)))))
            slots, states = self._chunk(simulate_one, k)
            for slot, state in zip(slots, states):
                sample.append(slot.result)
                simulations += 1
                if sample.n_accepted >= n:
                    # the proposals after this one were not needed: the random state goes
                    # back to where the single-core sampler would stop
                    np.random.set_state(state)
                    break
            if self.progress:
                self.progress(t, sample.n_accepted, n, simulations)
        self.rate = sample.n_accepted / max(1, simulations)
        self.nr_evaluations_ = simulations
        return sample


@functools.cache
def _sampler_class() -> type:
    import pyabc  # imported when first needed

    return type("BatchSampler", (_BatchSampling, pyabc.sampler.Sampler), {"__doc__": _BatchSampling.__doc__})


def BatchSampler(evaluate, batch: int = 100, progress=None) -> Any:
    """A pyabc ``Sampler`` on the batched engine (:class:`_BatchSampling`)."""
    return _sampler_class()(evaluate, batch, progress)


def abc_posterior(
    problem,
    seed: int,
    population: int = 100,
    generations: int = 8,
    max_simulations: int = 3000,
    min_acceptance_rate: float = 0.02,
    posterior_draws: int = 20,
    log=None,
    batch: int | None = None,
) -> Posterior:
    """ABC-SMC posterior of ``problem``'s parameters (see the module docstring)."""
    import pyabc

    t0 = time.perf_counter()
    names = problem.names
    k = len(names)
    keys = [f"u{i}" for i in range(k)]
    h = problem.history
    observed = problem.observed
    weights = problem.weights
    obs_vec = summaries(observed, observed, weights, h.period_days)
    rng = np.random.default_rng(seed)
    counter = {"n": 0}
    replicate_base = 10_000_000  # replicate indices the fit's common random numbers never use

    def evaluate(pars: list) -> list[dict]:
        # one simulated history per proposal, its replicate index drawn when proposed
        values = [problem.to_values(np.asarray([p[kk] for kk in keys], dtype=float)) for p, _r in pars]
        counter["n"] += len(pars)
        sims = problem.simulate_many(values, [r for _p, r in pars])
        return [
            {"s": summaries(observed, {s: v[i] for s, v in sims.items()}, weights, h.period_days)}
            for i in range(len(pars))
        ]

    def progress(t: int, accepted: int, n: int, simulations: int) -> None:
        if log:
            log(
                _("  abc-smc [{s:5.1f} s] generation {t}: {a} of {n} accepted after {k} simulations").format(
                    s=time.perf_counter() - t0, t=t, a=accepted, n=n, k=simulations
                )
            )

    sampler = BatchSampler(evaluate, batch or population, progress)

    def model(par: dict) -> dict:
        # called in the proposal's thread: its replicate index comes from the global
        # random state in proposal order, as pyabc's own draws do
        r = replicate_base + int(np.random.randint(0, 2**31 - 1))
        return sampler.model((par, r))

    prior = pyabc.Distribution(**{kk: pyabc.RV("uniform", 0.0, 1.0) for kk in keys})
    distance = pyabc.PNormDistance(p=2)
    state = np.random.get_state()
    np.random.seed(seed % (2**32))
    handler = _LogBridge(log, t0) if log else None

    root = logging.getLogger("ABC")
    own_handlers = root.handlers[:]
    old_level = root.level
    root.handlers = [handler] if handler else []
    root.setLevel(logging.INFO if handler else logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="growthsim-abc-") as tmp:
            abc = pyabc.ABCSMC(
                model,
                prior,
                distance,
                population_size=population,
                sampler=sampler,
                eps=pyabc.MedianEpsilon(),
            )
            db = "sqlite:///" + str(Path(tmp) / "abc.db")
            abc.new(db, {"s": obs_vec})
            hist = abc.run(
                minimum_epsilon=0.0,
                max_nr_populations=generations,
                max_total_nr_simulations=max_simulations,
                min_acceptance_rate=min_acceptance_rate,
            )
            df, w = hist.get_distribution(m=0, t=hist.max_t)
            pops = hist.get_all_populations()
            total = int(hist.total_nr_simulations)
            gens = [
                {"t": int(r["t"]), "epsilon": float(r["epsilon"]), "simulations": int(r["samples"])}
                for _, r in pops.iterrows()
                if int(r["t"]) >= 0
            ]
    finally:
        np.random.set_state(state)
        root.handlers = own_handlers
        root.setLevel(old_level)
    U = df[keys].to_numpy(dtype=float)
    w = np.asarray(w, dtype=float)
    w = w / w.sum()
    point_u = np.asarray([weighted_quantile(U[:, j], w, 0.5) for j in range(k)])
    point = problem.to_values(point_u)
    idx = systematic_resample(w, posterior_draws, rng)
    draws = [problem.to_values(U[i]) for i in idx]
    vals = np.asarray([[problem.to_values(U[i])[n] for n in names] for i in range(len(U))], dtype=float)
    summary = {}
    mean_u = (w[:, None] * U).sum(axis=0)
    cov_u = ((U - mean_u).T * w) @ (U - mean_u)
    for j, n in enumerate(names):
        mv = float((w * vals[:, j]).sum())
        summary[n] = {
            "median": float(point[n]),
            "mean": mv,
            "sd": float(math.sqrt(max(0.0, (w * (vals[:, j] - mv) ** 2).sum()))),
            "p5": weighted_quantile(vals[:, j], w, 0.05),
            "p95": weighted_quantile(vals[:, j], w, 0.95),
            "shrinkage": float(1.0 - cov_u[j, j] / PRIOR_VAR),
        }
    sd = np.sqrt(np.maximum(np.diag(cov_u), 1e-300))
    corr = (cov_u / np.outer(sd, sd)).tolist()
    ess = float(1.0 / np.sum(w**2))
    if log:
        log(
            _(
                "abc-smc: {n_gens} generations, {value} simulations, posterior ESS {ess:.0f} of {n_w}, {value2:.1f} s"
            ).format(n_gens=len(gens), value=total, ess=ess, n_w=len(w), value2=time.perf_counter() - t0)
        )
        log(_("  abc-smc: {n} engine runs in batches of up to {b}").format(n=counter["n"], b=sampler.batch))
    return Posterior(names, U, w, point, draws, summary, corr, gens, total, time.perf_counter() - t0, counter["n"])
