"""Text built in English at the source, shown in the active language.

growthsim's own messages go through :func:`growthsim.i18n._` where they are written.
Messages built by code that stays English at the source — pydantic's validation texts
("Input should be greater than or equal to 0"), the scenario loader's and schema's
validators, notes kept in English in data files — are translated where they are shown
(:func:`translate_error` at the one place every user error is printed,
:func:`growthsim.cli.main`; :func:`translate_text` for notes).

One mechanism: each entry of :data:`TEMPLATES` is an English template with ``{name}``
placeholders and the message id of its translation (the same placeholders, or fewer). The
pattern that finds the template in a line is derived from the template itself (literal
text as it is, each placeholder a named part; :data:`SHAPES` narrows the parts that are
a number, a day or a quoted list), so a message the source writes is listed once, as a
message id, when its English is its own template. A line no template knows is shown as
written.
"""

from __future__ import annotations

import re
from functools import cache

from growthsim.i18n import N_, _, get_language

# pydantic's English (left) and growthsim's message for it (right)
_PYDANTIC: tuple[tuple[str, str], ...] = (
    ("Input should be greater than or equal to {n}", N_("expected a value of at least {n}")),
    ("Input should be less than or equal to {n}", N_("expected a value of at most {n}")),
    ("Input should be greater than {n}", N_("expected a value greater than {n}")),
    ("Input should be less than {n}", N_("expected a value less than {n}")),
    ("Input should be a valid integer, unable to parse string as an integer", N_("expected a whole number")),
    (
        "Input should be a valid integer, got a number with a fractional part",
        N_("expected a whole number, found a fraction"),
    ),
    ("Input should be a valid integer", N_("expected a whole number")),
    ("Input should be a finite number", N_("expected a finite number")),
    ("Input should be a valid number, unable to parse string as a number", N_("expected a number")),
    ("Input should be a valid number", N_("expected a number")),
    ("Input should be a valid boolean", N_("expected true or false")),
    ("Input should be a valid string", N_("expected text")),
    ("Input should be a valid list", N_("expected a list")),
    ("Input should be a valid dictionary", N_("expected a mapping")),
    ("Input should be a valid date or datetime, {why}", N_("expected a date (YYYY-MM-DD)")),
    ("Input should be a valid date, {why}", N_("expected a date (YYYY-MM-DD)")),
    ("Input should be a valid date or datetime", N_("expected a date (YYYY-MM-DD)")),
    ("Input should be a valid date", N_("expected a date (YYYY-MM-DD)")),
    ("Input should be {choices}", N_("expected one of {choices}")),
    ("String should have at least {n} characters", N_("expected text of at least {n} characters")),
    ("String should have at least {n} character", N_("expected text of at least {n} characters")),
    ("String should have at most {n} characters", N_("expected text of at most {n} characters")),
    ("String should have at most {n} character", N_("expected text of at most {n} characters")),
    (
        "List should have at least {n} items after validation, not {m}",
        N_("expected a list of at least {n} items, found {m}"),
    ),
    (
        "List should have at least {n} item after validation, not {m}",
        N_("expected a list of at least {n} items, found {m}"),
    ),
    ("YAML file not found", N_("file not found")),
)

# growthsim's own English messages, written where they are raised (template = message id);
# the most specific first
_OWN: tuple[str, ...] = (
    N_("; found {v}"),
    N_("required field is missing"),
    N_("expected a mapping of scenario fields, found {v}"),
    N_("expected a mapping of variant name -> overrides, found {v}"),
    N_("expected a mapping of overrides, found {v}"),
    N_("expected a mapping, found {v}"),
    N_("file not found"),
    N_("is a directory, expected a YAML file"),
    N_("not a UTF-8 text file ({why})"),
    N_("cannot read: {why}"),
    N_("not valid YAML: {why}"),
    N_("file is empty, expected a scenario mapping"),
    N_("'base' is reserved for the plan without overrides"),
    N_("variants cannot be nested"),
    N_("in variant '{name}':"),
    N_("no variant '{name}'; this file has: {names}"),
    N_("must not be before start_day ({day})"),
    N_("day {day} is past the horizon (days 0..{last})"),
    N_("the name '{name}' is already used in {where}; names must be unique"),
    N_("give only one of every_days, per_week, days"),
    N_("{n} initial members exceed market.size ({m} people)"),
    N_(
        "{n} initial members do not fit in the groups: expected at most groups.max_groups * groups.max_size "
        "= {g} * {s} = {room} people, found {found}"
    ),
    N_("the date {d} needs 'start_date' (the date of day 0) at the top of the scenario; found no start_date"),
    N_("the date {d} is before start_date ({s}); expected a date on or after it"),
    N_("{a} disagrees with groups.count ({n}); expected one of the two, or the same number"),
    N_("target_size ({t}) must not exceed max_size ({m})"),
    N_("graph model 'edge_list' needs 'path' (a CSV edge list)"),
    N_("block_shares has {n} entries but blocks is {m}"),
    N_(
        "block {block} does not exist, market.graph.blocks is {n} (blocks are numbered 0..{last})",
    ),
    N_("checkpoint day {day} is past the horizon (expected at most horizon_days = {h}; days count days elapsed)"),
    N_("day {day} is past the horizon (expected at most horizon_days = {h})"),
    N_("expected a name without control characters, found {v}"),
    N_("{bad} of {n} points have no value (failed runs or undefined KPI)"),
    N_("the KPI does not vary over the design"),
)

TEMPLATES: tuple[tuple[str, str], ...] = (*_PYDANTIC, *((m, m) for m in _OWN))
"""(English template, message id) pairs, in the order they are tried."""

SHAPES: dict[str, str] = {
    "n": r"[^\s;]+",
    "m": r"[^\s;)]+",
    "t": r"\d+",
    "day": r"[^\s;)]+",
    "last": r"\d+",
    "choices": r"'[^;]+'",
}
"""What a placeholder matches when not any text (by its name)."""

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def template_pattern(template: str) -> re.Pattern[str]:
    """The regular expression that finds ``template`` in a line: its literal text as it is,
    each placeholder a named group (a repeated one must repeat the same text); one at the
    end of the template takes the rest of the clause (up to a ``;`` or the line's end)."""
    parts: list[str] = []
    seen: set[str] = set()
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[pos : m.start()]))
        name = m.group(1)
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            last = m.end() == len(template)
            shape = SHAPES.get(name, r"[^;]+?(?=;|$)" if last else r".+?")
            parts.append(f"(?P<{name}>{shape})")
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts))


@cache
def _compiled() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((template_pattern(t), m) for t, m in TEMPLATES)


def translate_line(line: str) -> str:
    """One line, its known English parts translated."""
    out = line
    for rx, msgid in _compiled():
        m = rx.search(out)
        if m is None:
            continue
        groups = dict(m.groupdict())
        if "choices" in groups:
            groups["choices"] = groups["choices"].replace("' or '", "'" + _(" or ") + "'")
        out = out[: m.start()] + _(msgid).format(**groups) + out[m.end() :]
    return out


def translate_text(text: str) -> str:
    """Text built in English at the source, in the active language (English stays as
    written)."""
    if get_language() == "en" or not text:
        return text
    return "\n".join(translate_line(line) for line in text.split("\n"))


def translate_error(message: str) -> str:
    """A user error's message in the active language."""
    return translate_text(message)
