"""The planning page's plain-Python parts: the schema-generated form, the streamed runs
with common random numbers, the single-run story, the live charts and the strings.
(The page itself is driven in a browser in ``test_app_browser.py``.)"""

from __future__ import annotations

import re
import typing
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from growthsim.app import engine, form, live, story
from growthsim.app.strings import FIELD_LABELS, MESSAGES, field_label, t
from growthsim.cli import main as cli_main
from growthsim.errors import ScenarioError
from growthsim.io import read_run_dir
from growthsim.metrics.kpis import kpi_table, summarise
from growthsim.report.charts import bands
from growthsim.runner import run_plans, simulate
from growthsim.scenario import schema
from growthsim.scenario.loader import ScenarioFile, validate_plan

ROOT = Path(__file__).resolve().parents[1]

RAW = {
    "name": "app test",
    "seed": 11,
    "horizon_days": 40,
    "replicates": 3,
    "market": {"size": 2000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
    "members": {"initial": 80},
    "groups": {
        "target_size": 40,
        "max_size": 100,
        "vip": {"enabled": True, "start_day": 10, "min_tenure_days": 5, "min_purchases": 0, "min_engagement": 0.0},
    },
    "budget": {"monthly_cap": 3000},
    "staff": {"admin": {"count": 2, "salary_per_month": 600}},
    "kols": {"expert": {"kind": "external", "cost_per_post": 50, "schedule": {"start_day": 3, "every_days": 7}}},
    "campaigns": {"invite_reward": {"start_day": 2, "end_day": 20, "reward": 8, "budget_cap": 500}},
    "channels": {"ads": {"kind": "paid_ads", "daily_budget": 50, "max_reach": 100}},
}


@pytest.fixture(scope="module")
def saved():
    return validate_plan(RAW)


def _numeric_fields(model: type[BaseModel]) -> set[str]:
    out = set()
    for name, info in model.model_fields.items():
        base, _, _ = form._unwrap(info.annotation)
        if base in (int, float) and name not in ("kind", "role"):
            out.add(name)
    return out


# --------------------------------------------------------------------------- form


def test_form_has_every_numeric_lever_field_of_the_schema(saved):
    groups = {g.path: g for g in form.lever_groups(saved)}
    assert set(groups) == {
        ("budget",),
        ("staff", "admin"),
        ("kols", "expert"),
        ("campaigns", "invite_reward"),
        ("channels", "ads"),
    }
    expect = {
        ("budget",): _numeric_fields(schema.Budget),
        ("staff", "admin"): _numeric_fields(schema.StaffRole),
        ("campaigns", "invite_reward"): _numeric_fields(schema.InviteReward),
        ("channels", "ads"): _numeric_fields(schema.Channel),
    }
    for path, names in expect.items():
        got = {f.path[-1] for f in groups[path].fields if len(f.path) == len(path) + 1}
        assert got == names, path
    # a nested model (the KOL's schedule) is walked into
    kol = {f.key for f in groups[("kols", "expert")].fields}
    assert {"kols.expert.schedule.every_days", "kols.expert.cost_per_post"} <= kol
    # only entries of mapping sections can be switched off
    assert [g.toggle for g in groups.values()] == [False, False, True, True, True]


def test_field_metadata_comes_from_pydantic(saved):
    specs = {f.key: f for g in form.lever_groups(saved) for f in g.fields}
    jr = specs["channels.ads.join_rate"]
    info = schema.Channel.model_fields["join_rate"]
    assert (jr.ge, jr.le, jr.default, jr.description) == (0.0, 1.0, info.default, info.description)
    assert (jr.lo, jr.hi) == (0.0, 1.0)
    count = specs["staff.admin.count"]
    assert (count.kind, count.ge, count.le, count.base) == ("int", 0, 100_000, 2)
    assert count.hi == 10  # slider: 4 x the saved 2, rounded up; the box takes up to le
    cap = specs["budget.monthly_cap"]
    assert cap.optional and cap.unit == "CNY" and cap.base == 3000.0
    assert specs["campaigns.invite_reward.end_day"].hi == saved.horizon_days - 1
    assert specs["channels.ads.daily_budget"].unit == "CNY/day"
    assert specs["channels.ads.half_saturation_spend"].gt == 0


def test_targets_section_is_used_when_the_schema_has_one():
    assert "targets" in form.LEVER_SECTIONS
    has = "targets" in schema.Scenario.model_fields
    plan = validate_plan(RAW)
    assert any(g.section == "targets" for g in form.lever_groups(plan)) == (
        has and bool(getattr(plan, "targets", None))
    )


def test_build_plan_applies_edits_and_switches(saved):
    keys = [f.key for g in form.lever_groups(saved) for f in g.fields]
    res = form.build_plan(
        RAW,
        {("campaigns", "invite_reward", "reward"): 20.0, ("staff", "admin", "count"): 5},
        {("channels", "ads")},
        keys,
    )
    assert res.errors == {}
    assert res.plan.campaigns["invite_reward"].reward == 20.0
    assert res.plan.staff["admin"].count == 5
    assert "ads" not in res.plan.channels
    assert RAW["campaigns"]["invite_reward"]["reward"] == 8  # the saved mapping is untouched


def test_invalid_value_gets_the_validators_words_at_its_field(saved):
    keys = [f.key for g in form.lever_groups(saved) for f in g.fields]
    bad = {("budget", "monthly_cap"): -5.0, ("campaigns", "invite_reward", "end_day"): 1}
    res = form.build_plan(RAW, bad, frozenset(), keys)
    assert res.plan is None
    data = form.edited_mapping(RAW, bad)
    with pytest.raises(ScenarioError) as exc:
        validate_plan(data)
    assert "greater than or equal to 0" in res.errors["budget.monthly_cap"]
    assert "must not be before start_day (2)" in res.errors["campaigns.invite_reward.end_day"]
    for key, msg in res.errors.items():
        assert f"{key}: {msg}" in str(exc.value)
    # a cross-field error not tied to one lever field is kept under ""
    res = form.build_plan({**RAW, "members": {"initial": 5000}}, {}, frozenset(), keys)
    assert "exceed market.size" in res.errors[""]


def test_parse_number():
    assert form.parse_number("1,500", "int", False) == 1500
    assert isinstance(form.parse_number("3.0", "int", False), int)
    assert form.parse_number(" 2.5 ", "float", False) == 2.5
    assert form.parse_number("", "float", True) is None
    for bad, optional in (("abc", True), ("", False), ("nan", True), ("inf", False)):
        with pytest.raises(ValueError):
            form.parse_number(bad, "float", optional)


def test_downloaded_plan_is_a_scenario_file(tmp_path, saved, capsys):
    edits = {("campaigns", "invite_reward", "reward"): 12.5}
    res = form.build_plan(RAW, edits, frozenset(), [])
    path = tmp_path / "edited.yaml"
    path.write_text(form.plan_yaml(res.data, "plan.yaml"), encoding="utf-8")
    assert cli_main(["check", str(path), "--brief"]) == 0
    assert ": OK" in capsys.readouterr().out
    assert ScenarioFile(path).base == res.plan


def test_baseline_form_builds_the_saved_plan_unchanged():
    sf = ScenarioFile(ROOT / "scenarios" / "baseline.yaml")
    groups = form.lever_groups(sf.base)
    res = form.build_plan(sf.raw, {}, frozenset(), [f.key for g in groups for f in g.fields])
    assert res.plan == sf.base
    assert {g.section for g in groups} == {"budget", "staff", "campaigns", "channels"}


# --------------------------------------------------------------------------- runs


def test_comparison_uses_common_random_numbers(saved):
    edited = validate_plan(form.edited_mapping(RAW, {("campaigns", "invite_reward", "reward"): 30.0}))
    c = engine.Comparison(edited, saved, replicates=3)
    seen = []
    c.run(on_result=lambda cmp: seen.append((cmp.done, cmp.pairs)))
    assert seen == [(1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3)]  # streamed, edited first
    ref = run_plans({engine.SAVED: saved, engine.EDITED: edited}, replicates=3)
    got = c.runset()
    cols = ["variant", "replicate", "day", "members", "cost", "revenue"]
    key = ["variant", "replicate", "day"]
    pd.testing.assert_frame_equal(
        got.timeseries[cols].sort_values(key).reset_index(drop=True),
        ref.timeseries[cols].sort_values(key).reset_index(drop=True),
    )
    order = ["variant", "replicate"]
    pd.testing.assert_frame_equal(
        c.kpis().sort_values(order).reset_index(drop=True), kpi_table(got).sort_values(order).reset_index(drop=True)
    )


def test_same_plan_twice_has_zero_paired_differences(saved):
    c = engine.Comparison(saved, saved, replicates=3).run()
    d = engine.paired(c.kpis())
    assert list(d["kpi"]) == [k for k in engine.HEADLINE if k in set(d["kpi"])]
    finite = d[["mean_diff", "p10_diff", "p90_diff"]].to_numpy(dtype=float)
    assert np.all(finite[np.isfinite(finite)] == 0.0)
    h = engine.headline(c.kpis(), [engine.SAVED, engine.EDITED])
    s = summarise(c.kpis())
    members = s[(s["variant"] == engine.SAVED) & (s["kpi"] == "members_final")].iloc[0]
    row = h[h["kpi"] == "members_final"].iloc[0]
    assert row[engine.SAVED]["p50"] == members["p50"] == row[engine.EDITED]["p50"]


def test_stopping_a_run_and_the_saved_plan_cache(saved):
    c = engine.Comparison(saved, saved, replicates=3)
    calls = []
    c.run(on_result=lambda cmp: calls.append(cmp.done), keep_going=lambda: len(calls) < 1)
    assert calls == [1] and c.pairs == 0
    a = engine.saved_replicate(saved, saved.seed, 1)
    assert engine.saved_replicate(saved, saved.seed, 1) is a  # computed once
    pd.testing.assert_frame_equal(a.timeseries, simulate(saved, saved.seed, 1).timeseries)


def test_run_folder_zip_round_trip(tmp_path, saved):
    c = engine.Comparison(saved, saved, replicates=2).run()
    data = engine.run_folder_zip(c.runset(), "run")
    zpath = tmp_path / "run.zip"
    zpath.write_bytes(data)
    with zipfile.ZipFile(zpath) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path)
    assert {"run/summary.json", "run/timeseries.parquet", "run/scenario.resolved.yaml"} <= names
    back = read_run_dir(tmp_path / "run")
    assert set(back.plans) == {engine.SAVED, engine.EDITED}
    assert len(back.timeseries) == 2 * 2 * saved.horizon_days


