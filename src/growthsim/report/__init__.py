"""Reports: KPI summaries, charts and the self-contained HTML report of a run folder.

``build_report`` / ``write_report`` load on first use, so that light modules of this
package (numbers, calendar) can be imported without matplotlib and pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["build_report", "write_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from growthsim.report import build  # noqa: PLC0415

        return getattr(build, name)
    raise AttributeError(f"module 'growthsim.report' has no attribute {name!r}")
