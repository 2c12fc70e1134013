"""The report's layout holds with six plans at 1,280 px and at phone width (390 px), in
Chinese and in English: measured in headless Chromium (the Debian ``chromium`` package,
driven by Playwright's Python package; no browser is downloaded), no element lies outside
the viewport, the page does not scroll sideways and no table cell clips its content.
Screenshots are saved under the test's tmp folder and their paths printed (``-s``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from growthsim.i18n import use_language
from growthsim.report import build_report
from helpers.synthetic import synthetic_plan, synthetic_runset

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (Debian package 'chromium')"),
    pytest.mark.slow,  # builds six reports and drives Chromium
]

# six plans, some with long Chinese names, one with a long English name
PLAN_NAMES = (
    "潮州家长社群·春季招生",
    "社区门店福利群",
    "B",
    "long_english_plan_name_with_invites",
    "双十一大促预热群",
    "兴趣社群",
)

MEASURE = """() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > W + 0.5 || r.left < -0.5)
      out.push(`${el.tagName} [${(el.textContent || '').trim().slice(0, 40)}] ${r.left.toFixed(0)}..${r.right.toFixed(0)}`);
    if ((el.tagName === 'TD' || el.tagName === 'TH') && el.scrollWidth > el.clientWidth + 1)
      out.push(`clipped ${el.tagName} [${(el.textContent || '').trim().slice(0, 40)}]`);
  }
  return {width: W, scrollWidth: document.documentElement.scrollWidth, problems: out,
          cells: document.querySelectorAll('table.kpis td').length};
}"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    plans = {
        name: synthetic_plan(name, horizon_days=45, invite_reward=i % 2 == 1, ads_budget=150 + 50 * i)
        for i, name in enumerate(PLAN_NAMES)
    }
    rs = synthetic_runset(plans, replicates=3, seed=4, lifts={n: 1 + 0.1 * i for i, n in enumerate(PLAN_NAMES)})
    out = {}
    for lang in ("zh", "en"):
        folder = tmp_path_factory.mktemp(f"report-{lang}")
        with use_language(lang):
            build_report(folder, runset=rs)
        out[lang] = folder / "report.html"
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield ctx
        ctx.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_six_plans_fit_the_viewport(reports, browser, lang, width, tmp_path):
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    try:
        page.goto(reports[lang].as_uri())
        page.wait_for_load_state("load")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        found = page.evaluate(MEASURE)
        shot = tmp_path / f"report-{lang}-{width}px.png"
        page.evaluate("document.querySelector('table.kpis').scrollIntoView()")  # the widest table
        page.screenshot(path=str(shot), full_page=False)
    finally:
        page.close()
    print(f"\nscreenshot ({lang}, {width} px): {shot}")
    assert found["cells"] >= 6 * 20  # the key-figures table was there, six plans wide
    assert found["width"] == width
    assert found["scrollWidth"] <= width, found["scrollWidth"]
    assert found["problems"] == []
    assert shot.stat().st_size > 20_000


def test_the_measure_notices_an_overflowing_column(browser, tmp_path):
    """Control: a table too wide for a phone is reported."""
    cells = "".join(f"<td>{'x' * 40}</td>" for _ in range(7))
    html = tmp_path / "wide.html"
    html.write_text(
        f'<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width">'
        f"</head><body><table><tr>{cells}</tr></table></body></html>",
        encoding="utf-8",
    )
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 600})
    try:
        page.goto(html.as_uri())
        found = page.evaluate(MEASURE)
    finally:
        page.close()
    assert found["problems"] and found["scrollWidth"] > 390
