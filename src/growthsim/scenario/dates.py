"""Calendar dates in scenario files: with ``start_date`` set, any ``start_day``, ``end_day``
or ``days`` entry may be a date (``2026-06-18``, e.g. around 618 or 双十一), resolved to
the day number ``(date - start_date).days`` before validation. A stage target may name its
checkpoint as ``date:`` ("by 2027-03-31"): that date's day counts, so the checkpoint is
``day: (date - start_date).days + 1`` days elapsed (see :mod:`growthsim.scenario.targets`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from growthsim.i18n import _

DAY_KEYS = ("start_day", "end_day")
LIST_KEYS = ("days",)
# sections whose nested mappings hold day windows (the plan's own settings, not its name)
SECTIONS = ("channels", "campaigns", "kols", "staff", "replay", "groups", "volunteer_admins")


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _convert(value: Any, start: dt.date | None, where: str) -> Any:
    d = _as_date(value)
    if d is None:
        return value
    if start is None:
        raise ValueError(
            _(
                "{where}: the date {value} needs 'start_date' (the date of day 0) at the top of the scenario; found no start_date"
            ).format(where=where, value=d.isoformat())
        )
    day = (d - start).days
    if day < 0:
        raise ValueError(
            _("{where}: the date {value} is before start_date ({value2}); expected a date on or after it").format(
                where=where, value=d.isoformat(), value2=start.isoformat()
            )
        )
    return day


def _walk(node: Any, start: dt.date | None, where: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            path = f"{where}.{k}"
            if k in DAY_KEYS:
                out[k] = _convert(v, start, path)
            elif k in LIST_KEYS and isinstance(v, list):
                out[k] = [_convert(x, start, path) for x in v]
            else:
                out[k] = _walk(v, start, path)
        return out
    if isinstance(node, list):
        return [_walk(v, start, f"{where}.{i}") for i, v in enumerate(node)]
    return node


def resolve_dates(data: Any) -> Any:
    """``data`` with dates in day windows replaced by day numbers (a new mapping)."""
    if not isinstance(data, dict):
        return data
    start = _as_date(data.get("start_date")) if data.get("start_date") is not None else None
    if data.get("start_date") is not None and start is None:
        return data  # let the schema report the malformed start_date
    out = dict(data)
    for section in SECTIONS:
        if section in out:
            out[section] = _walk(out[section], start, section)
    if isinstance(out.get("targets"), list):
        out["targets"] = [_target_date(t, start, f"targets.{i}") for i, t in enumerate(out["targets"])]
    return out


def _target_date(target: Any, start: dt.date | None, where: str) -> Any:
    """A target whose checkpoint is a ``date``: the same target with ``day`` set to the days
    elapsed by the end of that date (the date itself is kept for labels)."""
    if not isinstance(target, dict) or target.get("date") is None:
        return target
    day = _convert(target["date"], start, f"{where}.date")
    if not isinstance(day, int):
        raise ValueError(
            _("{where}.date: expected a date such as 2027-03-31, found {value!r}").format(
                where=where, value=target["date"]
            )
        )
    # a resolved plan (scenario.resolved.yaml) carries both the date and its day: they agree
    given = [k for k in ("day", "month") if target.get(k) is not None and not (k == "day" and target[k] == day + 1)]
    if given:
        raise ValueError(
            _("{where}.date: give the checkpoint as one of day, month or date; found date and {value}").format(
                where=where, value=" and ".join(given)
            )
        )
    return {**target, "date": _as_date(target["date"]).isoformat(), "day": day + 1}  # type: ignore[union-attr]