# --------------------------------------------------------------------------- story


def test_story_steps_the_same_future_as_a_run(saved):
    s = story.tell(saved, sample_size=150)
    run = simulate(saved, saved.seed, 0).timeseries
    np.testing.assert_array_equal(s.members, run["members"].to_numpy())
    np.testing.assert_array_equal(s.groups, run["groups"].to_numpy())
    assert s.states.shape == (saved.horizon_days, len(s.sample)) and len(s.sample) == 150
    kinds = {e.kind for e in s.events}
    assert {"campaign_start", "campaign_end", "kol", "vip"} <= kinds
    assert [e.day for e in s.events if e.kind == "campaign_start"] == [2]
    kol_days = [e.day for e in s.events if e.kind == "kol"]
    assert kol_days == list(range(3, saved.horizon_days, 7))
    opened = [e for e in s.events if e.kind == "groups"]
    assert all(e.values["total"] == s.groups[e.day] for e in opened)
    grew = [d for d in range(1, saved.horizon_days) if s.groups[d] > s.groups[d - 1]]
    assert [e.day for e in opened if e.day > 0] == grew and grew
    blocked = run["budget_blocked"].to_numpy()
    starts = [d for d in range(len(blocked)) if blocked[d] and (d == 0 or not blocked[d - 1])]
    assert [e.day for e in s.events if e.kind == "budget"] == starts
    # the graph view: states agree with the population counts of the sample's members
    assert set(np.unique(s.states)) <= {story.OUTSIDER, story.IN, story.ACTIVE, story.DORMANT, story.CHURNED}
    assert (s.states[0] != story.OUTSIDER).sum() >= 1  # the walk starts at initial members
    assert s.edges.max() < len(s.sample) and s.pos.shape == (len(s.sample), 2)


