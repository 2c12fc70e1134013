"""Names people read, translated: KPI names and definitions, acquisition sources, ledger
categories, units. The KPI table (:mod:`growthsim.metrics.kpis`) keeps its English text as
the message ids; the catalogue tool extracts them from there (:func:`catalogue_terms`)."""

from __future__ import annotations

from collections.abc import Iterator

from growthsim.i18n import N_, _

# KPIs whose names depend on the plan (a source, a channel, a ledger category); the
# patterns mirror growthsim.metrics.kpis._PATTERNS, with a placeholder so that Chinese
# can put the name where it belongs.
PATTERN_LABELS: tuple[tuple[str, str, str], ...] = (
    ("joins_per_day_", N_("Joins / day via {name}"), N_("joins per day through this source")),
    ("joins_", N_("Joins via {name}"), N_("joins during the horizon through this source")),
    ("cac_", N_("CAC {name}"), N_("spend on this channel / members who joined through it")),
    ("cost_", N_("Cost: {name}"), N_("money spent in this ledger category")),
)

SOURCES: dict[str, str] = {
    "organic": N_("organic"),
    "referral": N_("referral"),
    "replay": N_("replay"),
}
"""Built-in acquisition sources (a channel's source is its own name)."""

CATEGORY_KINDS: dict[str, str] = {
    "staff": N_("staff"),
    "tools": N_("tools"),
    "kol": N_("KOL"),
    "campaign": N_("campaign"),
    "channel": N_("channel"),
    "volunteer_admins": N_("volunteer admins"),
    "devices": N_("devices"),
}
"""Ledger categories (``kind`` or ``kind:name``)."""


LABEL_OVERRIDES: dict[str, str] = {
    "dau": N_("DAU, mean of the last 7 days"),
    "wau": N_("WAU, last 7 days at the end"),
    "mau": N_("MAU, last 30 days at the end"),
}
"""Shown names that state their window, so that the same name means the same figure in
the CLI, the report and the files."""


def catalogue_terms() -> Iterator[tuple[str, str]]:
    """``(where, English text)`` of every KPI name and definition, for the catalogue."""
    from growthsim.metrics.kpis import KPIS  # noqa: PLC0415

    for k in KPIS.values():
        yield "growthsim/metrics/kpis.py", k.label
        if k.description:
            yield "growthsim/metrics/kpis.py", k.description


def source_label(source: str) -> str:
    """``referral`` -> 裂变邀请 in Chinese; a channel's own name stays as it is."""
    return _(SOURCES[source]) if source in SOURCES else source


def category_label(category: str) -> str:
    """``staff`` -> 人力; ``campaign:invite`` -> 活动：invite."""
    kind, _sep, name = category.partition(":")
    if kind in CATEGORY_KINDS:
        word = _(CATEGORY_KINDS[kind])
        return f"{word}{_(': ')}{name}" if name else word
    return category


def kpi_label(name: str) -> str:
    """The KPI's short name in the active language."""
    from growthsim.metrics.kpis import KPIS  # noqa: PLC0415

    if name in LABEL_OVERRIDES:
        return _(LABEL_OVERRIDES[name])
    if name in KPIS:
        return _(KPIS[name].label)
    for prefix, label, _desc in PATTERN_LABELS:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            shown = category_label(rest) if prefix == "cost_" else source_label(rest)
            return _(label).format(name=shown)
    return name


def kpi_description(name: str) -> str:
    """The KPI's one-sentence definition in the active language."""
    from growthsim.metrics.kpis import KPIS  # noqa: PLC0415

    if name in KPIS:
        return _(KPIS[name].description) if KPIS[name].description else ""
    for prefix, _label, desc in PATTERN_LABELS:
        if name.startswith(prefix):
            return _(desc)
    return ""
