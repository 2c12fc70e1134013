"""The planning form, generated from the scenario schema.

Nothing here names a lever field: :func:`lever_groups` walks the plan's lever sections
(``budget``, ``staff``, ``campaigns``, ``kols``, ``channels`` and ``targets`` where the schema
has it: a model, a mapping of models or a list of models) and turns every numeric field of the pydantic models into a :class:`FieldSpec`
with the field's description, unit, hard bounds (``ge``/``gt``/``le``/``lt``), default and a
slider range. A new schema field appears in the form by itself.

Edits are kept as ``{field path: value}`` plus the set of switched-off levers, and applied
to the saved file's own mapping (so a downloaded plan is as short as the file it came from);
:func:`build_plan` validates the result with the scenario validator and returns its
messages by field path, for the form to show beside each field.
"""

from __future__ import annotations

import copy
import math
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import annotated_types
import yaml
from pydantic import BaseModel

from growthsim.errors import ScenarioError
from growthsim.scenario.loader import FILE_KEYS, validate_plan
from growthsim.scenario.schema import Scenario

Path_ = tuple[str, ...]

#: the plan's lever sections, in display order; a section the schema lacks is skipped
LEVER_SECTIONS: tuple[str, ...] = ("budget", "staff", "campaigns", "kols", "channels", "targets")
#: sections whose entries can be switched off (removed from the plan)
TOGGLE_SECTIONS: tuple[str, ...] = ("campaigns", "kols", "channels")
_SKIP = {"kind", "role"}  # the discriminators: fixed by the entry, not a lever


@dataclass(frozen=True)
class FieldSpec:
    """One numeric field of the form.

    ``lo``/``hi``/``step``: the slider's range — the hard bounds where they are finite and
    small, else up to four times the larger of the saved value and the default (days: the
    horizon). The number box beside the slider takes any value; the validator judges it.
    """

    path: Path_
    name: str
    kind: Literal["int", "float"]
    optional: bool
    default: Any
    base: Any
    description: str
    unit: str
    ge: float | None
    gt: float | None
    le: float | None
    lt: float | None
    lo: float
    hi: float
    step: float

    @property
    def key(self) -> str:
        return ".".join(self.path)

    def bounds_text(self) -> str:
        parts = []
        if self.ge is not None:
            parts.append(f">= {_num(self.ge)}")
        if self.gt is not None:
            parts.append(f"> {_num(self.gt)}")
        if self.le is not None:
            parts.append(f"<= {_num(self.le)}")
        if self.lt is not None:
            parts.append(f"< {_num(self.lt)}")
        return ", ".join(parts)


@dataclass
class LeverGroup:
    """One lever: a section (``budget``) or an entry of one (``campaigns.invite_reward``)."""

    section: str
    name: str | None
    path: Path_
    toggle: bool
    fields: list[FieldSpec] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.name or self.section


def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """(base type, optional, extra constraint metadata) of a field annotation."""
    optional = False
    meta: list[Any] = []
    ann = annotation
    while True:
        origin = typing.get_origin(ann)
        if origin is typing.Annotated:
            args = typing.get_args(ann)
            ann = args[0]
            for extra in args[1:]:
                meta.extend(getattr(extra, "metadata", None) or [extra])
            continue
        if origin in (Union, types.UnionType):
            non_none = [a for a in typing.get_args(ann) if a is not type(None)]
            if len(non_none) == 1:
                optional = True
                ann = non_none[0]
                continue
        return ann, optional, meta


def _get_bound(meta: list[Any], name: str) -> float | None:
    cls = {"ge": annotated_types.Ge, "gt": annotated_types.Gt, "le": annotated_types.Le, "lt": annotated_types.Lt}[name]
    for m in meta:
        if isinstance(m, cls):
            return getattr(m, name)
    return None


_UNIT = re.compile(r"\(([^()]*)\)\s*$")


def _is_day(name: str) -> bool:
    """A day number (``start_day``, ``end_day``), not a rate (``hours_per_day``)."""
    return name == "day" or (name.endswith("_day") and "per_" not in name)


def _unit(name: str, description: str, currency: str) -> str:
    m = _UNIT.search(description or "")
    unit = m.group(1).rsplit(":", 1)[-1].strip() if m else ""
    if (" " in unit and "/" not in unit) or not re.search("[A-Za-z]", unit):
        unit = ""  # a remark in brackets, not a unit
    if not unit and _is_day(name):
        unit = "day"
    if not unit and name.endswith("_days"):
        unit = "days"
    if not unit and "money" in (description or ""):
        unit = "money"
    return unit.replace("money", currency)


def _nice_ceiling(x: float) -> float:
    if x <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if m * e >= x:
            return m * e
    return 10 * e


def _slider(kind: str, name: str, unit: str, ge, gt, le, lt, base, default, horizon: int) -> tuple[float, float, float]:
    lo = ge if ge is not None else (gt if gt is not None else 0.0)
    top = le if le is not None else lt
    if _is_day(name):
        hi = float(horizon - 1)
    elif top is not None and top <= 1:
        hi = float(top)
    else:
        ref = max(abs(float(base or 0)), abs(float(default or 0)))
        if ref > 0:
            hi = _nice_ceiling(4 * ref)
        elif unit and unit not in ("day", "days"):
            hi = 1000.0  # money or people, nothing saved to scale by
        else:
            hi = 10.0
        if top is not None:
            hi = min(hi, float(top))
    hi = max(hi, lo + (1 if kind == "int" else 1e-6))
    if kind == "int":
        return float(math.floor(lo) if gt is None else math.floor(lo) + 1), float(math.ceil(hi)), 1.0
    step = _nice_ceiling((hi - lo) / 200) if hi > lo else 0.01
    return float(lo), float(hi), float(step)


