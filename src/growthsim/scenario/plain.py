"""Plain ways to say common things in a scenario file, expanded before validation.

``groups.count: N`` asks for N groups: it sets ``groups.max_groups`` to N and, unless
``target_size`` is given, a target size that spreads the initial members over the N
groups (ceil(initial / N), between 2 and ``max_size``), so the N groups exist from the
start and then fill up to ``max_size``.
"""

from __future__ import annotations

import math
from typing import Any, cast


def expand_group_count(data: Any) -> Any:
    if not isinstance(data, dict) or not isinstance(data.get("groups"), dict):
        return data
    g = dict(data["groups"])
    n = g.get("count")
    if n is None or isinstance(n, bool) or not isinstance(n, int) or n < 1:
        return data  # absent, or let the schema report the bad value
    if g.get("max_groups") is not None and g["max_groups"] != n:
        raise ValueError(
            f"groups.max_groups: {g['max_groups']} disagrees with groups.count ({n}); "
            "expected one of the two, or the same number"
        )
    g["max_groups"] = n
    if g.get("target_size") is None:
        members = cast(dict[str, Any], data.get("members")) if isinstance(data.get("members"), dict) else {}
        initial = members.get("initial", 200)
        cap = g.get("max_size", 500)
        if isinstance(initial, int) and isinstance(cap, int):
            g["target_size"] = max(2, min(cap, math.ceil(initial / n) if initial else 2))
    return {**data, "groups": g}
