"""Fonts for charts: Latin text in DejaVu Sans, Chinese (CJK) text in Noto Sans CJK SC.

Plan and channel names are often Chinese (``潮州家长社群``). Matplotlib's bundled DejaVu
Sans has no CJK glyphs, so growthsim depends on the ``mplfonts`` package from PyPI, which
ships ``NotoSansCJKsc-Regular.otf`` (SIL Open Font License). The font file is registered
with matplotlib's font manager (nothing is copied into matplotlib or the user's config)
and used as a per-glyph fallback after DejaVu Sans.

``GROWTHSIM_CJK_FONT=/path/to/font.otf`` points at another CJK font file instead.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager

CJK_FONT_FILES = (
    "NotoSansCJKsc-Regular.otf",
    "SourceHanSansSC-Regular.otf",
    "SimHei.ttf",
)
"""Font files looked for in the ``mplfonts`` package, in order of preference."""

_SYSTEM_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def _package_font_dir() -> Path | None:
    """The ``fonts`` folder of the installed ``mplfonts`` package, found without importing
    it (importing it has no use here)."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return folder if folder.is_dir() else None


def cjk_font_path() -> Path | None:
    """Path of the CJK font file to use, or None when none is available."""
    env = os.environ.get("GROWTHSIM_CJK_FONT")
    if env and Path(env).is_file():
        return Path(env)
    folder = _package_font_dir()
    if folder is not None:
        for name in CJK_FONT_FILES:
            if (folder / name).is_file():
                return folder / name
    for cand in _SYSTEM_CANDIDATES:
        if Path(cand).is_file():
            return Path(cand)
    return None


@lru_cache(maxsize=1)
def register_cjk_font() -> str | None:
    """Register the CJK font with matplotlib once per process; return its family name
    (``"Noto Sans CJK SC"``), or None when no CJK font could be found."""
    path = cjk_font_path()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def font_rc() -> dict[str, object]:
    """Matplotlib rc settings that render Latin and CJK text (use with
    ``matplotlib.rc_context``)."""
    cjk = register_cjk_font()
    # an explicit family list (not the generic "sans-serif") makes matplotlib fall back
    # glyph by glyph from the first family to the next
    families = ["DejaVu Sans"] + ([cjk] if cjk else [])
    return {"font.family": families, "axes.unicode_minus": False}


def cjk_chars(text: str) -> str:
    """The distinct East Asian characters of ``text`` (code points from U+2E80: CJK
    radicals and punctuation, kana, ideographs, Hangul, full-width forms), sorted."""
    return "".join(sorted({ch for ch in text if ord(ch) >= 0x2E80}))


def cjk_webfont(text: str) -> bytes | None:
    """A WOFF font holding just the CJK glyphs ``text`` needs (a few KB), cut from the CJK
    font with fontTools' subsetter, for embedding in a self-contained HTML page; None when
    ``text`` has no CJK characters or no CJK font is available."""
    chars = cjk_chars(text)
    path = cjk_font_path()
    if not chars or path is None:
        return None
    import io  # noqa: PLC0415

    from fontTools import subset  # noqa: PLC0415

    opts = subset.Options()
    opts.flavor = "woff"
    opts.notdef_outline = True
    opts.font_number = 0  # first face of a collection (.ttc)
    font = subset.load_font(str(path), opts, lazy=True)
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    buf = io.BytesIO()
    subset.save_font(font, buf, opts)
    return buf.getvalue()
