"""Messages in Chinese (zh-CN) and English: gettext catalogues bound to the active language.

Every text a person reads (reports, chart titles and axes, CLI tables, progress lines,
KPI names and definitions, scenario error messages) is written in English in the source
and passed through :func:`_`; the catalogues ``growthsim/locale/{zh_CN,en}/LC_MESSAGES/
growthsim.po`` hold the translations and ship, compiled to ``.mo``, as package data.

Why gettext + Babel: gettext is the standard catalogue format (translators' tools, the
Python standard library reads ``.mo`` files without any dependency at run time), and
Babel is the standard Python tool to extract messages from the source, merge catalogues
and compile them (see :mod:`growthsim.i18n.catalog`; Babel is needed only to update the
catalogues and in the tests, never to run growthsim).

The language, first found wins: ``--lang zh|en`` on a command, the scenario file's
``locale:``, the environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as
gettext reads them), else English.
"""

from __future__ import annotations

import gettext as _gettext
import os
from functools import cache
from pathlib import Path

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "N_",
    "_",
    "env_language",
    "get_language",
    "gettext",
    "ngettext",
    "normalize_language",
    "resolve_language",
    "set_language",
    "translations",
    "use_language",
]

DOMAIN = "growthsim"
LANGUAGES: tuple[str, ...] = ("en", "zh")
"""Languages growthsim speaks, by their ``--lang`` names."""
LOCALE_DIRS: dict[str, str] = {"en": "en", "zh": "zh_CN"}
"""Folder of each language's catalogue under ``growthsim/locale``."""
LOCALE_ROOT = Path(__file__).resolve().parent.parent / "locale"

_current: str | None = None


def normalize_language(tag: str | None) -> str | None:
    """``zh``, ``zh_CN``, ``zh-Hans``, ``zh_CN.UTF-8``, ``chinese`` -> ``"zh"``; ``en``,
    ``en_US.UTF-8``, ``C``, ``POSIX`` -> ``"en"``; anything else -> None."""
    if not tag:
        return None
    t = str(tag).strip().lower().replace("-", "_").split(".")[0].split("@")[0]
    if t in ("zh", "cn", "chinese", "中文") or t.startswith("zh_"):
        return "zh"
    if t in ("en", "english", "c", "posix") or t.startswith("en_"):
        return "en"
    return None


def env_language(environ: dict[str, str] | None = None) -> str:
    """The language the environment asks for (gettext's variables, in gettext's order;
    ``LANGUAGE`` may list several, ``zh_CN:en``), English when none is one we speak."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        val = env.get(var)
        if not val:
            continue
        for part in val.split(":"):
            lang = normalize_language(part)
            if lang is not None:
                return lang
        if var != "LANGUAGE":
            break  # the first set LC_* / LANG decides, as in gettext
    return "en"


def resolve_language(cli: str | None = None, scenario: str | None = None, environ: dict[str, str] | None = None) -> str:
    """``--lang`` first, then the scenario's ``locale:``, then the environment."""
    for tag in (cli, scenario):
        lang = normalize_language(tag)
        if lang is not None:
            return lang
    return env_language(environ)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (``NullTranslations``, i.e. the English source
    text, when it is missing)."""
    folder = LOCALE_DIRS.get(lang, lang)
    mo = LOCALE_ROOT / folder / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    except OSError:
        return _gettext.NullTranslations()


def get_language() -> str:
    """The active language (``set_language`` or, until it is called, the environment's)."""
    global _current
    if _current is None:
        _current = env_language()
    return _current


def set_language(lang: str | None) -> str:
    """Make ``lang`` (any tag :func:`normalize_language` knows; None: the environment's)
    the active language; return it."""
    global _current
    _current = normalize_language(lang) or env_language()
    return _current


class use_language:
    """Context manager: ``with use_language("zh"): ...`` then back to the previous one."""

    def __init__(self, lang: str | None):
        self.lang = lang
        self.prev: str | None = None

    def __enter__(self) -> str:
        self.prev = _current
        return set_language(self.lang)

    def __exit__(self, *exc: object) -> None:
        global _current
        _current = self.prev


def gettext(message: str) -> str:
    """``message`` in the active language."""
    if not message:
        return message
    return translations(get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the active language."""
    return translations(get_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (translate it with
    :func:`_` where it is shown)."""
    return message


_ = gettext


def apply_plan_locale(cli_lang: str | None, plan: object) -> str:
    """After a scenario is read: its ``locale:`` applies unless ``--lang`` was given."""
    if cli_lang:
        return set_language(cli_lang)
    loc = getattr(plan, "locale", None)
    return set_language(loc) if loc else get_language()
