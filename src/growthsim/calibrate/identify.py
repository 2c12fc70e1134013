"""Before fitting: which parameters can the history pin down?

A local sensitivity and collinearity screen (Brun, Reichert & Künsch 2001, "Practical
identifiability analysis of large environmental simulation models") at the starting values,
on the quantities the fit compares: the summary vector of :mod:`growthsim.calibrate.abc`
(per fitted series, the compared path at the end of each week, scaled as the distance
scales it). With common random numbers (the fit's seed, replicates 0..R-1) each parameter
is moved by ±``step`` of its prior range (in the unit cube: log-scaled where asked), and

- **sensitivity** ``snr_j`` = the change of the summary vector per tenth of the prior
  range, ‖J_j‖ / 10, over the simulation noise (the RMS distance of one replicate's summary
  from the replicate mean). Below 1, a tenth of the prior range moves the observed series
  less than one history's randomness does: the history says little about the parameter;
- **collinearity**: the cosine between the normalised sensitivity vectors of two parameters.
  Near ±1 the two move the observed series the same way, so the data pin down one
  combination of them, not each (the collinearity index γ = 1/√λ_min(ĴᵀĴ) over all
  parameters; Brun et al. call γ above 10–15 poorly identifiable).

Verdicts, taking the parameters in the order the spec lists them (list the one to keep
first): ``pinned down`` (snr ≥ 1 and |cos| < 0.99 with every parameter already pinned
down), ``weak`` (snr < 1), ``confounded with X`` (|cos| ≥ 0.99 with X, listed earlier:
a pairwise collinearity index 1/√(1−|cos|) ≥ 10, Brun et al.'s threshold). With
``identifiability: fix`` the weak and confounded parameters keep their scenario values;
otherwise their bounds stay their prior and the posterior (``abc_smc``) or the bootstrap
shows how little the data add. The screen is local (at the start values) and linear: the
posterior's shrinkage and correlations, reported after the fit, are the global check.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from growthsim.calibrate.abc import summaries

SNR_MIN = 1.0
COS_MAX = 0.99  # pairwise collinearity index 1/sqrt(1-|cos|) = 10, Brun et al.'s threshold


def screen(problem, step: float = 0.1, replicates: int | None = None) -> dict[str, Any]:
    """The identifiability screen of ``problem`` at its start values."""
    names = problem.names
    k = len(names)
    R = max(2, problem.spec.replicates if replicates is None else replicates)
    h = problem.history
    u0 = problem.to_unit(problem.start_values())

    def summ(u: np.ndarray) -> np.ndarray:
        sims = problem.simulate(problem.to_values(u), replicates=R)
        return np.asarray(
            [
                summaries(problem.observed, {s: v[r] for s, v in sims.items()}, problem.weights, h.period_days)
                for r in range(R)
            ]
        )

    base = summ(u0)
    noise = float(np.sqrt(np.mean(np.sum((base - base.mean(axis=0)) ** 2, axis=1)))) or 1e-12
    J = np.zeros((base.shape[1], k))
    for j in range(k):
        up, dn = u0.copy(), u0.copy()
        up[j] = min(1.0, u0[j] + step)
        dn[j] = max(0.0, u0[j] - step)
        J[:, j] = (summ(up).mean(axis=0) - summ(dn).mean(axis=0)) / (up[j] - dn[j])
    norms = np.linalg.norm(J, axis=0)
    snr = norms / 10.0 / noise
    Jn = J / np.where(norms > 0, norms, 1.0)
    cos = Jn.T @ Jn
    lam = np.linalg.eigvalsh(cos) if k else np.zeros(0)
    gamma = float(1.0 / math.sqrt(max(lam.min(), 1e-12))) if k > 1 else 1.0
    out: dict[str, Any] = {
        "step": step,
        "replicates": R,
        "noise_rms": noise,
        "collinearity_index": gamma,
        "parameters": {},
        "cosine": cos.tolist(),
        "names": names,
    }
    taken: list[int] = []
    for j, n in enumerate(names):  # in the spec's order: the first of a collinear pair is kept
        verdict = "pinned down"
        partner = None
        if snr[j] < SNR_MIN:
            verdict = "weak"
        else:
            for i in taken:
                if abs(cos[i, j]) >= COS_MAX:
                    verdict, partner = f"confounded with {names[i]}", names[i]
                    break
            else:
                taken.append(j)
        out["parameters"][n] = {
            "start": float(problem.to_values(u0)[n]),
            "snr": float(snr[j]),
            "sensitivity": float(norms[j]),
            "verdict": verdict,
            "partner": partner,
            "max_abs_cosine": float(max((abs(cos[i, j]) for i in range(k) if i != j), default=0.0)),
        }
    out["identified"] = [n for n in names if out["parameters"][n]["verdict"] == "pinned down"]
    out["not_identified"] = [n for n in names if n not in out["identified"]]
    return out


def describe(sc: dict[str, Any]) -> list[str]:
    """One line per parameter, for the log and the report."""
    lines = []
    for n, p in sc["parameters"].items():
        lines.append(f"{n}: {p['verdict']} (sensitivity/noise {p['snr']:.2f}, max |cos| {p['max_abs_cosine']:.2f})")
    return lines


def global_screen(
    problem, points: int = 8, seed: int = 0, step: float = 0.1, replicates: int | None = None
) -> dict[str, Any]:
    """The screen of :func:`screen` repeated at ``points`` points spread over the prior.

    The local screen sees only the slope at the start values: a parameter that matters
    elsewhere (e.g. a dormant hazard where it equals the active one) looks weak there. Here
    the points are a scrambled Sobol' sequence in the unit cube (``scipy.stats.qmc``,
    seeded), and at each the sensitivity/noise of every parameter and the largest |cos| with
    another one are computed as in :func:`screen` (common random numbers: replicates
    0..R-1). All runs go through the batched engine at once. Returned per parameter: the
    median sensitivity/noise over the points, the share of points where it is at least 1
    (:data:`SNR_MIN`), the median of its largest |cos|, and the values at each point."""
    from scipy.stats import qmc

    names = problem.names
    k = len(names)
    R = max(2, problem.spec.replicates if replicates is None else replicates)
    h = problem.history
    U = qmc.Sobol(k, scramble=True, seed=seed).random(points) if k else np.zeros((points, 0))
    settings: list[np.ndarray] = []
    for u0 in U:
        settings.append(u0)
        for j in range(k):
            up, dn = u0.copy(), u0.copy()
            up[j] = min(1.0, u0[j] + step)
            dn[j] = max(0.0, u0[j] - step)
            settings += [up, dn]
    values = [problem.to_values(u) for u in settings for _r in range(R)]
    reps = [r for _u in settings for r in range(R)]
    sims = problem.simulate_many(values, reps)
    S = np.asarray(
        [
            summaries(problem.observed, {s: v[i] for s, v in sims.items()}, problem.weights, h.period_days)
            for i in range(len(values))
        ]
    ).reshape(len(settings), R, -1)
    snr = np.zeros((points, k))
    maxcos = np.zeros((points, k))
    per = 1 + 2 * k
    for p in range(points):
        base = S[p * per]
        noise = float(np.sqrt(np.mean(np.sum((base - base.mean(axis=0)) ** 2, axis=1)))) or 1e-12
        J = np.zeros((S.shape[2], k))
        for j in range(k):
            iu, idn = p * per + 1 + 2 * j, p * per + 2 + 2 * j
            du = settings[iu][j] - settings[idn][j]
            J[:, j] = (S[iu].mean(axis=0) - S[idn].mean(axis=0)) / du
        norms = np.linalg.norm(J, axis=0)
        snr[p] = norms / 10.0 / noise
        Jn = J / np.where(norms > 0, norms, 1.0)
        cos = np.abs(Jn.T @ Jn)
        np.fill_diagonal(cos, 0.0)
        maxcos[p] = cos.max(axis=0) if k > 1 else 0.0
    out: dict[str, Any] = {"points": points, "replicates": R, "step": step, "seed": seed, "parameters": {}}
    for j, n in enumerate(names):
        out["parameters"][n] = {
            "median_snr": float(np.median(snr[:, j])),
            "share_snr_at_least_1": float(np.mean(snr[:, j] >= SNR_MIN)),
            "median_max_abs_cosine": float(np.median(maxcos[:, j])),
            "at": [
                {"values": problem.to_values(U[p]), "snr": float(snr[p, j]), "max_abs_cosine": float(maxcos[p, j])}
                for p in range(points)
            ],
        }
    return out
