"""Group life, measured: the fatigue dose-response (promotions a week vs leaving), the
self-organised interest community's group count at day 365, and the group-health
warnings of the worked plans. Writes ``fatigue_dose_response.png`` and
``group_life.json`` next to this file.

    python experiments/validation/group_life.py            # ~2 min on 2 shared cores

See ``README.md`` here ("Group life") for what is measured and why.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from growthsim.graph import build_graph  # noqa: E402
from growthsim.model.batch import CommunityBatch  # noqa: E402
from growthsim.scenario import Scenario, ScenarioFile  # noqa: E402
from growthsim.scenario.loader import apply_overrides  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
R = 6


def dose_plan(per_week: int, fatigue: bool) -> Scenario:
    """A 20,000-person market, 2,000 founding members in groups of 150 with staff, 120
    days, ``per_week`` lotteries a week from day 0 (none for 0)."""
    d = {
        "name": f"dose-{per_week}",
        "seed": 77,
        "horizon_days": 120,
        "replicates": R,
        "market": {"size": 20000, "graph": {"model": "watts_strogatz", "mean_degree": 12}},
        "members": {"initial": 2000, "referral": {"invite_prob": 0.01, "accept_prob": 0.2}},
        "groups": {"target_size": 150},
        "staff": {"admin": {"count": 5, "groups_each": 3, "hours_per_day": 3, "salary_per_month": 3000}},
        "fatigue": {"enabled": fatigue},
    }
    if per_week:
        d["campaigns"] = {"lottery": {"schedule": {"per_week": per_week}, "prize": 0.5, "win_prob": 0.2}}
    return Scenario.model_validate(d)


def batch(plan: Scenario, graph=None) -> list:
    b = CommunityBatch(plan, replicates=range(plan.replicates), graph=graph)
    b.run()
    return b.models


def dose_response() -> dict:
    g = build_graph(dose_plan(0, True).market.graph, 20000, 77)
    out: dict[str, dict] = {"with_fatigue": {}, "without_fatigue": {}}
    for k in range(8):
        for key, fat in (("with_fatigue", True), ("without_fatigue", False)):
            ms = batch(dose_plan(k, fat), g)
            churn30, muted = [], []
            for m in ms:
                ts = m.timeseries()
                daily = ts["churned"].iloc[-1] / ts["members"].sum()
                churn30.append(1.0 - (1.0 - daily) ** 30)
                muted.append(float(ts["muted"].sum()) / float(ts["members"].mean()))
            out[key][k] = {
                "churn_30d_mean": float(np.mean(churn30)),
                "churn_30d_sd": float(np.std(churn30, ddof=1)),
                "muted_per_member_mean": float(np.mean(muted)),
            }
    return out


def plot_dose(res: dict) -> Path:
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.8))
    ks = list(range(8))
    for key, style in (("with_fatigue", "o-"), ("without_fatigue", "s--")):
        y = [res[key][k]["churn_30d_mean"] for k in ks]
        e = [res[key][k]["churn_30d_sd"] for k in ks]
        ax[0].errorbar(ks, y, yerr=e, fmt=style, capsize=3, label=key.replace("_", " "))
        ax[1].plot(ks, [res[key][k]["muted_per_member_mean"] for k in ks], style, label=key.replace("_", " "))
    for a in ax:
        a.axvline(2, color="grey", lw=0.8, ls=":")
        a.set_xlabel("promotions (lotteries) per week")
        a.legend()
    ax[0].set_ylabel("30-day churn (mean, ±1 SD over replicates)")
    ax[1].set_ylabel("mutes per member over 120 days")
    fig.suptitle("Fatigue dose-response (tolerance 2 a week, dotted)")
    path = HERE / "fatigue_dose_response.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def interest_community() -> dict:
    sf = ScenarioFile(ROOT / "scenarios" / "interest_community.yaml")
    plans = sf.plans()
    out = {}
    g = None
    for v in ("base", "no_self_organisation"):
        p = apply_overrides(plans[v], {"replicates": 4})
        g = g or build_graph(p.market.graph, p.market.size, p.seed)
        ms = batch(p, g)
        last = [m.timeseries().iloc[-1] for m in ms]
        out[v] = {
            k: [float(r[k]) for r in last]
            for k in ("groups", "member_run_groups", "members", "health_red", "health_yellow", "health_blue")
        }
        out[v]["staff"] = sum(s.count for s in p.staff.values())
    return out


def health_of_library() -> dict:
    out = {}
    for f in sorted((ROOT / "scenarios").glob("*.yaml")):
        p = ScenarioFile(f).plans()["base"]
        p = apply_overrides(p, {"replicates": 3})
        ms = batch(p)
        ts = [m.timeseries() for m in ms]
        out[f.stem] = {
            "day": int(p.horizon_days),
            "groups_rated": float(np.mean([t["groups_rated"].iloc[-1] for t in ts])),
            "red": float(np.mean([t["health_red"].iloc[-1] for t in ts])),
            "yellow": float(np.mean([t["health_yellow"].iloc[-1] for t in ts])),
            "blue": float(np.mean([t["health_blue"].iloc[-1] for t in ts])),
            "red_group_days_share": float(
                np.mean([t["health_red"].sum() / max(1, t["groups_rated"].sum()) for t in ts])
            ),
        }
    return out


def main() -> None:
    t0 = time.time()
    res = {"dose_response": dose_response()}
    plot_dose(res["dose_response"])
    res["interest_community_day365"] = interest_community()
    res["health_at_horizon"] = health_of_library()
    res["wall_s"] = round(time.time() - t0, 1)
    res["cpus"] = os.cpu_count()
    (HERE / "group_life.json").write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