def _fields_of(model: BaseModel, path: Path_, currency: str, horizon: int) -> list[FieldSpec]:
    out: list[FieldSpec] = []
    for name, info in type(model).model_fields.items():
        if name in _SKIP:
            continue
        base_type, optional, meta = _unwrap(info.annotation)
        meta = list(info.metadata) + meta
        value = getattr(model, name)
        if isinstance(base_type, type) and issubclass(base_type, BaseModel):
            if isinstance(value, BaseModel):
                out.extend(_fields_of(value, path + (name,), currency, horizon))
            continue
        if base_type is bool or base_type not in (int, float):
            continue
        kind: Literal["int", "float"] = "int" if base_type is int else "float"
        ge, gt, le, lt = (_get_bound(meta, b) for b in ("ge", "gt", "le", "lt"))
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        unit = _unit(name, info.description or "", currency)
        lo, hi, step = _slider(kind, name, unit, ge, gt, le, lt, value, default, horizon)
        out.append(
            FieldSpec(
                path=path + (name,),
                name=name,
                kind=kind,
                optional=optional,
                default=default,
                base=value,
                description=info.description or "",
                unit=unit,
                ge=ge,
                gt=gt,
                le=le,
                lt=lt,
                lo=lo,
                hi=hi,
                step=step,
            )
        )
    return out


def lever_groups(plan: Scenario) -> list[LeverGroup]:
    """The form's levers for ``plan``, section by section, from the schema's metadata."""
    cur, horizon = plan.economics.currency, plan.horizon_days
    groups: list[LeverGroup] = []
    for section in LEVER_SECTIONS:
        if section not in type(plan).model_fields:
            continue
        value = getattr(plan, section)
        if isinstance(value, BaseModel):
            groups.append(LeverGroup(section, None, (section,), False, _fields_of(value, (section,), cur, horizon)))
        elif isinstance(value, dict):
            for key, entry in value.items():
                if isinstance(entry, BaseModel):
                    p = (section, str(key))
                    groups.append(
                        LeverGroup(section, str(key), p, section in TOGGLE_SECTIONS, _fields_of(entry, p, cur, horizon))
                    )
        elif isinstance(value, list):  # e.g. targets: a list of models, one panel per item
            for i, entry in enumerate(value):
                if isinstance(entry, BaseModel):
                    p = (section, str(i))
                    name = str(getattr(entry, "label", None) or f"#{i + 1}")
                    groups.append(LeverGroup(section, name, p, False, _fields_of(entry, p, cur, horizon)))
    return groups


# --------------------------------------------------------------------------- edits


def parse_number(text: str, kind: str, optional: bool) -> Any:
    """The number typed in a box (``None`` for an empty optional box); ValueError if not one."""
    s = str(text).strip().replace(",", "").replace("_", "")
    if s == "" or s.lower() in ("none", "null"):
        if optional:
            return None
        raise ValueError(text)
    v = float(s)
    if not math.isfinite(v):
        raise ValueError(text)
    if kind == "int" and v.is_integer():
        return int(v)
    return v


def _set(data: dict[str, Any], path: Path_, value: Any) -> None:
    """Set ``path`` (mapping keys, or list indexes as digit strings) to ``value``, making
    the mappings on the way that the file leaves to their defaults."""
    cur: Any = data
    for key in path[:-1]:
        if isinstance(cur, list):
            cur = cur[int(key)]
            continue
        nxt = cur.get(key)
        if not isinstance(nxt, (dict, list)):
            nxt = {}
            cur[key] = nxt
        cur = nxt
    if isinstance(cur, list):
        cur[int(path[-1])] = value
    else:
        cur[path[-1]] = value


def _delete(data: dict[str, Any], path: Path_) -> None:
    cur: Any = data
    for key in path[:-1]:
        cur = cur.get(key) if isinstance(cur, dict) else None
        if cur is None:
            return
    if isinstance(cur, dict):
        cur.pop(path[-1], None)


def edited_mapping(
    raw: dict[str, Any], edits: dict[Path_, Any], off: set[Path_] | frozenset = frozenset()
) -> dict[str, Any]:
    """The saved file's mapping with ``edits`` applied and the ``off`` levers removed."""
    data = copy.deepcopy({k: v for k, v in raw.items() if k not in FILE_KEYS})
    for path, value in edits.items():
        if any(path[: len(o)] == o for o in off):
            continue
        _set(data, path, value)
    for path in off:
        _delete(data, path)
    return data


@dataclass
class BuildResult:
    plan: Scenario | None
    data: dict[str, Any]
    errors: dict[str, str]  # field key ("" = not tied to a form field) -> validator message


def _match(path: str, keys: list[str]) -> str:
    best = ""
    for k in keys:
        if (path == k or path.startswith(k + ".")) and len(k) > len(best):
            best = k
    return best


def build_plan(
    raw: dict[str, Any], edits: dict[Path_, Any], off: set[Path_] | frozenset, field_keys: list[str]
) -> BuildResult:
    """Validate the edited plan; on failure, the validator's messages by form field."""
    data = edited_mapping(raw, edits, off)
    try:
        return BuildResult(validate_plan(data), data, {})
    except ScenarioError as exc:
        errors: dict[str, str] = {}
        for line in str(exc).splitlines():
            path, sep, msg = line.partition(": ")
            key = _match(path, field_keys) if sep else ""
            text = msg if key else line
            errors[key] = f"{errors[key]}\n{text}" if key in errors else text
        return BuildResult(None, data, errors)


def plan_yaml(data: dict[str, Any], source: str | None = None) -> str:
    """The edited plan as a scenario file (``growthsim check`` accepts it)."""
    head = "# Edited in growthsim app" + (f" from {source}" if source else "") + "\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
