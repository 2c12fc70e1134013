"""Readable summaries of sweeps and sensitivity studies (summary.html, heatmaps, best
points, indices with confidence intervals, small-sample warnings), in both languages."""

from __future__ import annotations

import pandas as pd
import pytest
from PIL import Image

from growthsim.experiments.sensitivity import sensitivity
from growthsim.i18n import use_language
from growthsim.report.studies import write_sensitivity_summary, write_sweep_summary
from growthsim.results import RunResult

TINY = """\
name: tiny
seed: 7
horizon_days: 20
market: {size: 300}
members: {initial: 20, referral: {accept_prob: 0.5}, conversion: {first_purchase_prob: 0.5}}
"""

EXP = """\
name: linear
scenario: tiny.yaml
factors:
  members.referral.accept_prob: {low: 0, high: 1}
  members.conversion.first_purchase_prob: {low: 0, high: 1}
design: {type: sobol, n: 32}
replicates: 1
outputs: {kpis: [revenue]}
seed: 11
"""


def linear_model(scenario, seed, replicate=0):  # noqa: ANN001, ANN201
    m = scenario.members
    y = 4 * m.referral.accept_prob + 2 * m.conversion.first_purchase_prob
    return RunResult(
        scenario=scenario, seed=seed, replicate=replicate, timeseries=pd.DataFrame({"day": [0], "revenue": [y]})
    )


def _grid_results() -> pd.DataFrame:
    """A 3 x 2 grid, 2 replicates: profit = 10 * reward - 100 * admins (best: reward 20, 0 admins)."""
    rows = []
    point = 0
    for reward in (0.0, 10.0, 20.0):
        for admins in (0, 2):
            for rep in range(2):
                rows.append(
                    {
                        "run": len(rows),
                        "point": point,
                        "replicate": rep,
                        "seed": rep,
                        "campaigns.invite_reward.reward": reward,
                        "staff.part_time_admin.count": admins,
                        "profit": 10 * reward - 100 * admins + rep,
                        "members_final": 100 + reward,
                        "status": "ok",
                        "error": "",
                    }
                )
            point += 1
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "lang, best_words, heading", [("en", "Best points:", "Profit"), ("zh", "最佳设计点：", "利润")]
)
def test_sweep_summary_has_heatmaps_and_the_best_points(tmp_path, lang, best_words, heading):
    df = _grid_results()
    df.attrs["series"] = pd.DataFrame({"x": [1]})  # as run_sweep leaves it
    with use_language(lang):
        page_path = write_sweep_summary(tmp_path, df)
    page = page_path.read_text(encoding="utf-8")
    assert best_words in page and heading in page
    # best profit point first: reward 20, no admins (point 4), mean 200.5
    best = page.split(best_words, 2)[1]
    first_row = best.split("<tr>", 2)[2].split("</tr>")[0]
    assert first_row == '<th scope="row">4</th><td>20.0</td><td>0</td><td class="num">200</td>'
    assert heading in page.split(best_words)[0].rsplit("<h2>", 1)[1]  # profit's block comes first
    with Image.open(tmp_path / "summary_profit.png") as im:
        assert im.width > 500 and im.height > 300


def test_sensitivity_summary_warns_on_a_small_sample(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "exp.yaml").write_text(EXP)
    out = tmp_path / "sens"
    idx = sensitivity(tmp_path / "exp.yaml", out=out, workers=0, run_fn=linear_model, tornado=False)
    page = write_sensitivity_summary(out, idx, n=32).read_text(encoding="utf-8")
    assert "Only 32 Sobol&#39; base samples" in page or "Only 32 Sobol' base samples" in page
    assert "S1, first order (95% CI)" in page
    assert "members.referral.accept_prob" in page and "data:image/png;base64," in page
    # control: a large enough sample with narrow intervals gives no warning
    narrow = idx.assign(S1_conf=0.01, ST_conf=0.01)
    page = write_sensitivity_summary(tmp_path / "ok", narrow, n=1024).read_text(encoding="utf-8")
    assert "Warning" not in page
    with use_language("zh"):
        page = write_sensitivity_summary(tmp_path / "zh", idx, n=32).read_text(encoding="utf-8")
    assert "警告" in page and "Sobol" in page
