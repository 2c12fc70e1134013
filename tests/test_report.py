"""Charts (files, Chinese text without missing glyphs), kpis.json, the self-contained
HTML report and how it renders in headless Chromium."""

from __future__ import annotations

import json
import re
import subprocess
import warnings
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from growthsim.io import write_run_dir
from growthsim.metrics.kpis import kpi_table
from growthsim.report import build_report
from growthsim.report.charts import CHART_TITLES, make_charts
from growthsim.report.fonts import cjk_font_path, font_rc, register_cjk_font
from growthsim.report.html import verdict
from growthsim.results import RunSet
from helpers.synthetic import synthetic_plan, synthetic_runset

CHROMIUM = Path("/usr/bin/chromium")
CN = "潮州家长社群"


def chinese_runset() -> RunSet:
    """The synthetic run set with a Chinese plan label and a Chinese channel name."""
    rs = synthetic_runset(replicates=5, seed=11)
    rename = {"A": CN}
    plans = {rename.get(k, k): v for k, v in rs.plans.items()}
    frames = {}
    for name in ("timeseries", "scalars", "cohorts", "ledger"):
        f = getattr(rs, name).copy()
        f["variant"] = f["variant"].replace(rename)
        frames[name] = f
    frames["timeseries"] = frames["timeseries"].rename(columns={"new_ads": "new_朋友圈广告"})
    return RunSet(plans=plans, **frames)


def _distinct_colours(rgb: np.ndarray) -> int:
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    return int(len(np.unique(packed)))


def _missing_glyph_warnings(record) -> list[str]:
    return [str(w.message) for w in record if "missing from font" in str(w.message)]


def test_cjk_font_comes_from_the_package_and_renders_chinese_without_missing_glyphs():
    path = cjk_font_path()
    assert path is not None and path.is_file(), "no CJK font found: install the mplfonts package"
    assert register_cjk_font()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with matplotlib.rc_context(font_rc()):
            fig = Figure(figsize=(4, 2), dpi=80)
            canvas = FigureCanvasAgg(fig)
            ax = fig.subplots()
            ax.set_title(f"{CN} members")
            canvas.draw()
            img = np.asarray(canvas.buffer_rgba())
    assert _missing_glyph_warnings(rec) == []
    # a title was drawn: the top band of the image holds dark pixels
    top = img[: img.shape[0] // 5, :, :3]
    assert (top.min(axis=2) < 100).sum() > 50
    # control: without the CJK font matplotlib does warn, so the check above is meaningful
    with warnings.catch_warnings(record=True) as rec2:
        warnings.simplefilter("always")
        with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
            fig = Figure(figsize=(4, 2), dpi=80)
            canvas = FigureCanvasAgg(fig)
            fig.subplots().set_title(CN)
            canvas.draw()
    assert _missing_glyph_warnings(rec2)


@pytest.mark.slow
def test_every_chart_is_written_as_a_readable_png_with_chinese_names(tmp_path):
    rs = chinese_runset()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        charts = make_charts(rs, tmp_path / "charts")
    assert _missing_glyph_warnings(rec) == []
    assert list(charts) == list(CHART_TITLES)
    for key, path in charts.items():
        assert path.is_file(), key
        with Image.open(path) as im:
            assert im.format == "PNG"
            assert im.width >= 1000 and im.height >= 500, (key, im.size)
            colours = _distinct_colours(np.asarray(im.convert("RGB")))
        assert colours > 50, f"{key} looks blank ({colours} colours)"


def test_verdict_states_members_payback_and_share_of_futures():
    rs = synthetic_runset(replicates=6, seed=2)
    lines = verdict(rs, kpi_table(rs))
    assert lines[0].startswith("Plan A reaches ~")
    assert re.search(r"Plan B adds ~[\d,]+ members vs A \(P10–P90 \+[\d,]+ to \+[\d,]+\)", lines[1])
    assert "pays back" in lines[1] and "% of simulated futures" in lines[1]


class _Resources(HTMLParser):
    """Collects every attribute that could load something from outside the file."""

    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.images = 0

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster") and value is not None:
                if tag == "img":
                    self.images += 1
                if not value.startswith(("data:", "#")):
                    self.external.append(f"<{tag} {name}={value[:60]}>")


@pytest.mark.slow
def test_build_report_from_a_run_folder_is_self_contained(tmp_path):
    rs = chinese_runset()
    run = write_run_dir(tmp_path / "run", rs)
    written = build_report(run)
    names = {p.relative_to(run).as_posix() for p in written}
    assert {"kpis.json", "report.html"} <= names
    assert {f"charts/{k}.png" for k in CHART_TITLES} <= names
    page = (run / "report.html").read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(page)
    assert parser.external == []
    assert parser.images == len(CHART_TITLES)
    assert "@import" not in page and "<script" not in page
    assert re.findall(r"url\((?!data:)", page) == []
    # Chinese names show in any browser: the CJK glyphs they need are embedded as a font
    assert '@font-face{font-family:"growthsim CJK"' in page
    assert CN in page and "P10–P90" in page and "Verdict" in page
    # kpis.json: strict JSON (no NaN), definitions and the comparison of B against the first plan
    doc = json.loads((run / "kpis.json").read_text(encoding="utf-8"), parse_constant=_no_nan)
    assert doc["plans"] == [CN, "B"]
    assert doc["comparisons"][0]["a"] == CN and doc["comparisons"][0]["b"] == "B"
    assert "members_final" in doc["definitions"] and "p90" in doc["summary"]["B"]["roi"]
    # rebuilding gives the same KPIs (nothing is re-run; same inputs, same numbers)
    before = (run / "kpis.json").read_bytes()
    build_report(run)
    assert (run / "kpis.json").read_bytes() == before


def _no_nan(token: str):
    raise AssertionError(f"kpis.json holds {token}")


def test_report_of_a_single_plan(tmp_path):
    plan = synthetic_plan("solo")
    rs = synthetic_runset({"solo": plan}, replicates=3)
    written = build_report(tmp_path, runset=rs)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Plan solo reaches" in page and (tmp_path / "kpis.json") in written


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="headless Chromium not installed (/usr/bin/chromium; Debian package 'chromium')"
)
@pytest.mark.slow  # renders in Chromium
def test_report_renders_in_headless_chromium(tmp_path):
    rs = chinese_runset()
    build_report(tmp_path, runset=rs)
    shot = tmp_path / "shot.png"
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--hide-scrollbars",
        "--window-size=1200,2400",
        f"--screenshot={shot}",
        (tmp_path / "report.html").as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as im:
        rgb = im.convert("RGB")
        assert rgb.size == (1200, 2400)
        pixels = np.asarray(rgb)
        colours = _distinct_colours(pixels)
    # text, tables and the plan colours make a busy page: far from a blank white screenshot
    assert colours > 200, colours
    assert (pixels.min(axis=2) < 128).mean() > 0.01
