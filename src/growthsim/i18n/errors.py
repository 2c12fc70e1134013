"""Error messages in the active language.

growthsim's own messages go through :func:`growthsim.i18n._` where they are written.
Messages built by code that stays English at the source — pydantic's validation texts
("Input should be greater than or equal to 0"), and the scenario loader's and schema's
templates, which are kept as they are to stay close to their modules — are translated
here, at the one place every user error is printed (:func:`growthsim.cli.main`): each
known English template is a pattern whose named parts are carried over into its
translation. A message no pattern knows is shown as written.
"""

from __future__ import annotations

import re

from growthsim.i18n import N_, _, get_language

_V = r"(?P<{0}>.+?)"
# (English pattern, message id with the same named parts); the most specific first
PATTERNS: tuple[tuple[str, str], ...] = (
    (r"Input should be greater than or equal to (?P<n>\S+)", N_("expected a value of at least {n}")),
    (r"Input should be less than or equal to (?P<n>\S+)", N_("expected a value of at most {n}")),
    (r"Input should be greater than (?P<n>\S+)", N_("expected a value greater than {n}")),
    (r"Input should be less than (?P<n>\S+)", N_("expected a value less than {n}")),
    (r"Input should be a valid integer, unable to parse string as an integer", N_("expected a whole number")),
    (
        r"Input should be a valid integer, got a number with a fractional part",
        N_("expected a whole number, found a fraction"),
    ),
    (r"Input should be a valid integer", N_("expected a whole number")),
    (r"Input should be a finite number", N_("expected a finite number")),
    (r"Input should be a valid number, unable to parse string as a number", N_("expected a number")),
    (r"Input should be a valid number", N_("expected a number")),
    (r"Input should be a valid boolean", N_("expected true or false")),
    (r"Input should be a valid string", N_("expected text")),
    (r"Input should be a valid list", N_("expected a list")),
    (r"Input should be a valid dictionary", N_("expected a mapping")),
    (r"Input should be a valid date(?: or datetime)?(?:, (?P<why>[^;]+))?", N_("expected a date (YYYY-MM-DD)")),
    (r"Input should be (?P<choices>'[^;]+')", N_("expected one of {choices}")),
    (r"String should have at least (?P<n>\d+) characters?", N_("expected text of at least {n} characters")),
    (r"String should have at most (?P<n>\d+) characters?", N_("expected text of at most {n} characters")),
    (
        r"List should have at least (?P<n>\d+) items? after validation, not (?P<m>\d+)",
        N_("expected a list of at least {n} items, found {m}"),
    ),
    (r"; found (?P<v>.+)$", N_("; found {v}")),
    (r"required field is missing", N_("required field is missing")),
    (r"expected a mapping, found (?P<v>.+)$", N_("expected a mapping, found {v}")),
    (
        r"expected a mapping of scenario fields, found (?P<v>.+)$",
        N_("expected a mapping of scenario fields, found {v}"),
    ),
    (
        r"expected a mapping of variant name -> overrides, found (?P<v>.+)$",
        N_("expected a mapping of variant name -> overrides, found {v}"),
    ),
    (r"expected a mapping of overrides, found (?P<v>.+)$", N_("expected a mapping of overrides, found {v}")),
    (r"(?:YAML )?file not found", N_("file not found")),
    (r"is a directory, expected a YAML file", N_("is a directory, expected a YAML file")),
    (r"not a UTF-8 text file \((?P<why>.+)\)", N_("not a UTF-8 text file ({why})")),
    (r"cannot read: (?P<why>.+)$", N_("cannot read: {why}")),
    (r"not valid YAML: (?P<why>.+)$", N_("not valid YAML: {why}")),
    (r"file is empty, expected a scenario mapping", N_("file is empty, expected a scenario mapping")),
    (r"'base' is reserved for the plan without overrides", N_("'base' is reserved for the plan without overrides")),
    (r"variants cannot be nested", N_("variants cannot be nested")),
    (r"^in variant '(?P<name>[^']+)':$", N_("in variant '{name}':")),
    (r"no variant '(?P<name>[^']+)'; this file has: (?P<names>.+)$", N_("no variant '{name}'; this file has: {names}")),
    (r"must not be before start_day \((?P<day>[^)]+)\)", N_("must not be before start_day ({day})")),
    (
        r"day (?P<day>\d+) is past the horizon \(days 0\.\.(?P<last>\d+)\)",
        N_("day {day} is past the horizon (days 0..{last})"),
    ),
    (
        r"the name '(?P<name>[^']+)' is already used in (?P<where>\S+); names must be unique",
        N_("the name '{name}' is already used in {where}; names must be unique"),
    ),
    (r"give only one of every_days, per_week, days", N_("give only one of every_days, per_week, days")),
    (
        r"(?P<n>\d+) initial members exceed market\.size \((?P<m>\d+) people\)",
        N_("{n} initial members exceed market.size ({m} people)"),
    ),
    (
        r"the date (?P<d>\S+) needs 'start_date' \(the date of day 0\) at the top of the scenario; found no start_date",
        N_("the date {d} needs 'start_date' (the date of day 0) at the top of the scenario; found no start_date"),
    ),
    (
        r"the date (?P<d>\S+) is before start_date \((?P<s>[^)]+)\); expected a date on or after it",
        N_("the date {d} is before start_date ({s}); expected a date on or after it"),
    ),
    (
        r"(?P<a>\d+) disagrees with groups\.count \((?P<n>\d+)\); expected one of the two, or the same number",
        N_("{a} disagrees with groups.count ({n}); expected one of the two, or the same number"),
    ),
    (
        r"target_size \((?P<t>\d+)\) must not exceed max_size \((?P<m>\d+)\)",
        N_("target_size ({t}) must not exceed max_size ({m})"),
    ),
)
_COMPILED = tuple((re.compile(p), m) for p, m in PATTERNS)


def translate_line(line: str) -> str:
    """One line of an error message, its known English parts translated."""
    out = line
    for rx, msgid in _COMPILED:
        m = rx.search(out)
        if m is None:
            continue
        groups = {k: (v if v is not None else "") for k, v in m.groupdict().items()}
        if "choices" in groups:
            groups["choices"] = groups["choices"].replace("' or '", "'" + _(" or ") + "'")
        out = out[: m.start()] + _(msgid).format(**groups) + out[m.end() :]
    return out


def translate_error(message: str) -> str:
    """A user error's message in the active language (English stays as written)."""
    if get_language() == "en":
        return message
    return "\n".join(translate_line(line) for line in message.split("\n"))
