"""Messages in Chinese and English: the catalogues are complete and in step with the
source, the language is chosen as documented, and Chinese renders (no missing glyphs) in
PNG charts and in the HTML report."""

from __future__ import annotations

import base64
import io
import re
import warnings

import pytest
from fontTools.ttLib import TTFont

from growthsim.i18n import (
    _,
    env_language,
    get_language,
    normalize_language,
    resolve_language,
    translations,
    use_language,
)
from growthsim.i18n.terms import kpi_description, kpi_label
from growthsim.metrics.kpis import KPIS
from growthsim.report import build_report
from growthsim.report.fonts import cjk_chars, cjk_font_path
from growthsim.report.numbers import count, money, share, span
from helpers.synthetic import synthetic_runset

catalog = pytest.importorskip("growthsim.i18n.catalog", reason="Babel (test extra) not installed")


def test_catalogues_are_complete_compiled_and_not_stale():
    """Every message id of the source (``_()``/``N_()`` calls, templates, KPI names and
    definitions) is in both catalogues with a non-empty translation, no catalogue entry is
    obsolete, and each shipped .mo is the compilation of its .po."""
    assert catalog.problems() == []


def test_the_staleness_check_notices_a_new_message(monkeypatch):
    real = catalog.extract

    def with_extra():
        cat = real()
        cat.add("a message nobody translated yet", None, [("growthsim/x.py", None)])
        return cat

    monkeypatch.setattr(catalog, "extract", with_extra)
    found = catalog.problems()
    assert "zh: missing from growthsim.po: 'a message nobody translated yet'" in found
    assert "en: missing from growthsim.po: 'a message nobody translated yet'" in found


def test_every_kpi_has_a_chinese_name_and_definition():
    with use_language("zh"):
        for name, k in KPIS.items():
            assert cjk_chars(kpi_label(name)), (name, kpi_label(name))
            if k.description:
                assert cjk_chars(kpi_description(name)), (name, kpi_description(name))
        assert kpi_label("joins_referral") == "经裂变邀请入群"
        assert kpi_label("cost_campaign:invite") == "成本：活动：invite"
    assert kpi_label("dau") == "DAU, mean of the last 7 days"


@pytest.mark.parametrize(
    "tag, lang",
    [
        ("zh", "zh"),
        ("zh_CN.UTF-8", "zh"),
        ("zh-Hans", "zh"),
        ("en_US.UTF-8", "en"),
        ("C", "en"),
        ("fr_FR.UTF-8", None),
        ("", None),
        (None, None),
    ],
)
def test_language_tags(tag, lang):
    assert normalize_language(tag) == lang


def test_language_order_cli_then_scenario_then_environment():
    env = {"LANG": "zh_CN.UTF-8"}
    assert resolve_language("en", "zh", env) == "en"
    assert resolve_language(None, "en", env) == "en"
    assert resolve_language(None, None, env) == "zh"
    assert resolve_language(None, None, {}) == "en"
    assert env_language({"LANGUAGE": "fr:zh_CN", "LANG": "en_US.UTF-8"}) == "zh"
    assert env_language({"LC_ALL": "de_DE.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"  # LC_ALL wins, unknown
    with use_language("zh"):
        assert get_language() == "zh" and _("Verdict") == "结论"
    assert _("Verdict") == "Verdict"


def test_numbers_read_well():
    assert span(share(-0.857), share(-0.703)) == "−85.7% to −70.3%"
    assert count(3.8) == "4" and count(-3.8, signed=True) == "−4" and count(0.2, signed=True) == "0"
    assert money(12345.6, "CNY") == "12,346 CNY"
    with use_language("zh"):
        assert span(share(-0.857), share(-0.703)) == "−85.7% 至 −70.3%"
        assert money(12345.6, "CNY") == "12,346元"
        assert money(-5, "USD", signed=True) == "−5.00 USD"


def _font_cmap(data: bytes) -> set[int]:
    font = TTFont(io.BytesIO(data), fontNumber=0)
    return set(font.getBestCmap())


def test_the_cjk_font_has_a_glyph_for_every_chinese_character_of_the_catalogue():
    """Charts draw text with the CJK font as fallback: every character of every Chinese
    message must be in its character map (else matplotlib draws a box)."""
    path = cjk_font_path()
    assert path is not None
    cmap = _font_cmap(path.read_bytes())
    zh = translations("zh")
    chars = set()
    for msgid in catalog._ids(catalog.read_catalogue("zh")):
        text = zh.gettext(msgid) if isinstance(msgid, str) else zh.ngettext(msgid[0], msgid[1], 2)
        chars |= set(cjk_chars(text))
    assert len(chars) > 200  # the catalogue holds a few hundred distinct characters
    missing = sorted(ch for ch in chars if ord(ch) not in cmap)
    assert missing == []


@pytest.mark.slow  # builds a whole report with its charts
def test_chinese_report_and_charts_render_without_missing_glyphs(tmp_path):
    rs = synthetic_runset(replicates=4, seed=5)
    with use_language("zh"), warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        build_report(tmp_path, runset=rs)
    assert [str(w.message) for w in rec if "missing from font" in str(w.message)] == []
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    for heading in ("结论", "方案", "关键指标", "图表", "指标定义", "逐月数据", "日活（最后 7 天平均）"):
        assert heading in page, heading
    # no English section heading left in the Chinese page
    for english in ("Verdict", "Key figures", "Definitions", "Month by month", "Each cell"):
        assert english not in page, english
    # the embedded font covers every CJK character the page shows
    m = re.search(r"src:url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert m, "no embedded CJK font"
    cmap = _font_cmap(base64.b64decode(m.group(1)))
    text = re.sub(r"<style>.*?</style>|<[^>]+>|data:[^\"')]+", " ", page, flags=re.S)
    missing = [ch for ch in cjk_chars(text) if ord(ch) not in cmap]
    assert missing == []
    # the same figures in English: same numbers, English words
    with use_language("en"):
        build_report(tmp_path / "en", runset=rs)
    en = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in en and "Verdict" in en and "结论" not in en
