"""Days of a plan as calendar dates, when the scenario sets ``start_date``.

Day ``d`` of the simulation is ``start_date + d``. Dates show in ISO form in English
(``2026-06-18``) and as ``2026年6月18日`` in Chinese; weeks start on the start date
(week 1 = days 0–6), months are calendar months.
"""

from __future__ import annotations

import datetime as dt

from growthsim.i18n import _, get_language


class Calendar:
    """Dates of the days of a plan that starts on ``start``."""

    def __init__(self, start: dt.date):
        self.start = start

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def label(self, day: int) -> str:
        d = self.date(day)
        if get_language() == "zh":
            return f"{d.year}年{d.month}月{d.day}日"
        return d.isoformat()

    def short(self, day: int) -> str:
        """A tick label: ``Jun 18`` / ``6月18日`` (the year where it changes)."""
        d = self.date(day)
        if get_language() == "zh":
            return f"{d.month}月{d.day}日"
        return d.strftime("%b %d").replace(" 0", " ")

    def month_label(self, d: dt.date) -> str:
        if get_language() == "zh":
            return f"{d.year}年{d.month}月"
        return d.strftime("%b %Y")

    def week_label(self, week: int) -> str:
        """Join-week ``w`` (0-based) as the week's first date."""
        return self.short(7 * int(week))

    def month_starts(self, horizon: int) -> list[int]:
        """Days (0..horizon-1) on which a calendar month begins, with day 0."""
        out = [0]
        for d in range(1, horizon):
            if self.date(d).day == 1:
                out.append(d)
        return out


def plan_calendar(plans) -> Calendar | None:
    """The calendar of the first plan that sets ``start_date`` (None: days only)."""
    for p in plans:
        start = getattr(p, "start_date", None) if p is not None else None
        if start is not None:
            return Calendar(start)
    return None


def period_words() -> dict[str, str]:
    return {"day": _("day"), "week": _("week"), "month": _("month")}
