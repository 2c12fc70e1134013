"""The scenario field reference, generated from the pydantic schema: ``docs/scenario.md``
(English) and ``docs/scenario.zh.md`` (Chinese), and the JSON Schema that editors' YAML
language servers read.

Every field is listed with its dotted path, type, unit, allowed range, default and
meaning. ``python -m growthsim.scenario.reference --write`` (or ``growthsim schema
--markdown [--lang zh] > FILE``) regenerates the documents; a test fails when the files in
``docs/`` differ from what the schema gives.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from growthsim.i18n import N_, _, use_language
from growthsim.scenario import schema as S

DOCS = {"en": "docs/scenario.md", "zh": "docs/scenario.zh.md"}
FILE_LEVEL = {
    "variants": N_(
        "named variants of the plan: variant name -> overrides of any fields above "
        "(mappings are merged key by key, lists replaced, null resets a field to its default)"
    ),
}

MEANINGS = {
    "name": N_("plan name, shown in reports and in the default run-folder name"),
    "description": N_("free text about the plan"),
    "seed": N_("base random seed: the same file and seed give identical results"),
    "distribution": N_("beta: propensities drawn from Beta(alpha, beta); constant: everyone has value"),
    "enabled": N_("switch this feature on"),
    "currency": N_("currency code of every money amount (CNY shows as 元 in Chinese)"),
    "role": N_("the role; inferred from the key when the key is a role name"),
    "kind": N_("what it is; inferred from the key when the key is one of the kinds"),
    "start_day": N_("first day (a day number, or a date when start_date is set)"),
    "end_day": N_("last day, inclusive (a day number or a date); default: the horizon's end"),
    "every_days": N_("interval between rounds (days)"),
    "min_tenure_days": N_("days in the community before a member can be promoted"),
    "groups_each": N_("groups each volunteer admin runs"),
    "hours_per_day": N_("hours of attention per volunteer admin per day"),
    "objective": N_(
        "hit_all_then_cost: the best chance of hitting every stage target, then the lowest "
        "monthly spend; profit: the highest median profit"
    ),
}
"""Meanings of fields the schema leaves without a description, by field name."""

_UNIT_WORDS = (
    ("money/day", N_("money / day")),
    ("money/month", N_("money / month")),
    ("money", N_("money")),
    ("people/day", N_("people / day")),
    ("people", N_("people")),
    ("days", N_("days")),
    ("hours", N_("hours")),
    ("stimulus units/day", N_("stimulus / day")),
)


def _doc_first_paragraph(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    if not doc or model.__doc__ == BaseModel.__doc__:
        return ""
    para = doc.split("\n\n")[0]
    return re.sub(r"\s+", " ", para).strip()


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _models_in(tp: Any) -> list[type[BaseModel]]:
    tp = _strip_optional(tp)
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [a for a in typing.get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _type_words(tp: Any) -> str:
    tp = _strip_optional(tp)
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _type_words(typing.get_args(tp)[0])
    if origin is Literal:
        return " | ".join(str(a) for a in typing.get_args(tp))
    if origin is list:
        return _("list of {what}").format(what=_type_words(typing.get_args(tp)[0]))
    if origin is dict:
        inner = _models_in(typing.get_args(tp)[1])
        return _("mapping of name -> {what}").format(what=" | ".join(m.__name__ for m in inner) or "value")
    if tp is dt.date:
        return _("date (YYYY-MM-DD)")
    if isinstance(tp, type):
        if issubclass(tp, BaseModel):
            return _("section")
        return {bool: _("true / false"), int: _("whole number"), float: _("number"), str: _("text")}.get(
            tp, tp.__name__
        )
    return str(tp)


def _bounds(info: FieldInfo, tp: Any) -> str:
    lo = hi = None
    lo_open = hi_open = False
    metas = list(info.metadata)
    inner = _strip_optional(tp)
    if typing.get_origin(inner) is typing.Annotated:
        for m in typing.get_args(inner)[1:]:
            metas.extend(getattr(m, "metadata", []) or [m])
    for m in metas:
        for attr in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            v = getattr(m, attr, None)
            if v is None:
                continue
            if attr in ("ge", "gt"):
                lo, lo_open = v, attr == "gt"
            elif attr in ("le", "lt"):
                hi, hi_open = v, attr == "lt"
    if lo is None and hi is None:
        return ""

    def num(v: Any) -> str:
        return f"{v:,}" if isinstance(v, int) and abs(v) >= 10_000 else (f"{v:g}" if isinstance(v, float) else str(v))

    if lo is not None and hi is not None:
        return f"{'>' if lo_open else '≥'} {num(lo)}, {'<' if hi_open else '≤'} {num(hi)}"
    if lo is not None:
        return f"{'>' if lo_open else '≥'} {num(lo)}"
    return f"{'<' if hi_open else '≤'} {num(hi)}"


def _unit(name: str, info: FieldInfo, tp: Any) -> str:
    desc = info.description or ""
    for word, label in _UNIT_WORDS:
        if f"({word})" in desc or f"({word}," in desc:
            return _(label)
    rng = _bounds(info, tp)
    if rng == "≥ 0, ≤ 1" and _type_words(tp) == _("number"):
        return _("share (0–1)")
    if name in ("start_day", "end_day") or name.endswith("_day") or name == "days":
        return _("day number")
    if name.endswith("_days"):
        return _("days")
    if desc.startswith("money per") or name in (
        "reward",
        "prize",
        "salary_per_month",
        "stipend_per_month",
        "cost_per_post",
        "budget_cap",
        "total",
        "monthly_cap",
    ):
        return _("money")
    if "N groups" in desc or name == "max_groups":
        return _("groups")
    if desc.startswith(("people", "members", "volunteer admins", "KOLs")) or name in (
        "count",
        "per_round",
        "max_total",
    ):
        return _("people")
    if desc.startswith("days") or desc.startswith("interval"):
        return _("days")
    if name.endswith("_multiplier") or desc.startswith("on "):
        return _("× (multiplier)")
    if name == "hours_per_day":
        return _("hours / day")
    return ""


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        try:
            v = info.default_factory()  # type: ignore[call-arg]  # one that takes the data raises TypeError
        except TypeError:
            return ""
        if isinstance(v, BaseModel):
            return _("(section defaults)")
        return json.dumps(v) if not isinstance(v, str) else v
    if info.default is PydanticUndefined:
        return _("required")
    v = info.default
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    return str(v)


Row = tuple[str, str, str, str, str, str]


def field_rows(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str, list[Row]]]:
    """``(section path, section text, rows)`` for ``model`` and every section inside it."""
    rows: list[Row] = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, info in model.model_fields.items():
        tp = info.annotation
        path = f"{prefix}{name}"
        desc = _(info.description) if info.description else (_(MEANINGS[name]) if name in MEANINGS else "")
        inner = _strip_optional(tp)
        if not desc and _models_in(tp):
            desc = _("section: see `{path}`").format(path=path)
        if typing.get_origin(inner) is list:
            for m in _models_in(typing.get_args(inner)[0]):
                nested.append((f"{path}.<i>", m))
        elif typing.get_origin(inner) is dict:
            for m in _models_in(typing.get_args(inner)[1]):
                kind = m.model_fields.get("kind") or m.model_fields.get("role")
                tag = (
                    f" ({kind.default})"
                    if kind is not None
                    and isinstance(kind.default, str)
                    and len(_models_in(typing.get_args(inner)[1])) > 1
                    else ""
                )
                nested.append((f"{path}.<name>{tag}", m))
            if not desc:
                desc = _("named entries: see `{path}.<name>`").format(path=path)
        else:
            for m in _models_in(tp):
                nested.append((path, m))
        rows.append((path, _type_words(tp), _unit(name, info, tp), _bounds(info, tp), _default(info), desc))
    yield prefix.rstrip(".") or "", _doc_text(model), rows
    for path, m in nested:
        p = path.split(" (")[0]
        for sec in field_rows(m, p + "."):
            yield (path, *sec[1:]) if sec[0] == p else sec


def _doc_text(model: type[BaseModel]) -> str:
    text = _doc_first_paragraph(model)
    return _(text) if text else ""


def catalogue_terms() -> Iterator[tuple[str, str]]:
    """Field descriptions and section texts, for the message catalogue."""
    seen: set[type] = set()

    def walk(model: type[BaseModel]) -> Iterator[tuple[str, str]]:
        if model in seen:
            return
        seen.add(model)
        text = _doc_first_paragraph(model)
        if text:
            yield "growthsim/scenario/schema.py", text
        for info in model.model_fields.values():
            if info.description:
                yield "growthsim/scenario/schema.py", info.description
            inner = _strip_optional(info.annotation)
            origin = typing.get_origin(inner)
            args = (
                typing.get_args(inner)[1]
                if origin is dict
                else typing.get_args(inner)[0]
                if origin is list
                else info.annotation
            )
            for m in _models_in(args):
                yield from walk(m)

    yield from walk(S.Scenario)
    for text in MEANINGS.values():
        yield "growthsim/scenario/reference.py", text
    for text in FILE_LEVEL.values():
        yield "growthsim/scenario/reference.py", text


def markdown(lang: str = "en") -> str:
    """The field reference as Markdown, in ``lang``."""
    with use_language(lang):
        other = "scenario.zh.md" if lang == "en" else "scenario.md"
        out = [
            "# " + _("Scenario file reference"),
            "",
            _(
                "Generated from the schema (`src/growthsim/scenario/schema.py`) by `growthsim schema --markdown{flag}`; "
                "do not edit by hand. Other language: [{other}]({other})."
            ).format(flag=" --lang zh" if lang == "zh" else "", other=other),
            "",
            _(
                "A scenario file is a YAML mapping. Unknown keys are errors. Days are whole numbers counted from day 0; "
                "`end_day` is inclusive; with `start_date` set, any `start_day`, `end_day` or `days` entry may be a "
                "date (`2026-11-11`). Money is in `economics.currency`. Probabilities are per person per day unless the "
                "text says otherwise. `growthsim init` writes a commented starter file; `growthsim schema` prints the "
                "JSON Schema for editors."
            ),
            "",
        ]
        head = [_("field"), _("type"), _("unit"), _("range"), _("default"), _("meaning")]
        seen: set[str] = set()
        for path, text, rows in field_rows(S.Scenario):
            if path in seen:  # the same section reached twice (a schedule of several campaign kinds)
                continue
            seen.add(path)
            out.append(f"## `{path}`" if path else "## " + _("Top level"))
            out.append("")
            if text:
                out += [text, ""]
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + " --- |" * len(head))
            for r in rows:
                cells = [f"`{r[0]}`"] + [c.replace("|", "\\|") for c in r[1:]]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        out += ["## " + _("File level"), "", "| " + _("field") + " | " + _("meaning") + " |", "| --- | --- |"]
        for k, v in FILE_LEVEL.items():
            out.append(f"| `{k}` | {_(v)} |")
        out.append("")
        return "\n".join(out)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (a plan plus its ``variants``); day windows
    accept a date as well as a day number."""
    sch = S.Scenario.model_json_schema()
    sch["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    sch["title"] = "growthsim scenario"
    sch.setdefault("properties", {})["variants"] = {
        "type": "object",
        "description": FILE_LEVEL["variants"],
        "additionalProperties": {"type": "object"},
    }

    def patch(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                for key in ("start_day", "end_day"):
                    if key in props:
                        props[key] = {
                            "anyOf": [props[key], {"type": "string", "format": "date"}],
                            **({"default": props[key]["default"]} if "default" in props[key] else {}),
                        }
            for v in node.values():
                patch(v)
        elif isinstance(node, list):
            for v in node:
                patch(v)

    patch(sch)
    return sch


def write_docs(root: str | Path = ".") -> list[Path]:
    written = []
    for lang, rel in DOCS.items():
        p = Path(root) / rel
        p.write_text(markdown(lang), encoding="utf-8")
        written.append(p)
    return written


if __name__ == "__main__":  # pragma: no cover
    if "--write" in sys.argv:
        for p in write_docs(Path(__file__).resolve().parents[3]):
            print(p)
    else:
        print(markdown("zh" if "zh" in sys.argv else "en"))
