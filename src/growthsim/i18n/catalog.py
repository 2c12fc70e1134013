"""Keep the message catalogues in step with the source (a maintainer's tool; needs Babel).

``python -m growthsim.i18n.catalog update``  extract messages from the source and the
report templates, merge them into both ``.po`` files (new messages in ``zh_CN`` come in
untranslated, ``en`` copies the English source text) and compile the ``.mo`` files.
``python -m growthsim.i18n.catalog check``   report what is stale: messages in the source
missing from a catalogue, catalogue entries no longer in the source, empty translations,
``.mo`` files that differ from their ``.po``. Exit status 1 when anything is stale.

What is extracted: ``_()``, ``N_()``, ``gettext()``, ``ngettext()`` calls in
``src/growthsim/**.py`` and in ``report/templates/*.html`` (Jinja2), and the KPI names and
definitions of :data:`growthsim.metrics.kpis.KPIS` (the KPI module keeps its English text;
:mod:`growthsim.i18n.terms` translates it where it is shown).

The ``.mo`` files are committed and shipped as package data, so growthsim runs on the
standard library's :mod:`gettext` and never needs Babel at run time; the catalogue test
fails when a ``.mo`` is not the compilation of its ``.po``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from growthsim.i18n import DOMAIN, LOCALE_DIRS, LOCALE_ROOT

PACKAGE_ROOT = LOCALE_ROOT.parent
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHOD_MAP = [
    ("i18n/catalog.py", "ignore"),
    ("**.py", "python"),
    ("report/templates/**.html", "jinja2.ext:babel_extract"),
]
LOCALES = {"zh": "zh_CN", "en": "en"}


def extract() -> Catalog:
    """A template catalogue of every message in the source, templates and KPI table."""
    cat = Catalog(project="growthsim", domain=DOMAIN, charset="utf-8")
    for filename, _lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_ROOT),
        method_map=METHOD_MAP,
        keywords=KEYWORDS,
        options_map={"report/templates/**.html": {"trimmed": "true"}},
    ):
        cat.add(
            message,
            None,
            [(f"growthsim/{filename}", None)],  # type: ignore[list-item]  # babel writes no line number
            auto_comments=comments,
            context=context,
        )
    from growthsim.i18n.terms import catalogue_terms  # noqa: PLC0415
    from growthsim.scenario.reference import catalogue_terms as field_terms  # noqa: PLC0415

    for where, message in [*catalogue_terms(), *field_terms()]:
        cat.add(message, None, [(where, None)])  # type: ignore[list-item]  # babel writes no line number
    return cat


def po_path(lang: str) -> Path:
    return LOCALE_ROOT / LOCALE_DIRS[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.is_file():
        return Catalog(locale=LOCALES[lang], project="growthsim", domain=DOMAIN, charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=LOCALES[lang], domain=DOMAIN)


def _ids(cat: Catalog) -> set:
    return {m.id for m in cat if m.id}


def mo_bytes(cat: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def update() -> None:
    """Merge the source's messages into both catalogues and compile them."""
    template = extract()
    for lang in LOCALES:
        cat = read_catalogue(lang)
        cat.update(template, no_fuzzy_matching=True, update_header_comment=False)
        cat.obsolete.clear()
        if lang == "en":
            for m in cat:
                if m.id and not (m.string if not isinstance(m.string, (list, tuple)) else all(m.string)):
                    m.string = tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        write_po(buf, cat, sort_output=True, include_lineno=False, width=100, omit_header=False)
        path.write_bytes(buf.getvalue())
        path.with_suffix(".mo").write_bytes(mo_bytes(read_catalogue(lang)))


def problems() -> list[str]:
    """Everything stale about the catalogues, as sentences (empty: all is in step)."""
    template = extract()
    wanted = _ids(template)
    out: list[str] = []
    for lang in LOCALES:
        cat = read_catalogue(lang)
        have = _ids(cat)
        for mid in sorted(wanted - have, key=str):
            out.append(f"{lang}: missing from {po_path(lang).name}: {mid!r}")
        for mid in sorted(have - wanted, key=str):
            out.append(f"{lang}: no longer in the source: {mid!r}")
        for m in cat:
            if not m.id:
                continue
            strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
            if not all(s and s.strip() for s in strings):
                out.append(f"{lang}: no translation for {m.id!r}")
            if m.fuzzy:
                out.append(f"{lang}: fuzzy (unchecked) translation for {m.id!r}")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != mo_bytes(cat):
            out.append(f"{lang}: {mo.name} is not the compilation of {po_path(lang).name}")
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[0] if argv else "check"
    if cmd == "update":
        update()
        found = problems()
    elif cmd == "check":
        found = problems()
    else:
        print(__doc__)
        return 2
    for p in found:
        print(p)
    return 1 if found else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
