"""Reading scenario files: YAML with line numbers, variants, overrides and clear errors."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from growthsim.errors import ScenarioError, located
from growthsim.i18n import _
from growthsim.inputs import MAX_ERRORS_SHOWN, join_errors, line_map, read_yaml_mapping
from growthsim.scenario.schema import CAMPAIGN_KINDS, Scenario, printable_name

FILE_KEYS = ("variants",)  # keys of a scenario file that are not part of one plan


# --------------------------------------------------------------------------- YAML


def read_yaml(path: str | Path, kind: str = "scenario") -> tuple[dict[str, Any], dict[tuple, int]]:
    """Parse a YAML mapping with ``yaml.safe_load`` semantics, within the limits of
    :mod:`growthsim.inputs` (size, alias expansion, depth); return it with a line map."""
    return read_yaml_mapping(path, kind, ScenarioError)


# --------------------------------------------------------------------------- validation


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def problem_text(err: Any, found_mappings: bool = True) -> str:
    """What one pydantic error (an item of ``ValidationError.errors()``) says is wrong, in
    the words of growthsim's error lines: "required field is missing", "expected a mapping,
    found ...", or pydantic's message without its "Value error, " prefix and with what was
    found (not when it is a mapping, unless ``found_mappings``)."""
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "model_type":
        return f"expected a mapping, found {_describe(err.get('input'))}"
    msg = err["msg"].removeprefix("Value error, ")
    if "input" in err and (found_mappings or not isinstance(err["input"], dict)):
        msg += f"; found {_describe(err['input'])}"
    return msg


def format_errors(
    exc: ValidationError,
    file: str | None,
    lines: dict[tuple, int],
    prefix: tuple = (),
) -> str:
    """One ``file:line: field.path: problem; found ...`` line per validation error (at
    most :data:`~growthsim.inputs.MAX_ERRORS_SHOWN`, then how many more)."""
    msgs = []
    for err in exc.errors()[:MAX_ERRORS_SHOWN]:
        loc = _drop_union_tag(tuple(str(x) for x in err["loc"]))
        full = prefix + loc
        line = None
        for cut in range(len(full), -1, -1):
            if full[:cut] in lines:
                line = lines[full[:cut]]
                break
        path = ".".join(full) or "(top level)"
        kind = err["type"]
        msg_text = err["msg"].removeprefix("Value error, ")
        named = _PATH_AT_START.match(msg_text) if kind == "value_error" else None
        if named:
            # a cross-field check that names the field it is about: point at that field
            full = prefix + tuple(named.group(1).split("."))
            path = ".".join(full)
            for cut in range(len(full), -1, -1):
                if full[:cut] in lines:
                    line = lines[full[:cut]]
                    break
            msgs.append(located(file, line, path, msg_text[len(named.group(0)) :].lstrip(" :") or msg_text))
            continue
        if kind == "value_error" and not loc:
            msgs.append(located(file, line, path, msg_text))
            continue
        if kind == "extra_forbidden":
            from growthsim.scenario.suggest import unknown_key_message  # noqa: PLC0415

            msg = unknown_key_message(exc.title, tuple(str(x) for x in err["loc"]))
        else:
            msg = problem_text(err)
        msgs.append(located(file, line, path, msg))
    return join_errors(msgs, total=exc.error_count())


_format_errors = format_errors  # former private names, kept for callers not yet moved
_line_map = line_map


_PATH_AT_START = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[^\s:.]+)+):")

# Sections holding a mapping of name -> tagged union member. In an error inside a member,
# pydantic puts the member's tag right after its name: ``campaigns.<name>.<kind>.<field>``.
_TAGGED_SECTIONS: dict[str, tuple[str, ...]] = {"campaigns": CAMPAIGN_KINDS}


def _drop_union_tag(loc: tuple[str, ...]) -> tuple[str, ...]:
    """Remove the discriminator tag pydantic inserts after a tagged member's name, and
    nothing else: a user's key that happens to equal a tag (``campaigns.lottery``) stays."""
    tags = _TAGGED_SECTIONS.get(loc[0]) if loc else None
    if tags is not None and len(loc) >= 3 and loc[2] in tags:
        return loc[:2] + loc[3:]
    return loc


def validate_plan(
    data: dict[str, Any],
    file: str | None = None,
    lines: dict[tuple, int] | None = None,
    prefix: tuple = (),
) -> Scenario:
    """Validate one plan's mapping; raise ScenarioError naming file, line and field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_errors(exc, file, lines or {}, prefix)) from None


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: mappings merge key by key, anything else
    (lists included) is replaced; a ``null`` override resets a key to its default."""
    out = copy.deepcopy(base)
    for key, val in override.items():
        if isinstance(val, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], val)
        elif val is None and key in out:
            del out[key]
        else:
            out[key] = copy.deepcopy(val)
    return out


