"""Help for unknown keys: the closest valid keys ("did you mean ...", by difflib's
similarity ratio) and every valid key of the section the key was found in."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union

from pydantic import BaseModel

from growthsim.i18n import _

FILE_KEYS = ("variants",)


def _models(tp: Any) -> list[type[BaseModel]]:
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (Union, types.UnionType):
        out: list[type[BaseModel]] = []
        for a in typing.get_args(tp):
            out += _models(a)
        return out
    return [tp] if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def section_model(root: type[BaseModel], loc: tuple[str, ...]) -> type[BaseModel] | None:
    """The model of the section at ``loc`` (pydantic's raw location, union tags included)."""
    model: type[BaseModel] | None = root
    i = 0
    while model is not None and i < len(loc):
        f = model.model_fields.get(loc[i])
        if f is None:
            return None
        tp = f.annotation
        if typing.get_origin(tp) in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
        i += 1
        if typing.get_origin(tp) is dict:
            i += 1  # the entry's name
            members = _models(typing.get_args(tp)[1])
            if len(members) > 1 and i < len(loc):  # tagged union: pydantic puts the tag next
                tagged = [m for m in members if _tag(m) == loc[i] or loc[i] in _tags(m)]
                if tagged:
                    members = tagged[:1]
                    i += 1
            model = members[0] if members else None
        elif typing.get_origin(tp) is list:
            i += 1
            members = _models(typing.get_args(tp)[0])
            model = members[0] if members else None
        else:
            members = _models(tp)
            model = members[0] if members else None
    return model


def _tags(m: type[BaseModel]) -> tuple[str, ...]:
    f = m.model_fields.get("kind")
    if f is None:
        return ()
    return tuple(str(a) for a in typing.get_args(f.annotation))


def _tag(m: type[BaseModel]) -> str | None:
    t = _tags(m)
    return t[0] if t else None


def model_named(title: str) -> type[BaseModel] | None:
    """The loaded pydantic model class called ``title`` (a ValidationError's ``title``)."""
    todo = list(BaseModel.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls.__name__ == title:
            return cls
        todo.extend(cls.__subclasses__())
    return None


def unknown_key_message(root: type[BaseModel] | str | None, raw_loc: tuple[str, ...]) -> str:
    """``unknown key 'inital' (did you mean 'initial'?); valid keys here: ...`` for the key
    at pydantic's raw location ``raw_loc`` in model ``root`` (a class or its name)."""
    if isinstance(root, str):
        root = model_named(root)
    key = raw_loc[-1] if raw_loc else ""
    model = section_model(root, tuple(raw_loc[:-1])) if root is not None else None
    valid = list(model.model_fields) if model is not None else []
    if model is not None and model.__name__ == "Scenario":
        valid += list(FILE_KEYS)
    close = difflib.get_close_matches(key, valid, n=3, cutoff=0.6)
    msg = _("unknown key '{key}'").format(key=key)
    if close:
        msg += _(" (did you mean {names}?)").format(names=_(" or ").join(f"'{c}'" for c in close))
    if valid:
        msg += _("; valid keys here: {keys}").format(keys=", ".join(valid))
    return msg + _("; every field: docs/scenario.md")
