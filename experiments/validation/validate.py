"""Full-size validation of the engine: docking (Bass, EoN SIR, reference model) and
stylized facts. Writes one PNG per check and ``results.json`` next to this file.

    python experiments/validation/validate.py              # every check (~5 min, 2 cores)
    python experiments/validation/validate.py --only bass sir

Checks, tolerances and the figures measured are described in ``README.md`` here; the
small, fast versions are ``tests/test_docking.py``, ``tests/test_reference.py`` and
``tests/test_stylized.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from growthsim.graph import build_graph, to_networkx  # noqa: E402
from growthsim.model.community import CommunityModel  # noqa: E402
from growthsim.reference import ReferenceModel  # noqa: E402
from growthsim.scenario import Scenario  # noqa: E402

HERE = Path(__file__).resolve().parent
# the docking configurations and the reference-model plans are test helpers (tests/)
sys.path.insert(0, str(HERE.parents[1] / "tests"))
from helpers.docking import (  # noqa: E402
    NEUTRAL_MEMBERS,
    bass_continuous,
    bass_plan,
    bass_recursion,
    sir_plan,
)


def _save(fig, name: str) -> str:
    path = HERE / name
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=90, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, path)
    return name


def _runs(cls, plan: Scenario, reps: int, seed: int, graph=None) -> list:
    out = []
    for r in range(reps):
        m = cls(plan, seed=seed, replicate=r, graph=graph)
        m.run()
        out.append(m)
    return out


def _neutral(**over) -> dict:
    members = {k: dict(v) for k, v in NEUTRAL_MEMBERS.items()}
    members.update(over)
    return members


# ----------------------------------------------------------------------------- Bass
def check_bass() -> dict:
    n, H, R = 100_000, 40, 20
    pairs = [(0.03, 0.38), (0.01, 0.3), (0.002, 0.6), (0.05, 0.1)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(4 * len(pairs), 3.4), sharey=True)
    out = {"n": n, "replicates": R, "horizon_days": H, "tolerance": "4 SE + 0.001", "pairs": []}
    for ax, (p, q) in zip(axes, pairs):
        a = np.array(
            [m.timeseries()["members"].to_numpy() / n for m in _runs(CommunityModel, bass_plan(n, p, q, H), R, 7)]
        )
        F = bass_recursion(n, p, q, H)
        se = a.std(0, ddof=1) / np.sqrt(R)
        gap = np.abs(a.mean(0) - F)
        days = np.arange(H)
        cont = bass_continuous(p, q, days + 1)
        ax.fill_between(days, np.percentile(a, 5, 0), np.percentile(a, 95, 0), alpha=0.3, label="engine P5–P95")
        ax.plot(days, a.mean(0), lw=2, label="engine mean")
        ax.plot(days, F, "k--", label="discrete recursion")
        ax.plot(days, cont, ":", color="gray", label="continuous Bass")
        ax.set_title(f"p={p}, q={q}")
        ax.set_xlabel("day")
        out["pairs"].append(
            {
                "p": p,
                "q": q,
                "max_abs_gap": float(gap.max()),
                "max_gap_in_se": float((gap / np.maximum(se, 1e-12))[se > 0].max()),
                "passes": bool((gap <= 4 * se + 0.001).all()),
                "max_gap_continuous": float(np.abs(F - cont).max()),
            }
        )
    axes[0].set_ylabel("adopters / market")
    axes[0].legend(fontsize=7)
    out["plot"] = _save(fig, "bass.png")
    return out


# ----------------------------------------------------------------------------- SIR
def check_sir() -> dict:
    import EoN

    n, T, I0, H, R = 20_000, 0.15, 20, 60, 30
    graphs = {
        "erdos_renyi": {"model": "erdos_renyi", "mean_degree": 10},
        "powerlaw_cluster": {"model": "powerlaw_cluster", "mean_degree": 10, "triangle_prob": 0.3},
    }
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    out = {
        "n": n,
        "T": T,
        "initial": I0,
        "replicates": R,
        "tolerance": "final size 4 SE_diff + 1% n; I(t) 4 SE_diff + 2 + 3% of peak",
        "graphs": {},
    }
    for ax, (name, spec) in zip(axes, graphs.items()):
        plan = sir_plan(n, spec, T, I0, H)
        g = build_graph(plan.market.graph, n, plan.seed)
        G = to_networkx(g)
        eI, sI, ef, sf = [], [], [], []
        for r in range(R):
            m = CommunityModel(plan, seed=3, replicate=r, graph=g)
            init = np.nonzero(m.pop.status == 1)[0].tolist()
            m.run()
            eI.append(m.timeseries()["active"].to_numpy())
            ef.append(m.scalars()["members_ever"])
            t, _, i, rec = EoN.basic_discrete_SIR(
                G, T, initial_infecteds=init, tmax=H - 1, rng=np.random.default_rng(1000 + r)
            )
            c = np.zeros(H)
            keep = t < H
            c[t[keep].astype(int)] = i[keep]
            sI.append(c)
            sf.append(rec[-1] + i[-1])
        eI, sI, ef, sf = map(np.asarray, (eI, sI, ef, sf))
        se_I = np.sqrt(eI.var(0, ddof=1) / R + sI.var(0, ddof=1) / R)
        tol = 4 * se_I + 2 + 0.03 * sI.mean(0).max()
        se_f = np.sqrt(ef.var(ddof=1) / R + sf.var(ddof=1) / R)
        days = np.arange(H)
        ax.fill_between(days, np.percentile(eI, 5, 0), np.percentile(eI, 95, 0), alpha=0.3, label="engine P5–P95")
        ax.plot(days, eI.mean(0), lw=2, label="engine mean (active)")
        ax.plot(days, sI.mean(0), "k--", label="EoN basic_discrete_SIR mean I(t)")
        ax.set_title(f"{name}, mean degree {g.mean_degree:.1f}, T={T}")
        ax.set_xlabel("day")
        ax.set_ylabel("infectious (active) people")
        ax.legend(fontsize=7)
        out["graphs"][name] = {
            "final_size_engine": float(ef.mean()),
            "final_size_eon": float(sf.mean()),
            "final_size_se_diff": float(se_f),
            "final_passes": bool(abs(ef.mean() - sf.mean()) <= 4 * se_f + 0.01 * n),
            "peak_day_engine": int(eI.mean(0).argmax()),
            "peak_day_eon": int(sI.mean(0).argmax()),
            "max_abs_gap_I": float(np.abs(eI.mean(0) - sI.mean(0)).max()),
            "curve_passes": bool((np.abs(eI.mean(0) - sI.mean(0)) <= tol).all()),
        }
    out["plot"] = _save(fig, "sir.png")
    return out


# ----------------------------------------------------------------------------- reference
def check_reference() -> dict:
    from test_reference import COLUMNS, full_plan

    n, H, R = 10_000, 120, 12
    plan = full_plan(
        market={"size": n, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        horizon_days=H,
        members={**full_plan().members.model_dump(), "initial": 500},
    )
    plan = plan.model_copy(
        update={"channels": {k: c.model_copy(update={"max_reach": 1500}) for k, c in plan.channels.items()}}
    )
    g = build_graph(plan.market.graph, n, plan.seed)
    t = time.perf_counter()
    eng = np.array([m.timeseries()[COLUMNS].to_numpy(float) for m in _runs(CommunityModel, plan, R, 101, g)])
    t_eng = time.perf_counter() - t
    t = time.perf_counter()
    ref = np.array([m.timeseries()[COLUMNS].to_numpy(float) for m in _runs(ReferenceModel, plan, R, 202, g)])
    t_ref = time.perf_counter() - t
    se = np.sqrt(eng.var(0, ddof=1) / R + ref.var(0, ddof=1) / R)
    floor = 1.0 + 0.03 * np.maximum(np.abs(eng.mean(0)), np.abs(ref.mean(0)))
    gap = np.abs(eng.mean(0) - ref.mean(0))
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.4))
    days = np.arange(H)
    for k, ax in enumerate(axes):
        for arr, lab, style in ((eng, "engine", "-"), (ref, "reference (Mesa agents)", "--")):
            ax.fill_between(days, np.percentile(arr[:, :, k], 5, 0), np.percentile(arr[:, :, k], 95, 0), alpha=0.2)
            ax.plot(days, arr[:, :, k].mean(0), style, lw=2, label=lab)
        ax.set_title(COLUMNS[k])
        ax.set_xlabel("day")
    axes[0].legend(fontsize=7)
    return {
        "n": n,
        "horizon_days": H,
        "replicates": R,
        "tolerance": "4 SE_diff + 1 + 3% of level",
        "comparisons": int(gap.size),
        "failures": int((gap > 4 * se + floor).sum()),
        "max_gap_in_se": {
            c: float((gap[:, k] / np.maximum(se[:, k], 1e-12))[se[:, k] > 0].max()) for k, c in enumerate(COLUMNS)
        },
        "members_at_end": {"engine": float(eng[:, -1, 0].mean()), "reference": float(ref[:, -1, 0].mean())},
        "paying_at_end": {"engine": float(eng[:, -1, 2].mean()), "reference": float(ref[:, -1, 2].mean())},
        "seconds": {"engine": t_eng, "reference": t_ref},
        "plot": _save(fig, "reference.png"),
    }


# ----------------------------------------------------------------------------- stylized
def check_stylized() -> dict:
    out = {}
    # S-shaped vs concave
    graph = {"size": 50_000, "graph": {"model": "watts_strogatz", "mean_degree": 20}}
    wom = {
        "name": "wom",
        "seed": 1,
        "horizon_days": 120,
        "market": graph,
        "members": _neutral(initial=20, organic_join_prob=0.0, referral={"invite_prob": 0.015, "accept_prob": 1.0}),
    }
    ch = {
        "name": "channel",
        "seed": 1,
        "horizon_days": 120,
        "market": graph,
        "members": _neutral(initial=20, organic_join_prob=0.0, referral={"invite_prob": 0.0}),
        "channels": {"ads": {"base_reach": 5000, "max_reach": 0, "join_rate": 0.05}},
    }
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.5))
    curves = {}
    for d in (wom, ch):
        ms = _runs(CommunityModel, Scenario.model_validate(d), 5, 1)
        cum = np.mean([m.timeseries()["members"].to_numpy() for m in ms], 0) / graph["size"]
        curves[d["name"]] = cum
        axes[0].plot(cum, lw=2, label={"wom": "word of mouth only", "channel": "external channel only"}[d["name"]])
    axes[0].set_title("cumulative adoption")
    axes[0].set_xlabel("day")
    axes[0].legend(fontsize=7)
    n_mkt = graph["size"]
    week_w = np.diff(curves["wom"][::7]) * n_mkt  # joins per week
    week_c = np.diff(curves["channel"][::7]) * n_mkt
    out["s_curve"] = {
        "wom_weekly_joins": week_w.round().tolist(),
        "channel_weekly_joins": week_c.round().tolist(),
        "wom_peak_week": int(week_w.argmax()) + 1,
        "channel_weekly_joins_always_falling": bool((np.diff(week_c) < 0).all()),
    }

    # participation inequality
    def static(prop: dict, neutral: bool) -> dict:
        members = _neutral(propensity=prop) if neutral else {"propensity": prop}
        members = {**members, "initial": 10_000, "organic_join_prob": 0.0, "referral": {"invite_prob": 0.0}}
        members["churn"] = {**members.get("churn", {}), "base_hazard": 0.0, "dormant_hazard": 0.0}
        return {
            "name": "static",
            "seed": 2,
            "horizon_days": 180,
            "market": {"size": 20_000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
            "members": members,
        }

    shares = {}
    for label, prop in (
        ("Beta(0.2,1.8)", {"alpha": 0.2, "beta": 1.8}),
        ("Beta(0.5,4.5)", {"alpha": 0.5, "beta": 4.5}),
        ("constant 0.1", {"distribution": "constant", "value": 0.1}),
    ):
        for neutral in (True, False):
            m = _runs(CommunityModel, Scenario.model_validate(static(prop, neutral)), 1, 1)[0]
            key = f"{label}, {'engagement held at 1' if neutral else 'default engagement dynamics'}"
            shares[key] = m.scalars()["activity_top20_share"]
            if not neutral:
                acts = np.sort(m.pop.active_days[m.pop.join_day >= 0])[::-1].astype(float)
                lor = np.concatenate([[0], np.cumsum(acts) / acts.sum()])
                axes[1].plot(np.linspace(0, 1, len(lor)), lor, label=f"{label}: top 20% {shares[key]:.2f}")
    axes[1].axvline(0.2, color="gray", lw=0.5)
    axes[1].set_title("share of active days (default dynamics)")
    axes[1].set_xlabel("share of members, most active first")
    axes[1].legend(fontsize=7)
    out["top20_share"] = shares

    # hubs vs random seeding
    def seeding(kind: str) -> dict:
        return {
            "name": kind,
            "seed": 4,
            "horizon_days": 40,
            "market": {"size": 50_000, "graph": {"model": "powerlaw_cluster", "mean_degree": 6}},
            "members": _neutral(
                initial=20,
                initial_seeding=kind,
                organic_join_prob=0.0,
                referral={"invite_prob": 0.04, "accept_prob": 1.0},
            ),
        }

    seed_res = {}
    for kind in ("hubs", "random"):
        ms = _runs(CommunityModel, Scenario.model_validate(seeding(kind)), 10, 1)
        a = np.array([m.timeseries()["members"].to_numpy() for m in ms])
        axes[2].plot(a.mean(0), lw=2, label=f"{kind} seeding")
        axes[2].fill_between(np.arange(a.shape[1]), np.percentile(a, 5, 0), np.percentile(a, 95, 0), alpha=0.2)
        seed_res[kind] = a
    d = seed_res["hubs"][:, 20] - seed_res["random"][:, 20]
    out["hub_seeding"] = {
        "members_day20_hubs": float(seed_res["hubs"][:, 20].mean()),
        "members_day20_random": float(seed_res["random"][:, 20].mean()),
        "paired_diff_in_se": float(d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))),
    }
    axes[2].set_title("simple contagion, Holme–Kim graph")
    axes[2].set_xlabel("day")
    axes[2].legend(fontsize=7)

    # staff vs none
    def staffed(admins: int) -> dict:
        d = {
            "name": f"staff{admins}",
            "seed": 5,
            "horizon_days": 180,
            "market": {"size": 50_000, "graph": {"model": "watts_strogatz", "mean_degree": 20}},
            "members": {"initial": 3000, "organic_join_prob": 0.0002},
        }
        if admins:
            d["staff"] = {"admin": {"count": admins, "groups_each": 3, "hours_per_day": 3}}
        return d

    staff_res = {}
    for admins in (0, 12):
        ms = _runs(CommunityModel, Scenario.model_validate(staffed(admins)), 8, 1)
        a = np.array([m.timeseries()["members"].to_numpy() for m in ms])
        axes[3].plot(a.mean(0), lw=2, label="no staff" if admins == 0 else f"{admins} admins x 3 groups")
        staff_res[admins] = (
            a[:, -1],
            np.array([m.scalars()["retention_d30"] for m in ms]),
            ms[0].timeseries()["groups"].max(),
        )
    axes[3].set_title("members with and without staff")
    axes[3].set_xlabel("day")
    axes[3].legend(fontsize=7)
    out["staff"] = {
        f"admins_{k}": {
            "members_day179": float(v[0].mean()),
            "retention_d30": float(v[1].mean()),
            "groups_max": int(v[2]),
        }
        for k, v in staff_res.items()
    }
    out["plot"] = _save(fig, "stylized.png")
    return out


# ----------------------------------------------------------------------------- members
def check_members(reps: int = 6) -> dict:
    """Members after joining on the baseline plan (365 days): the activity-retention
    curve (share of a join cohort active on day a after joining) with the lifecycle rule
    and without it (``initial_interest`` 0, paired seeds), membership retention beside
    it, tier shares over time (the practice target: 5% core by month 3) and the 80/20
    concentration of activity."""
    from growthsim.model.batch import CommunityBatch
    from growthsim.model.membership import activity_retention
    from growthsim.scenario.loader import load_scenario
    from growthsim.vocab import SRC_INITIAL

    plan = load_scenario(HERE.parents[1] / "scenarios" / "baseline.yaml")
    flat = Scenario.model_validate(
        plan.model_dump() | {"members": plan.members.model_dump() | {"lifecycle": {"initial_interest": 0.0}}}
    )
    H = plan.horizon_days
    out: dict = {"plan": "scenarios/baseline.yaml", "replicates": reps, "seed": plan.seed}
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.2))
    for label, p in (("lifecycle (defaults)", plan), ("no newcomer interest", flat)):
        batch = CommunityBatch(p, replicates=range(reps), parallel=False)
        batch.run()
        curves, scal, tiers = [], [], []
        for m in batch.models:
            pop = m.pop
            joined = (pop.join_day >= 0) & (pop.source != SRC_INITIAL)
            days = np.arange(1, 64)
            curve = []
            for a in days:
                el = joined & (pop.join_day <= H - 1 - a)
                curve.append(float(((pop.early[el] >> (a - 1)) & 1).mean()))
            curves.append(curve)
            s = m.scalars()
            s.update(activity_retention(pop, H))
            scal.append(s)
            ts = m.timeseries()
            tiers.append(
                np.stack([ts["active_tier_members"], ts["core_members"] + ts["koc_members"], ts["koc_members"]]).astype(
                    float
                )
                / np.maximum(ts["members"].to_numpy(dtype=float), 1)
            )
        curve = np.mean(curves, axis=0)
        tier = np.mean(tiers, axis=0)

        def mean(k, scal=scal):
            return round(float(np.mean([x[k] for x in scal])), 4)

        key = "lifecycle" if p is plan else "no_interest"
        out[key] = {
            "activity_retention": {f"d{d}": mean(f"activity_retention_d{d}") for d in (1, 7, 30)}
            | {f"w{k}": mean(f"activity_retention_w{k}") for k in range(1, 10)},
            "membership_retention": {f"d{d}": mean(f"retention_d{d}") for d in (1, 7, 30)},
            "core_share_day90": round(float(tier[1, 89]), 4),
            "core_share_end": round(float(tier[1, -1]), 4),
            "active_tier_share_day90": round(float(tier[0, 89]), 4),
            "koc_share_day90": round(float(tier[2, 89]), 4),
            "top20_activity_share": mean("activity_top20_share"),
        }
        ax[0].plot(days, curve, label=label)
        if p is plan:
            x = np.arange(H)
            ax[1].plot(x, tier[1], label="core + KOC")
            ax[1].plot(x, tier[0], label="active tier")
            ax[1].plot(x, tier[2], label="KOC")
    for d, lo, hi in ((1, 0.25, 0.40), (7, 0.10, 0.20), (30, 0.05, 0.10)):
        ax[0].vlines(d, lo, hi, color="grey", lw=6, alpha=0.4)
    ax[0].set(xlabel="days after joining", ylabel="share of the join cohort active that day", yscale="log")
    ax[0].set_title("Activity retention (grey: public app ranges D1, D7, D30)")
    ax[0].legend()
    ax[1].axhline(0.05, color="grey", ls=":", label="practice target: 5% core by month 3")
    ax[1].axvline(89, color="grey", lw=0.5)
    ax[1].set(xlabel="day", ylabel="share of members", title="Member tiers (baseline)")
    ax[1].legend()
    out["plot"] = _save(fig, "members.png")
    lc = out["lifecycle"]["activity_retention"]
    out["passes"] = bool(0.25 <= lc["d1"] <= 0.40 and 0.10 <= lc["d7"] <= 0.20 and 0.05 <= lc["d30"] <= 0.10)
    return out


CHECKS = {
    "bass": check_bass,
    "sir": check_sir,
    "reference": check_reference,
    "stylized": check_stylized,
    "members": check_members,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=list(CHECKS), default=list(CHECKS))
    args = ap.parse_args(argv)
    path = HERE / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    for name in args.only:
        t = time.perf_counter()
        results[name] = CHECKS[name]()
        results[name]["wall_seconds"] = round(time.perf_counter() - t, 1)
        print(name, json.dumps(results[name], indent=1))
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(results, indent=1) + "\n")
        os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