class ScenarioFile:
    """A parsed scenario file: the base plan and its named variants, all validated."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        raw, lines = read_yaml(self.path)
        self.lines = lines
        variants = raw.pop("variants", None) or {}
        if not isinstance(variants, dict):
            raise ScenarioError(
                located(
                    str(self.path),
                    lines.get(("variants",)),
                    "variants",
                    _("expected a mapping of variant name -> overrides, found {value}").format(
                        value=_describe(variants)
                    ),
                )
            )
        self.raw = raw
        self._resolve_paths(raw)
        self.base = validate_plan(raw, str(self.path), lines)
        self.variant_overrides: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, Scenario] = {}
        for name, over in variants.items():
            name = str(name)
            try:
                printable_name(name)
            except ValueError as exc:
                raise ScenarioError(
                    located(str(self.path), lines.get(("variants", name)), "variants", str(exc))
                ) from None
            if name == "base":
                raise ScenarioError(
                    located(
                        str(self.path),
                        lines.get(("variants", name)),
                        f"variants.{name}",
                        _("'base' is reserved for the plan without overrides"),
                    )
                )
            if not isinstance(over, dict):
                raise ScenarioError(
                    located(
                        str(self.path),
                        lines.get(("variants", name)),
                        f"variants.{name}",
                        _("expected a mapping of overrides, found {value}").format(value=_describe(over)),
                    )
                )
            if "variants" in over:
                raise ScenarioError(
                    located(
                        str(self.path),
                        lines.get(("variants", name, "variants")),
                        f"variants.{name}.variants",
                        _("variants cannot be nested"),
                    )
                )
            self._resolve_paths(over)
            merged = deep_merge(raw, over)
            merged.setdefault("name", raw.get("name"))
            # map errors inside a variant to the variant's lines where the key is overridden
            vlines = {k[2:]: v for k, v in lines.items() if k[:2] == ("variants", name)}
            merged_lines = {**lines, **vlines}
            try:
                plan = Scenario.model_validate(merged)
            except ValidationError as exc:
                raise ScenarioError(
                    f"in variant '{name}':\n" + format_errors(exc, str(self.path), merged_lines)
                ) from None
            self.variant_overrides[name] = over
            self.variants[name] = plan

    def _resolve_paths(self, data: dict[str, Any]) -> None:
        """Make an edge-list path relative to the scenario file absolute."""
        g = data.get("market", {}).get("graph") if isinstance(data.get("market"), dict) else None
        if isinstance(g, dict) and isinstance(g.get("path"), str):
            p = Path(g["path"])
            if not p.is_absolute():
                g["path"] = str((self.path.parent / p).resolve())

    @property
    def names(self) -> list[str]:
        return ["base", *self.variants]

    def plan(self, variant: str | None = None) -> Scenario:
        if variant in (None, "base"):
            return self.base
        if variant not in self.variants:
            known = ", ".join(self.names)
            raise ScenarioError(
                located(
                    str(self.path),
                    None,
                    "variants",
                    _("no variant '{variant}'; this file has: {known}").format(variant=variant, known=known),
                )
            )
        return self.variants[variant]

    def plans(self) -> dict[str, Scenario]:
        return {"base": self.base, **self.variants}


def load_scenario(path: str | Path, variant: str | None = None) -> Scenario:
    """Load and validate one plan (the base plan, or a named variant) from a file."""
    return ScenarioFile(path).plan(variant)


def load_scenario_variants(path: str | Path) -> dict[str, Scenario]:
    """All plans of a file: ``{"base": ..., "<variant>": ...}``."""
    return ScenarioFile(path).plans()


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The fully resolved plan as plain data (what ``scenario.resolved.yaml`` holds)."""
    return scenario.model_dump(mode="json")


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    cur: Any = data
    for i, key in enumerate(keys[:-1]):
        nxt = cur.get(key) if isinstance(cur, dict) else None
        if isinstance(cur, list) and key.isdigit() and int(key) < len(cur):
            nxt = cur[int(key)]
        if nxt is None:
            raise ScenarioError(
                _("{dotted}: '{value}' does not exist in the scenario").format(
                    dotted=dotted, value=".".join(keys[: i + 1])
                )
            )
        cur = nxt
    last = keys[-1]
    if isinstance(cur, list):
        if not last.isdigit() or int(last) >= len(cur):
            raise ScenarioError(_("{dotted}: no list item '{last}'").format(dotted=dotted, last=last))
        cur[int(last)] = value
    elif isinstance(cur, dict):
        if last not in cur:
            raise ScenarioError(_("{dotted}: '{dotted}' is not a field of the scenario").format(dotted=dotted))
        cur[last] = value
    else:
        raise ScenarioError(f"{dotted}: '{'.'.join(keys[:-1])}' is not a section")


def apply_overrides(scenario: Scenario, overrides: dict[str, Any], source: str | None = None) -> Scenario:
    """Return a new plan with dotted-path fields set, e.g.
    ``{"members.churn.base_hazard": 0.01, "staff.part_time_admin.count": 4}``.
    Unknown paths and invalid values raise ScenarioError."""
    data = scenario_to_dict(scenario)
    for dotted, value in overrides.items():
        try:
            _set_path(data, dotted, value)
        except ScenarioError as exc:
            raise ScenarioError(located(source, None, None, str(exc))) from None
    return validate_plan(data, source)
