"""Write history.csv: 70 days of one simulated community whose true parameters differ from
scenario.yaml's first guesses (invite_prob 0.025, base_hazard 0.02), so calibration has
something to find. Run: python examples/history/make_history.py"""

import datetime as dt
from pathlib import Path

from growthsim.calibrate.sim import simulate, with_horizon
from growthsim.scenario import apply_overrides, load_scenario

HERE = Path(__file__).resolve().parent
TRUTH = {"members.referral.invite_prob": 0.025, "members.churn.base_hazard": 0.02}
DAYS = 70
START = dt.date(2026, 3, 2)

plan = with_horizon(apply_overrides(load_scenario(HERE / "scenario.yaml"), TRUTH), DAYS)
ts = simulate(plan, seed=424242, replicate=0).timeseries
lines = ["date,new_members,active_members,members,purchases,revenue"]
for _, r in ts.iterrows():
    day = START + dt.timedelta(days=int(r["day"]))
    lines.append(
        f"{day},{int(r['new_members'])},{int(r['active'])},{int(r['members'])},{int(r['purchases'])},{r['revenue']:.2f}"
    )
(HERE / "history.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
print(f"wrote {HERE / 'history.csv'}: {DAYS} days")