# --------------------------------------------------------------------------- charts, strings, command


def test_live_fan_option_carries_the_report_bands(saved):
    c = engine.Comparison(saved, saved, replicates=3).run()
    rs = c.runset()
    opt = live.fan_option(rs, "members", "Members")
    ts = rs.timeseries.sort_values(["variant", "replicate", "day"], kind="stable").reset_index(drop=True)
    q = bands(ts, ts["members"].astype(float)).loc[engine.SAVED]
    med = next(s for s in opt["series"] if s["name"] == f"{engine.SAVED} median")
    np.testing.assert_allclose(med["data"], q["p50"].to_numpy(), rtol=1e-3)
    lo, width = [s for s in opt["series"] if s.get("stack") == f"band-{engine.SAVED}"]
    np.testing.assert_allclose(np.add(lo["data"], width["data"]), q["p90"].to_numpy(), rtol=2e-3)
    assert opt["legend"]["data"] == [f"{engine.SAVED} median", f"{engine.EDITED} median"]
    for make in (lambda: live.money_option(rs, "m", "CNY"), lambda: live.roi_option(rs, "r")):
        o = make()
        assert len(o["xAxis"]["data"]) == saved.horizon_days and o["series"]


def test_every_message_has_both_languages():
    """The page's texts are catalogue messages: each one has a Chinese translation (which
    differs from the English message id) and English returns the id itself."""
    for key, msgid in MESSAGES.items():
        assert t(key, "en") == msgid, key
        zh = t(key, "zh")
        assert zh and zh != msgid and re.search(r"[\u4e00-\u9fff]", zh), key
    for name, msgid in FIELD_LABELS.items():
        assert field_label(name) == msgid and re.search(r"[\u4e00-\u9fff]", field_label(name, "zh")), name
    assert t("progress", "zh", done=2, total=5) == "已完成 2 / 5 次重复"
    assert t("language", "en") == "中文" and t("language", "zh") == "English"
    assert field_label("monthly_cap") == "Monthly cap" and field_label("monthly_cap", "zh") == "月度上限"
    assert field_label("half_saturation_spend", "zh")  # every field has some label


