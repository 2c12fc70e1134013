"""Group health in the outputs: ``group_health.csv`` in the run folder (every group at each
checkpoint, listed in the manifest, a BOM, headers and levels in the active language) and
the report's group-health chart in both languages.

The CSV is checked against the run's own daily series: on the last day of a checkpoint the
groups it lists at each level must be exactly the ``health_red`` / ``health_yellow`` /
``health_blue`` counts of that day and replicate, and its groups the groups open then."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from growthsim.i18n import _, get_language, set_language
from growthsim.io import write_run_dir
from growthsim.report import build_report
from growthsim.report.charts import chart_title
from growthsim.report.health import GROUP_HEALTH_CSV, LEVEL_COLOURS, checkpoint_snapshots
from growthsim.runner import run_plans
from growthsim.scenario import Scenario

CHECKPOINTS = [15, 30, 45]


def spam_plan(**over) -> Scenario:
    """Small groups, some of them spammed (red), some unmanaged (blue)."""
    d = {
        "name": "health-out",
        "seed": 7,
        "horizon_days": 45,
        "replicates": 2,
        "checkpoints": {"every_days": 15},
        "market": {"size": 3000, "graph": {"model": "watts_strogatz", "mean_degree": 10}},
        "members": {"initial": 400, "referral": {"invite_prob": 0.03, "accept_prob": 0.3}},
        "groups": {"target_size": 40, "max_size": 80},
        "staff": {"admin": {"count": 1, "groups_each": 3, "hours_per_day": 3, "salary_per_month": 3000}},
        "moderation": {"ad_poster_share": 0.2, "ads_per_day": 5.0, "enabled": False},
    }
    d.update(over)
    return Scenario.model_validate(d)


@pytest.fixture(scope="module")
def runset():
    return run_plans({"base": spam_plan(), "calm": spam_plan(moderation={"ad_poster_share": 0.0})})


@pytest.fixture()
def english():
    before = get_language()
    set_language("en")
    yield
    set_language(before)


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_bytes().decode("utf-8-sig").splitlines()))


def test_snapshots_at_the_checkpoints_match_the_daily_series(runset):
    snaps = checkpoint_snapshots(runset)
    assert sorted(snaps["checkpoint"].unique()) == CHECKPOINTS
    ts = runset.timeseries.set_index(["variant", "replicate", "day"])
    reds = 0
    for (plan, rep, cp), g in snaps.groupby(["variant", "replicate", "checkpoint"]):
        day = ts.loc[(plan, rep, cp - 1)]
        assert len(g) == day["groups"], (plan, rep, cp)
        assert list(g["group"]) == list(range(len(g)))
        for lvl in ("red", "yellow", "blue"):
            assert (g["level"] == lvl).sum() == day[f"health_{lvl}"], (plan, rep, cp, lvl)
        rated = g["size"] >= runset.plans[plan].group_health.min_size
        assert rated.sum() == day["groups_rated"]
        assert ((g["activity_rate"] >= 0) & (g["activity_rate"] <= 1)).all()
        reds += int((g["level"] == "red").sum()) if plan == "base" else 0
    assert reds > 0  # the spammed plan has red groups: the level check above is not vacuous
    calm = snaps[snaps["variant"] == "calm"]
    assert (calm["level"] == "red").sum() < (snaps[snaps["variant"] == "base"]["level"] == "red").sum()


def test_run_folder_lists_group_health_csv_with_a_bom(runset, tmp_path, english):
    out = write_run_dir(tmp_path / "run", runset)
    raw = (out / GROUP_HEALTH_CSV).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    manifest = json.loads((out / "run-manifest.json").read_text(encoding="utf-8"))
    entry = manifest["files"][GROUP_HEALTH_CSV]
    assert entry == {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    rows = read_rows(out / GROUP_HEALTH_CSV)
    assert rows[0] == [
        "plan",
        "replicate",
        "checkpoint (days elapsed)",
        "group",
        "members",
        "active member-days (last window)",
        "activity rate",
        "run by a member",
        "warning level",
    ]
    snaps = checkpoint_snapshots(runset)
    assert len(rows) - 1 == len(snaps)
    body = rows[1:]
    assert {r[0] for r in body} == {"base", "calm"}
    assert {int(r[2]) for r in body} == set(CHECKPOINTS)
    assert {r[-1] for r in body} <= {"none", "blue", "yellow", "red"} and "red" in {r[-1] for r in body}
    # the same scenario and seed write the same bytes
    again = write_run_dir(
        tmp_path / "again", run_plans({"base": spam_plan(), "calm": spam_plan(moderation={"ad_poster_share": 0.0})})
    )
    assert (again / GROUP_HEALTH_CSV).read_bytes() == raw


def _red_pixels(png: Path) -> int:
    rgb = np.asarray(Image.open(png).convert("RGB")).astype(int)
    want = np.array([int(LEVEL_COLOURS["red"][i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(rgb - want).sum(axis=2) < 30).sum())


@pytest.mark.slow  # builds a whole report in each language
@pytest.mark.parametrize("lang, level_word, header_word", [("en", "red", "warning level"), ("zh", "红色", "预警等级")])
def test_report_shows_the_group_health_chart_in_both_languages(runset, tmp_path, lang, level_word, header_word):
    before = get_language()
    set_language(lang)
    try:
        out = write_run_dir(tmp_path / f"run-{lang}", runset)
        build_report(out, runset=runset)
        title = chart_title("group_health")
        assert title == _("Group health: groups at a red, yellow or blue warning (median, P10–P90 band)")
        page = (out / "report.html").read_text(encoding="utf-8")
        assert title in page
        if lang == "zh":
            assert "群健康度：" in title
        else:
            assert title.startswith("Group health:")
        png = out / "charts" / "group_health.png"
        assert png.is_file()
        # the spammed plan's red line is drawn (a red warning is in the series)
        assert _red_pixels(png) > 200
        rows = read_rows(out / GROUP_HEALTH_CSV)
        assert header_word in rows[0] and level_word in {r[-1] for r in rows[1:]}
    finally:
        set_language(before)
