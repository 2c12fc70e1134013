"""Every string the planning page shows, by key, as message ids of the project's catalogue.

The page asks :func:`t` for each label by key; the English text is the message id, and its
translations live in the gettext catalogue with every other message
(``growthsim/locale/*/LC_MESSAGES/growthsim.po``). Field labels of the scenario schema are
derived from the field names (``monthly_cap`` -> "Monthly cap"); :data:`FIELD_LABELS` lists
the lever fields a planner touches most, so that the catalogue carries their translations; a
field without an entry keeps its English label in both languages. Field descriptions (the
tooltips) are the schema's own text, translated through the catalogue where it is shown.
"""

from __future__ import annotations

from growthsim.i18n import N_, _, use_language

LANGUAGES = ("en", "zh")

LANGUAGE_SWITCH: dict[str, str] = {"en": "中文", "zh": "English"}
"""The language button shows the other language in its own words (not a translation)."""

MESSAGES: dict[str, str] = {
    "title": N_("growthsim: what-if planning"),
    "plan_file": N_("Saved plan"),
    "levers": N_("Levers"),
    "section.budget": N_("Budget"),
    "section.staff": N_("Staff"),
    "section.campaigns": N_("Campaigns"),
    "section.kols": N_("KOL schedules"),
    "section.channels": N_("Channels"),
    "section.targets": N_("Targets"),
    "section.run": N_("Run settings"),
    "on": N_("on"),
    "none": N_("none (no limit)"),
    "run": N_("Run"),
    "cancel": N_("Stop"),
    "reset": N_("Reset to saved plan"),
    "progress": N_("{done} of {total} replicates"),
    "first_result": N_("first replicate shown {secs:.2f} s after Run"),
    "finished": N_("finished in {secs:.1f} s"),
    "stopped": N_("stopped"),
    "not_run": N_("Press Run to simulate the edited plan beside the saved plan."),
    "invalid": N_("The edited plan is not valid:"),
    "edits": N_("{n} field(s) changed from the saved plan"),
    "tab.results": N_("Results"),
    "tab.story": N_("Single-run story"),
    "tab.browse": N_("Open a run folder"),
    "figures": N_("Headline figures (median, P10–P90) at the end of the horizon"),
    "paired": N_("Edited minus saved plan, paired by replicate (common random numbers)"),
    "targets": N_("Chance of hitting each target (share of futures, 95% interval)"),
    "col.target": N_("target"),
    "col.kpi": N_("figure"),
    "col.base": N_("saved plan"),
    "col.edited": N_("edited plan"),
    "col.diff": N_("difference (median, P10–P90)"),
    "col.better": N_("chance edited is better"),
    "chart.members": N_("Members"),
    "chart.groups": N_("Groups"),
    "chart.dau": N_("Daily active members (DAU)"),
    "chart.cost": N_("Cumulative cost (dashed) and gross margin"),
    "chart.roi": N_("ROI to date"),
    "band_note": N_("lines: medians; shaded: P10–P90 over replicates"),
    "download_plan": N_("Download edited plan (YAML)"),
    "download_run": N_("Download run folder (zip)"),
    "story.run": N_("Simulate one future"),
    "story.day": N_("Day"),
    "story.play": N_("Play"),
    "story.pause": N_("Pause"),
    "story.next": N_("Next day"),
    "story.prev": N_("Previous day"),
    "story.events_today": N_("Events on day {day}"),
    "story.counts": N_("members {members}, DAU {dau}, groups {groups}"),
    "story.no_events": N_("no events"),
    "story.curve": N_("Members in one simulated future, events marked"),
    "story.graph": N_("Sample of the social graph on day {day} ({n} people)"),
    "story.hint": N_("Replicate 0 of the edited plan, stepped day by day."),
    "state.outsider": N_("outsider"),
    "state.member": N_("member"),
    "state.active": N_("active today"),
    "state.dormant": N_("dormant"),
    "state.churned": N_("left"),
    "event.campaign_start": N_("campaign {name} starts"),
    "event.campaign_end": N_("campaign {name} ends"),
    "event.campaign_stopped": N_("campaign {name} stopped: its budget cap is spent"),
    "event.campaign_event": N_("{name} held"),
    "event.budget": N_("budget exhausted: discretionary spending refused"),
    "event.groups": N_("{n} group(s) opened ({total} in all)"),
    "event.kol": N_("KOL {name}: {n} post(s)"),
    "event.vip": N_("VIP selection: {n} member(s) invited"),
    "kind.campaign_start": N_("campaign starts"),
    "kind.campaign_end": N_("campaign ends"),
    "kind.campaign_stopped": N_("cap spent"),
    "kind.campaign_event": N_("campaign event"),
    "kind.budget": N_("budget exhausted"),
    "kind.groups": N_("group opened"),
    "kind.kol": N_("KOL post"),
    "kind.vip": N_("VIP selection"),
    "browse.path": N_("Run folder (path on this computer)"),
    "browse.open": N_("Open"),
    "browse.plans": N_("Plans in this run: {plans}"),
    "replicates": N_("Replicates"),
    "error.number": N_("expected a number, found {text!r}"),
    "error.server": N_("the run failed: {error}"),
}
"""Page texts by key; the values are message ids (English)."""

