"""Bad lever input is a user error, never a traceback.

Each case is a small scenario file with one mistake in a lever: a campaign that ends before
it starts, a negative budget, a schedule past the horizon, a staff role running 0 groups,
an unknown campaign kind, a channel aimed at a graph block that does not exist. Loading it
(``load_scenario`` / ``ScenarioFile``) or validating its mapping (``validate_plan``) must
raise ``ScenarioError`` whose message names the dotted field path and the value found; from
a file, also the file and the line of the offending key (marked ``# <-`` in the YAML below;
``# <~`` marks an equally acceptable line, e.g. the campaign a cross-field rule belongs to).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from growthsim.errors import ScenarioError, UserError
from growthsim.scenario import ScenarioFile, apply_overrides, load_scenario, validate_plan

HEAD = """\
name: lever mistakes
horizon_days: 90
market:
  size: 3000
  graph: {model: watts_strogatz, mean_degree: 10}
"""

# id -> (YAML body after HEAD, texts the message must contain: the dotted path, the value)
CASES: dict[str, tuple[str, list[str]]] = {
    "campaign_ends_before_start": (
        """
        campaigns:
          lec:                # <~
            kind: lecture
            start_day: 30
            end_day: 10       # <-
        """,
        ["campaigns.lec.end_day", "10", "30"],
    ),
    "channel_ends_before_start": (
        """
        channels:
          ads:                # <~
            daily_budget: 50
            start_day: 20
            end_day: 5        # <-
        """,
        ["channels.ads.end_day", "5", "20"],
    ),
    "negative_channel_budget": (
        """
        channels:
          ads:
            daily_budget: -5  # <-
        """,
        ["channels.ads.daily_budget", "-5"],
    ),
    "negative_budget_window": (
        """
        channels:
          ads:
            budget_schedule:
              - {start_day: 0, daily_budget: 10}
              - {start_day: 30, daily_budget: -3}   # <-
        """,
        ["channels.ads.budget_schedule.1.daily_budget", "-3"],
    ),
    "negative_campaign_budget_cap": (
        """
        campaigns:
          invite_reward:
            reward: 8
            budget_cap: -100  # <-
        """,
        ["campaigns.invite_reward.budget_cap", "-100"],
    ),
    "lottery_named_lottery_negative_budget_cap": (
        """
        campaigns:
          lottery:
            start_day: 3
            budget_cap: -7    # <-
        """,
        ["campaigns.lottery.budget_cap", "-7"],
    ),
    "campaign_named_like_another_kind": (
        """
        campaigns:
          lottery:
            kind: lecture
            cost_per_event: -40   # <-
        """,
        ["campaigns.lottery.cost_per_event", "-40"],
    ),
    "campaign_named_like_its_kind_ends_before_start": (
        """
        campaigns:
          lottery:
            start_day: 30
            end_day: 12       # <-
        """,
        ["campaigns.lottery.end_day", "12", "30"],
    ),
    "schedule_ends_before_start": (
        """
        kols:
          star:
            schedule:
              start_day: 20
              end_day: 4      # <-
              per_week: 2
        """,
        ["kols.star.schedule.end_day", "4", "20"],
    ),
    "budget_window_ends_before_start": (
        """
        channels:
          ads:
            budget_schedule:
              - {start_day: 30, end_day: 10, daily_budget: 5}   # <-
        """,
        ["channels.ads.budget_schedule.0.end_day", "10", "30"],
    ),
    "negative_lecture_budget_cap": (
        """
        campaigns:
          lec:
            kind: lecture
            budget_cap: -100  # <-
        """,
        ["campaigns.lec.budget_cap", "-100"],
    ),
    "negative_total_budget": (
        """
        budget:
          total: -1           # <-
        """,
        ["budget.total", "-1"],
    ),
    "negative_kol_fee": (
        """
        kols:
          star:
            cost_per_post: -20   # <-
        """,
        ["kols.star.cost_per_post", "-20"],
    ),
    "staff_role_with_zero_groups": (
        """
        staff:
          admin:
            count: 2
            groups_each: 0    # <-
        """,
        ["staff.admin.groups_each", "0"],
    ),
    "volunteers_with_zero_groups": (
        """
        volunteer_admins:
          enabled: true
          groups_each: 0      # <-
        """,
        ["volunteer_admins.groups_each", "0"],
    ),
    "unknown_campaign_kind": (
        """
        campaigns:
          spin:               # <-
            kind: raffle      # <~
            start_day: 3
        """,
        ["campaigns.spin", "raffle", "lottery"],
    ),
    "campaign_without_kind": (
        """
        campaigns:
          spring_push:        # <-
            reward: 8
        """,
        ["campaigns.spring_push", "kind"],
    ),
    "campaign_starts_past_horizon": (
        """
        campaigns:
          invite_reward:
            reward: 8
            start_day: 95     # <-
        """,
        ["campaigns.invite_reward.start_day", "95"],
    ),
    "lottery_schedule_past_horizon": (
        """
        campaigns:
          draw:
            kind: lottery
            schedule:
              days: [5, 120]  # <-
        """,
        ["campaigns.draw.schedule.days", "120"],
    ),
    "kol_schedule_past_horizon": (
        """
        kols:
          star:
            schedule:
              start_day: 100  # <-
              per_week: 2
        """,
        ["kols.star.schedule.start_day", "100"],
    ),
    "staff_starts_past_horizon": (
        """
        staff:
          admin:
            count: 1
            start_day: 90     # <-
        """,
        ["staff.admin.start_day", "90"],
    ),
    "channel_window_past_horizon": (
        """
        channels:
          ads:
            budget_schedule:
              - {start_day: 91, daily_budget: 10}   # <-
        """,
        ["channels.ads.budget_schedule.0.start_day", "91"],
    ),
    "target_block_beyond_blocks": (
        """
        channels:
          ads:
            daily_budget: 50
            target_block: 3   # <-
        """,
        ["channels.ads.target_block", "3", "blocks"],
    ),
}

# Known defects (strict xfail: the marker must go when the defect is fixed).
KNOWN: dict[str, str] = {}


def cases() -> list:
    return [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN[c])) if c in KNOWN else c
        for c in sorted(CASES)
    ]


def _write(tmp_path: Path, case: str) -> tuple[Path, str]:
    body = textwrap.dedent(CASES[case][0]).strip("\n") + "\n"
    text = HEAD + body
    path = tmp_path / f"{case}.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _marked_lines(text: str) -> set[int]:
    return {i for i, line in enumerate(text.splitlines(), start=1) if "# <-" in line or "# <~" in line}


@pytest.mark.parametrize("case", cases())
def test_bad_lever_in_a_file_names_path_and_value(case, tmp_path):
    path, _ = _write(tmp_path, case)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert isinstance(err.value, UserError)
    assert str(path) in msg
    for needle in CASES[case][1]:
        assert needle in msg, f"{needle!r} not in: {msg}"
    # the same through ScenarioFile, the object the commands use
    with pytest.raises(ScenarioError):
        ScenarioFile(path)


@pytest.mark.parametrize("case", cases())
def test_bad_lever_in_a_file_names_the_line(case, tmp_path):
    path, text = _write(tmp_path, case)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    lines = _marked_lines(text)
    assert any(f"{path}:{n}:" in msg for n in lines), f"none of lines {sorted(lines)} in: {msg}"


@pytest.mark.parametrize("case", cases())
def test_bad_lever_in_a_mapping_names_path_and_value(case):
    _, text = _write_text_only(case)
    data = yaml.safe_load(text)
    with pytest.raises(ScenarioError) as err:
        validate_plan(data)
    msg = str(err.value)
    for needle in CASES[case][1]:
        assert needle in msg, f"{needle!r} not in: {msg}"
    assert "Traceback" not in msg


def _write_text_only(case: str) -> tuple[None, str]:
    return None, HEAD + textwrap.dedent(CASES[case][0]).strip("\n") + "\n"


def test_bad_lever_in_a_variant_names_variant_path_and_value(tmp_path):
    text = HEAD + textwrap.dedent(
        """
        campaigns:
          lec:
            kind: lecture
            start_day: 10
        variants:
          cheap:
            campaigns:
              lec:
                cost_per_event: -50   # <-
        """
    )
    path = tmp_path / "variant.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        ScenarioFile(path)
    msg = str(err.value)
    assert "cheap" in msg and "campaigns.lec.cost_per_event" in msg and "-50" in msg
    assert any(f"{path}:{n}:" in msg for n in _marked_lines(text)), msg


def test_bad_lever_override_is_a_scenario_error():
    base = validate_plan(yaml.safe_load(HEAD + "campaigns:\n  lec: {kind: lecture, start_day: 30}\n"))
    with pytest.raises(ScenarioError) as err:
        apply_overrides(base, {"campaigns.lec.end_day": 10}, source="cli")
    assert "campaigns.lec" in str(err.value) and "10" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        apply_overrides(base, {"staff.admin.groups_each": 0}, source="cli")
    assert "staff.admin" in str(err.value)


def test_every_campaign_kind_is_known_to_the_engine():
    """A kind the schema accepts must have an agent; a kind it rejects never reaches one."""
    from growthsim.model.levers import CAMPAIGN_AGENTS
    from growthsim.scenario.schema import CAMPAIGN_KINDS

    assert set(CAMPAIGN_AGENTS) == set(CAMPAIGN_KINDS)


def test_campaign_ending_before_its_start_points_at_end_day(tmp_path):
    """The error names the end-day field and sits on its line, not on the campaign's."""
    text = HEAD + textwrap.dedent(
        """
        campaigns:
          spring:
            kind: flash_sale
            start_day: 40
            end_day: 25
        """
    )
    path = tmp_path / "ends_early.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    end_line = next(i for i, line in enumerate(text.splitlines(), 1) if "end_day: 25" in line)
    assert f"{path}:{end_line}: campaigns.spring.end_day:" in msg, msg
    assert "start_day (40)" in msg and "found 25" in msg


def test_campaign_key_equal_to_a_kind_is_kept_in_the_path():
    """Only the discriminator tag pydantic inserts is dropped from an error's path; a
    campaign whose name is a kind keeps its name."""
    data = yaml.safe_load(HEAD + "campaigns:\n  group_buy: {kind: flash_sale, discount: 2}\n")
    with pytest.raises(ScenarioError) as err:
        validate_plan(data)
    assert "campaigns.group_buy.discount:" in str(err.value)
    assert "campaigns.discount" not in str(err.value)
