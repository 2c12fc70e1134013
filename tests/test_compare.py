"""``growthsim compare`` end to end on two tiny plans, ``growthsim report``, and the
commands' handling of user mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from growthsim.cli import main
from growthsim.compare import default_out, load_plans, split_plan_spec

# Two plans that differ in one lever: an invite reward (invite probability x1.8) in B.
PLAN = """\
name: 潮州家长社群
seed: 5
horizon_days: 45
replicates: 3
market: {size: 2000, graph: {model: watts_strogatz, mean_degree: 10}}
members: {initial: 80, referral: {invite_prob: 0.03, accept_prob: 0.3}}
staff:
  admin: {count: 1, salary_per_month: 900, groups_each: 2}
channels:
  朋友圈广告: {kind: paid_ads, daily_budget: 50, max_reach: 100}
variants:
  invite:
    campaigns: {invite_reward: {start_day: 0, reward: 8}}
"""


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    p = tmp_path / "parents.yaml"
    p.write_text(PLAN, encoding="utf-8")
    return p


@pytest.mark.slow
def test_compare_runs_writes_the_report_and_the_invite_reward_adds_referral_joins(plan_file, tmp_path, capsys):
    out = tmp_path / "cmp"
    rc = main(
        ["compare", f"{plan_file}:base", f"{plan_file}:invite", "--out", str(out), "--replicates", "3", "--seed", "11"]
    )
    printed = capsys.readouterr().out
    assert rc == 0
    assert "parents:invite vs parents:base (paired over 3 replicates)" in printed
    for name in (
        "timeseries.parquet",
        "scalars.parquet",
        "cohorts.parquet",
        "ledger.parquet",
        "scenario.resolved.yaml",
        "summary.json",
        "kpis.json",
        "report.html",
        "charts/members.png",
        "charts/acquisition_sources.png",
    ):
        assert (out / name).is_file(), name
    assert not list(tmp_path.glob(".cmp.partial*"))
    doc = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
    assert doc["plans"] == ["parents:base", "parents:invite"]
    cmp = doc["comparisons"][0]["kpis"]
    # Tolerance: referral joins are ~20 per replicate without the reward and the reward
    # multiplies invitations by 1.8 (~+16 expected); with common random numbers the paired
    # noise is a few joins, so B falls short of A in a pair only by rare chance; we require
    # the mean paired difference to be positive and B ahead in at least 2 of 3 pairs.
    assert cmp["joins_referral"]["mean_diff"] > 0
    assert cmp["joins_referral"]["prob_b_better"] >= 2 / 3
    assert cmp["invites_accepted"]["mean_diff"] > 0
    # everything else about the plans is equal: the paid channel spent the same in both
    assert cmp["cost_channel:朋友圈广告"]["mean_diff"] == 0
    # report rebuilds the same KPIs from the saved outputs, without re-running
    before = (out / "kpis.json").read_bytes()
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()
    assert (out / "kpis.json").read_bytes() == before


def test_one_file_with_variants_compares_base_with_every_variant(plan_file):
    plans = load_plans([str(plan_file)])
    assert list(plans) == ["parents", "parents:invite"]
    assert "invite_reward" in plans["parents:invite"].campaigns
    assert default_out(list(plans)) == Path("runs/compare-parents-vs-parents_invite")


def test_plan_specs_and_labels(tmp_path, plan_file):
    assert split_plan_spec("a/b.yaml:promo") == (Path("a/b.yaml"), "promo")
    assert split_plan_spec(str(plan_file)) == (plan_file, None)
    other = tmp_path / "other" / "parents.yaml"
    other.parent.mkdir()
    other.write_text(PLAN, encoding="utf-8")
    plans = load_plans([str(plan_file), f"{other}:invite"])
    assert list(plans) == [f"{tmp_path.name}/parents", "other/parents:invite"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "{single}"], "compare needs at least two plans"),
        (["compare", "{file}:nope", "{file}"], "no variant 'nope'"),
        (["compare", "{file}:invite", "{file}:invite"], "given twice"),
        (["compare", "{missing}", "{file}"], "file not found"),
        (
            ["compare", "{file}", "{file}:invite", "--replicates", "0"],
            "expected a whole number from 1 to 100,000, found 0",
        ),
        (["report", "{missing}"], "no such run folder"),
        (["report", "{tmp}"], "not a growthsim run folder"),
    ],
)
def test_user_mistakes_give_a_message_and_status_2(argv, message, plan_file, tmp_path, capsys):
    single = tmp_path / "single.yaml"
    single.write_text(PLAN.split("variants:")[0], encoding="utf-8")
    subs = {
        "{file}": str(plan_file),
        "{single}": str(single),
        "{missing}": str(tmp_path / "nope.yaml"),
        "{tmp}": str(tmp_path),
    }
    args = [
        subs.get(a.split(":")[0], a.split(":")[0]) + (":" + a.split(":", 1)[1] if ":" in a else "")
        if a.startswith("{")
        else a
        for a in argv
    ]
    try:
        rc = main(args)
    except SystemExit as exc:  # argparse rejects bad option values itself
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err
    assert "Traceback" not in err