FIELD_LABELS: dict[str, str] = {
    "total": N_("Total"),
    "monthly_cap": N_("Monthly cap"),
    "count": N_("Count"),
    "salary_per_month": N_("Salary per month"),
    "groups_each": N_("Groups each"),
    "hours_per_day": N_("Hours per day"),
    "start_day": N_("Start day"),
    "end_day": N_("End day"),
    "budget_cap": N_("Budget cap"),
    "fatigue": N_("Fatigue"),
    "threshold": N_("Threshold"),
    "reward": N_("Reward"),
    "invite_multiplier": N_("Invite multiplier"),
    "reference_reward": N_("Reference reward"),
    "reward_elasticity": N_("Reward elasticity"),
    "streak_days": N_("Streak days"),
    "activity_multiplier": N_("Activity multiplier"),
    "engagement_lift": N_("Engagement lift"),
    "win_prob": N_("Win prob"),
    "prize": N_("Prize"),
    "conversion_multiplier": N_("Conversion multiplier"),
    "duration_days": N_("Duration days"),
    "discount": N_("Discount"),
    "cost_per_event": N_("Cost per event"),
    "followup_days": N_("Followup days"),
    "every_days": N_("Every days"),
    "per_week": N_("Per week"),
    "cost_per_post": N_("Cost per post"),
    "referral_multiplier": N_("Referral multiplier"),
    "groups_reached": N_("Groups reached"),
    "min_tenure_days": N_("Min tenure days"),
    "daily_budget": N_("Daily budget"),
    "base_reach": N_("Base reach"),
    "max_reach": N_("Max reach"),
    "half_saturation_spend": N_("Half saturation spend"),
    "join_rate": N_("Join rate"),
    "cost_per_join": N_("Cost per join"),
    "daily_intake_cap": N_("Daily intake cap"),
    "target_block": N_("Target block"),
    "join_engagement": N_("Join engagement"),
    "replicates": N_("Replicates"),
}
"""Labels of the lever fields a planner touches most (message ids)."""


def t(key: str, lang: str = "en", **values: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``values``."""
    if key == "language":
        return LANGUAGE_SWITCH.get(lang, LANGUAGE_SWITCH["en"])
    with use_language(lang):
        text = _(MESSAGES[key])
    return text.format(**values) if values else text


def field_label(name: str, lang: str = "en") -> str:
    """A schema field's label in ``lang`` (from its name; translated when it is listed in
    :data:`FIELD_LABELS`)."""
    if name in FIELD_LABELS:
        with use_language(lang):
            return _(FIELD_LABELS[name])
    return name.replace("_", " ").capitalize()
