"""Scenario files: validation, line-numbered errors, variants, overrides."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from growthsim.errors import ScenarioError
from growthsim.scenario import (
    Scenario,
    ScenarioFile,
    apply_overrides,
    deep_merge,
    load_scenario,
    validate_plan,
)
from growthsim.scenario.schema import ScheduleSpec

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def error_of(path: Path, variant: str | None = None) -> str:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path, variant)
    return str(exc.value)


def test_minimal_file_gets_practice_defaults(tmp_path):
    s = load_scenario(write(tmp_path, "name: tiny\n"))
    assert s.groups.target_size == 150 and s.groups.max_size == 500
    assert s.members.propensity.distribution == "beta"
    # Beta(0.2, 1.8): mean activity propensity 0.10, mostly low
    p = s.members.propensity
    assert p.alpha / (p.alpha + p.beta) == pytest.approx(0.10)


def test_unknown_key_names_file_line_and_path(tmp_path):
    msg = error_of(
        write(
            tmp_path,
            """\
        name: x
        members:
          initial: 10
          churn:
            base_hazzard: 0.1
        """,
        )
    )
    assert "plan.yaml:5" in msg and "members.churn.base_hazzard" in msg and "unknown key" in msg


def test_wrong_type(tmp_path):
    msg = error_of(write(tmp_path, "name: x\nhorizon_days: soon\n"))
    assert "plan.yaml:2" in msg and "horizon_days" in msg and "'soon'" in msg


def test_negative_size(tmp_path):
    msg = error_of(write(tmp_path, "name: x\nmarket:\n  size: -5\n"))
    assert "market.size" in msg and "greater than or equal to 1" in msg and "-5" in msg


def test_probability_outside_unit_interval(tmp_path):
    msg = error_of(write(tmp_path, "name: x\nmembers:\n  referral:\n    accept_prob: 1.5\n"))
    assert "plan.yaml:4" in msg and "members.referral.accept_prob" in msg and "1.5" in msg


def test_horizon_zero(tmp_path):
    msg = error_of(write(tmp_path, "name: x\nhorizon_days: 0\n"))
    assert "horizon_days" in msg and "found 0" in msg


def test_market_smaller_than_initial_members(tmp_path):
    msg = error_of(write(tmp_path, "name: x\nmarket: {size: 50}\nmembers: {initial: 100}\n"))
    assert "plan.yaml:3: members.initial: 100 initial members exceed market.size (50 people)" in msg


def test_initial_members_beyond_group_caps(tmp_path):
    msg = error_of(
        write(
            tmp_path,
            """\
        name: x
        market: {size: 1000}
        members:
          initial: 130
        groups: {target_size: 40, max_size: 60, max_groups: 2}
        """,
        )
    )
    assert (
        "plan.yaml:4: members.initial: 130 initial members do not fit in the groups: expected at most "
        "groups.max_groups * groups.max_size = 2 * 60 = 120 people, found 130"
    ) in msg


def test_initial_members_within_group_caps(tmp_path):
    # exactly full is allowed; without max_groups there is no limit from the groups
    p = write(
        tmp_path,
        """\
        name: x
        market: {size: 1000}
        members: {initial: 120}
        groups: {target_size: 40, max_size: 60, max_groups: 2}
        """,
    )
    assert load_scenario(p).members.initial == 120
    s = Scenario(name="x", market={"size": 1000}, members={"initial": 900}, groups={"target_size": 40, "max_size": 60})
    assert s.groups.max_groups is None


def test_initial_members_beyond_group_caps_by_default_initial(tmp_path):
    # members.initial left at its default (200) still counts; the error points at members
    msg = error_of(write(tmp_path, "name: x\nmembers: {}\ngroups: {target_size: 50, max_size: 100, max_groups: 1}\n"))
    assert "plan.yaml:2: members.initial: 200 initial members" in msg and "= 100 people, found 200" in msg


def test_unknown_graph_model(tmp_path):
    msg = error_of(write(tmp_path, "name: x\nmarket:\n  graph:\n    model: hexagonal\n"))
    assert "market.graph.model" in msg and "hexagonal" in msg and "watts_strogatz" in msg


def test_missing_file(tmp_path):
    msg = error_of(tmp_path / "nope.yaml")
    assert "nope.yaml" in msg and "file not found" in msg


def test_unreadable_file(tmp_path):
    p = tmp_path / "bin.yaml"
    p.write_bytes(b"\xff\xfe\x00garbage")
    assert "not a UTF-8 text file" in error_of(p)


def test_directory_instead_of_file(tmp_path):
    assert "is a directory" in error_of(tmp_path)


def test_non_yaml_file(tmp_path):
    msg = error_of(write(tmp_path, "name: x\nmembers: [1, 2\n"))
    assert "not valid YAML" in msg and "plan.yaml:" in msg


def test_yaml_that_is_not_a_mapping(tmp_path):
    assert "expected a mapping" in error_of(write(tmp_path, "- 1\n- 2\n"))


def test_empty_file(tmp_path):
    assert "file is empty" in error_of(write(tmp_path, ""))


def test_missing_name(tmp_path):
    msg = error_of(write(tmp_path, "horizon_days: 10\n"))
    assert "name" in msg and "required field is missing" in msg


def test_variants_deep_merge_and_replace_lists(tmp_path):
    p = write(
        tmp_path,
        """\
        name: x
        horizon_days: 30
        members: {initial: 10, referral: {invite_prob: 0.02, accept_prob: 0.3}}
        kols:
          star: {schedule: {days: [1, 2, 3]}}
        variants:
          more_invites:
            members: {referral: {invite_prob: 0.05}}
          fewer_posts:
            kols: {star: {schedule: {days: [5]}}}
        """,
    )
    sf = ScenarioFile(p)
    assert sf.names == ["base", "more_invites", "fewer_posts"]
    v = sf.plan("more_invites")
    assert v.members.referral.invite_prob == 0.05
    assert v.members.referral.accept_prob == 0.3  # merged, not replaced
    assert sf.plan("fewer_posts").kols["star"].schedule.days == [5]  # lists replaced
    assert sf.base.members.referral.invite_prob == 0.02


def test_invalid_variant_names_variant_and_line(tmp_path):
    p = write(
        tmp_path,
        """\
        name: x
        variants:
          broken:
            members: {initial: -3}
        """,
    )
    msg = error_of(p)
    assert "variant 'broken'" in msg and "plan.yaml:4" in msg and "members.initial" in msg


def test_unknown_variant(tmp_path):
    p = write(tmp_path, "name: x\nvariants: {a: {seed: 1}}\n")
    assert "no variant 'b'" in error_of(p, "b")


def test_overrides():
    s = Scenario(name="x", staff={"part_time_admin": {"count": 2}})
    s2 = apply_overrides(s, {"members.churn.base_hazard": 0.02, "staff.part_time_admin.count": 5})
    assert s2.members.churn.base_hazard == 0.02 and s2.staff["part_time_admin"].count == 5
    assert s.staff["part_time_admin"].count == 2  # original untouched
    with pytest.raises(ScenarioError, match="not a field"):
        apply_overrides(s, {"members.churn.base_hazzard": 0.1})
    with pytest.raises(ScenarioError, match="less than or equal to 1"):
        apply_overrides(s, {"members.churn.base_hazard": 2.0})


def test_keys_imply_campaign_kind_and_staff_role():
    s = Scenario(name="x", campaigns={"invite_reward": {"reward": 5}}, staff={"part_time_admin": {"count": 1}})
    assert s.campaigns["invite_reward"].kind == "invite_reward"
    assert s.staff["part_time_admin"].role == "part_time_admin"


@given(
    start=st.integers(0, 50),
    every=st.integers(1, 20),
    per_week=st.integers(1, 7),
    horizon=st.integers(1, 200),
)
@settings(max_examples=60, deadline=None)
def test_schedule_days_stay_inside_window(start, every, per_week, horizon):
    for spec in (ScheduleSpec(start_day=start, every_days=every), ScheduleSpec(start_day=start, per_week=per_week)):
        days = spec.action_days(horizon)
        assert days == sorted(set(days))
        assert all(start <= d < horizon for d in days)
    if start < horizon:
        # per_week k gives k actions in every full week
        full = ScheduleSpec(start_day=start, per_week=per_week).action_days(horizon)
        weeks = (horizon - start) // 7
        assert len([d for d in full if d < start + 7 * weeks]) == per_week * weeks


@given(
    a=st.dictionaries(st.sampled_from("abc"), st.integers()), b=st.dictionaries(st.sampled_from("bcd"), st.integers())
)
def test_deep_merge_flat_is_update(a, b):
    assert deep_merge(a, b) == {**a, **b}


def test_library_scenarios_validate():
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    assert files, "scenarios/ holds the worked plans"
    for f in files:
        sf = ScenarioFile(f)
        assert sf.base.name


@given(
    initial=st.integers(0, 2000),
    max_groups=st.one_of(st.none(), st.integers(1, 10)),
    max_size=st.integers(2, 200),
)
@settings(max_examples=60, deadline=None)
def test_initial_members_accepted_iff_they_fit_the_group_caps(initial, max_groups, max_size):
    data = {
        "name": "x",
        "market": {"size": 5000},
        "members": {"initial": initial},
        "groups": {"target_size": 2, "max_size": max_size, "max_groups": max_groups},
    }
    fits = max_groups is None or initial <= max_groups * max_size
    if fits:
        assert validate_plan(data).members.initial == initial
    else:
        with pytest.raises(ScenarioError, match=rf"members.initial: .*found {initial}$"):
            validate_plan(data)