def test_app_command_rejects_a_bad_scenario_before_serving(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbudget: {monthly_cap: -1}\n", encoding="utf-8")
    assert cli_main(["app", str(bad), "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "budget.monthly_cap" in err and "greater than or equal to 0" in err
    with pytest.raises(SystemExit):
        cli_main(["app", str(bad), "--port", "70000"])


def test_unwrap_handles_optional_annotated():
    base, optional, meta = form._unwrap(schema.Budget.model_fields["monthly_cap"].annotation)
    assert base is float and optional and form._get_bound(meta, "ge") == 0.0
    assert form._unwrap(typing.Optional[int])[:2] == (int, True)  # noqa: UP045 (the form must unwrap the old spelling too)


def test_edits_reach_into_lists_and_no_targets_means_no_target_table(saved):
    raw = {
        **RAW,
        "channels": {
            "ads": {
                "kind": "paid_ads",
                "max_reach": 100,
                "budget_schedule": [
                    {"start_day": 0, "end_day": 9, "daily_budget": 10},
                    {"start_day": 10, "daily_budget": 40},
                ],
            }
        },
    }
    plan = validate_plan(raw)
    keys = [f.key for g in form.lever_groups(plan) for f in g.fields]
    res = form.build_plan(raw, {("channels", "ads", "budget_schedule", "1", "daily_budget"): 99.0}, frozenset(), keys)
    assert res.errors == {}
    assert [w.daily_budget for w in res.plan.channels["ads"].budget_schedule] == [10, 99.0]
    c = engine.Comparison(saved, saved, replicates=1).run()
    if not getattr(saved, "targets", None):
        assert engine.target_chances(c.runset()) is None
