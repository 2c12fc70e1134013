"""A community's own history: reading, checking and aggregating observed series.

A **history file** is a CSV with a header line and one row per day or per week:

============== ======================================================= =================
column         meaning                                                 simulated column
============== ======================================================= =================
date           first day of the period, ``YYYY-MM-DD`` (required)      —
new_members    people who joined in the period (count)                 ``new_members``
active_members members active in the period (count; DAU for daily      ``active`` (daily),
               rows, weekly actives for weekly rows)                   ``wau`` (weekly)
members        members at the end of the period (count)                ``members``
purchases      orders placed in the period (count)                     ``purchases``
revenue        money taken in the period (currency of the scenario)    ``revenue``
spend          money spent in the period                               ``cost``
============== ======================================================= =================

Only ``date`` and at least one series column are required; an empty cell means "not
observed" and is left out of every comparison. Rows must be consecutive days (or
consecutive weeks, seven days apart), without gaps or repeated dates. Aliases accepted in
the header: ``dau`` -> ``active_members``, ``joins`` -> ``new_members``, ``orders`` ->
``purchases``, ``cost`` -> ``spend``.

An **event log** is a CSV with columns ``member_id, date, event, amount`` (``amount``
optional), ``event`` one of ``join``, ``active``, ``purchase``, ``leave``.
:func:`aggregate_events` turns it into a daily history: ``new_members`` = join events,
``active_members`` = distinct members with an ``active`` or ``purchase`` event,
``purchases`` = purchase events, ``revenue`` = sum of their amounts, ``members`` =
``initial_members`` + joins - leaves so far.
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from growthsim.errors import InputFileError, located
from growthsim.i18n import _

SERIES = ("new_members", "active_members", "members", "purchases", "revenue", "spend")
COUNT_SERIES = ("new_members", "active_members", "members", "purchases")
FLOW_SERIES = ("new_members", "purchases", "revenue", "spend")  # summed over a period
ALIASES = {"dau": "active_members", "joins": "new_members", "orders": "purchases", "cost": "spend"}
EVENTS = ("join", "active", "purchase", "leave")


def sim_column(series: str, period_days: int) -> str:
    """The simulated timeseries column that a history series is compared with."""
    if series == "active_members":
        return "active" if period_days == 1 else "wau"
    return {"spend": "cost"}.get(series, series)


@dataclass
class History:
    """Observed series of one community.

    Attributes:
        path: the file the history came from (for messages).
        period_days: 1 (daily rows) or 7 (weekly rows).
        dates: first day of each period.
        data: one row per period, columns a subset of :data:`SERIES` (float, NaN = not observed).
        lines: the file line of each row (1-based; header is line 1).
        transactions: the customer-level log the history was derived from, if any
            (:class:`growthsim.calibrate.transactions.TransactionLog`; the BG/NBD baseline
            of a backtest needs it).
    """

    path: str
    period_days: int
    dates: list[_dt.date]
    data: pd.DataFrame
    lines: list[int] = field(default_factory=list)
    transactions: Any = None

    @property
    def n_periods(self) -> int:
        return len(self.dates)

    @property
    def days(self) -> int:
        """Days covered (periods x period length)."""
        return self.n_periods * self.period_days

    @property
    def series(self) -> list[str]:
        return [c for c in SERIES if c in self.data.columns]

    @property
    def end_date(self) -> _dt.date:
        """The last day covered."""
        return self.dates[-1] + _dt.timedelta(days=self.period_days - 1)

    def head(self, n_periods: int) -> "History":
        """The first ``n_periods`` periods."""
        return History(
            self.path,
            self.period_days,
            self.dates[:n_periods],
            self.data.iloc[:n_periods].reset_index(drop=True),
            self.lines[:n_periods],
            self.transactions,
        )

    def daily_joins(self) -> list[int]:
        """Observed joins per day, for ``Scenario.replay`` (weekly counts spread evenly
        over the week's days, remainders on the first days)."""
        if "new_members" not in self.data.columns:
            raise InputFileError(
                located(self.path, None, "new_members", _("replaying joins needs a new_members column"))
            )
        vals = self.data["new_members"].to_numpy()
        if np.isnan(vals).any():
            i = int(np.nonzero(np.isnan(vals))[0][0])
            raise InputFileError(
                located(
                    self.path,
                    self.lines[i] if self.lines else None,
                    "new_members",
                    _("replaying joins needs a value on every row, found an empty cell"),
                )
            )
        out: list[int] = []
        for v in vals.astype(np.int64):
            q, r = divmod(int(v), self.period_days)
            out.extend(q + (1 if k < r else 0) for k in range(self.period_days))
        return out

    def to_frame(self) -> pd.DataFrame:
        """The history as a CSV-ready frame (``date`` first)."""
        df = self.data.copy()
        df.insert(0, "date", [d.isoformat() for d in self.dates])
        return df


# --------------------------------------------------------------------------- parsing


def _read_rows(path: Path, kind: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from growthsim.inputs import MAX_HISTORY_BYTES, MAX_HISTORY_ROWS, check_file

    check_file(path, MAX_HISTORY_BYTES, kind)  # before reading: a huge file is refused at once
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(located(str(path), None, None, _("{kind} file not found").format(kind=kind))) from None
    except IsADirectoryError:
        raise InputFileError(
            located(str(path), None, None, _("is a folder, expected a {kind} CSV file").format(kind=kind))
        ) from None
    except OSError as exc:
        raise InputFileError(
            located(str(path), None, None, _("cannot read: {strerror}").format(strerror=exc.strerror))
        ) from None
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        with fh:
            reader = csv.reader(fh)
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                if header is None:
                    header = [c.strip().lower() for c in row]
                    continue
                if len(rows) >= MAX_HISTORY_ROWS:
                    raise InputFileError(
                        located(
                            str(path),
                            reader.line_num,
                            None,
                            _("expected at most {MAX_HISTORY_ROWS:,} rows, found more").format(
                                MAX_HISTORY_ROWS=MAX_HISTORY_ROWS
                            ),
                        )
                    )
                rows.append((reader.line_num, row))
    except UnicodeDecodeError as exc:
        raise InputFileError(
            located(str(path), None, None, _("not a UTF-8 text file ({reason})").format(reason=exc.reason))
        ) from None
    except csv.Error as exc:
        raise InputFileError(
            located(str(path), None, None, _("not a readable CSV file: {exc}").format(exc=exc))
        ) from None
    if header is None:
        raise InputFileError(
            located(
                str(path), None, None, _("file is empty, expected a {kind} CSV with a header line").format(kind=kind)
            )
        )
    return header, rows


def parse_date(text: str, file: str, line: int, column: str = "date") -> _dt.date:
    s = text.strip()
    try:
        return _dt.date.fromisoformat(s.replace("/", "-"))
    except ValueError:
        raise InputFileError(
            located(file, line, column, _("expected a date like 2026-01-31, found {s!r}").format(s=s))
        ) from None


def finite_number(text: str, file: str, line: int, column: str) -> float:
    """``text`` (thousands separators allowed) as a finite float, or a located
    :class:`InputFileError` saying what was expected and what was found."""
    try:
        v = float(text.strip().replace(",", ""))
    except ValueError:
        raise InputFileError(located(file, line, column, f"expected a number, found {text.strip()!r}")) from None
    if not math.isfinite(v):
        raise InputFileError(
            located(file, line, column, _("expected a finite number, found {value!r}").format(value=text.strip()))
        )
    return v


def _number(text: str, file: str, line: int, column: str, integer: bool) -> float:
    s = text.strip().replace(",", "") if text is not None else ""
    if s == "":
        return math.nan
    v = finite_number(text, file, line, column)
    if v < 0:
        raise InputFileError(located(file, line, column, _("expected a count or amount >= 0, found {v:g}").format(v=v)))
    if integer and v != int(v):
        raise InputFileError(
            located(file, line, column, _("expected a whole number of people/orders, found {v:g}").format(v=v))
        )
    return v


def read_history(path: str | Path) -> History:
    """Read and check a history CSV (see the module docstring for its columns).

    Raises:
        InputFileError: naming the file, line and column of the first problem: a missing
            ``date`` column or no series column, an unknown column, an unparsable date or
            number, a negative count, a gap, a repeated or out-of-order date, fewer than two rows.
    """
    p = Path(path)
    f = str(p)
    header, rows = _read_rows(p, "history")
    cols = [ALIASES.get(c, c) for c in header]
    if "date" not in cols:
        raise InputFileError(
            located(f, 1, None, _("missing column 'date' (header has: {value})").format(value=", ".join(header)))
        )
    for c, raw in zip(cols, header):
        if c != "date" and c not in SERIES:
            raise InputFileError(
                located(f, 1, raw or "(empty)", _("unknown column; expected date and some of: ") + ", ".join(SERIES))
            )
    seen: set[str] = set()
    for c in cols:
        if c in seen:
            raise InputFileError(located(f, 1, c, _("column appears twice")))
        seen.add(c)
    series = [c for c in cols if c in SERIES]
    if not series:
        raise InputFileError(located(f, 1, None, _("no series column; expected at least one of: ") + ", ".join(SERIES)))
    if len(rows) < 2:
        raise InputFileError(
            located(f, None, None, _("needs at least two rows of data, found {n_rows}").format(n_rows=len(rows)))
        )
    di = cols.index("date")
    dates: list[_dt.date] = []
    lines: list[int] = []
    values: dict[str, list[float]] = {c: [] for c in series}
    for line, row in rows:
        if len(row) != len(cols):
            raise InputFileError(located(f, line, None, f"expected {len(cols)} fields, found {len(row)}"))
        dates.append(parse_date(row[di], f, line))
        lines.append(line)
        for j, c in enumerate(cols):
            if c in SERIES:
                values[c].append(_number(row[j], f, line, c, c in COUNT_SERIES))
    step = (dates[1] - dates[0]).days
    if step == 0:
        raise InputFileError(
            located(
                f,
                lines[1],
                "date",
                _("duplicate date {value} (also on line {value2})").format(value=dates[1], value2=lines[0]),
            )
        )
    if step not in (1, 7):
        raise InputFileError(
            located(
                f,
                lines[1],
                "date",
                _(
                    "rows must be 1 day (daily) or 7 days (weekly) apart; found {step} days between {value} and {value2}"
                ).format(step=step, value=dates[0], value2=dates[1]),
            )
        )
    first_line = {dates[0]: lines[0]}
    for i in range(1, len(dates)):
        d = (dates[i] - dates[i - 1]).days
        if d == step:
            first_line.setdefault(dates[i], lines[i])
            continue
        if dates[i] in first_line or d == 0:
            raise InputFileError(
                located(
                    f,
                    lines[i],
                    "date",
                    _("duplicate date {value} (also on line {value2})").format(
                        value=dates[i], value2=first_line.get(dates[i], lines[i - 1])
                    ),
                )
            )
        if d < 0:
            raise InputFileError(
                located(
                    f,
                    lines[i],
                    "date",
                    _("dates must increase; {value} comes after {value2}").format(value=dates[i], value2=dates[i - 1]),
                )
            )
        missing_from = dates[i - 1] + _dt.timedelta(days=step)
        raise InputFileError(
            located(
                f,
                lines[i],
                "date",
                _(
                    "gap: expected {missing_from} after {value}, found {value2} (fill the missing {value3}; leave cells empty if not observed)"
                ).format(
                    missing_from=missing_from,
                    value=dates[i - 1],
                    value2=dates[i],
                    value3="days" if step == 1 else "weeks",
                ),
            )
        )
    data = pd.DataFrame({c: np.asarray(values[c], dtype=float) for c in series})
    for c in series:
        if np.isnan(data[c].to_numpy()).all():
            raise InputFileError(located(f, None, c, _("column has no values; remove it or fill it")))
    if "active_members" in data and "members" in data:
        bad = np.nonzero(
            data["active_members"].to_numpy()
            > data["members"].to_numpy()
            + (data["new_members"].to_numpy() if "new_members" in data and step == 7 else 0)
            + 0.5
        )[0]
        if step == 1 and len(bad):
            i = int(bad[0])
            raise InputFileError(
                located(
                    f,
                    lines[i],
                    "active_members",
                    _("more active members ({value:g}) than members ({value2:g})").format(
                        value=data["active_members"][i], value2=data["members"][i]
                    ),
                )
            )
    return History(f, step, dates, data, lines)


def check_against_scenario(history: History, scenario, where: str | None = None) -> None:
    """Check that a history fits the scenario it calibrates.

    A history is *longer than the scenario allows* when it covers more days than
    ``scenario.horizon_days`` (the plan's levers are scheduled on days 0..horizon-1 from the
    history's first day), or when it needs more people than ``scenario.market.size``
    (members at some point, or ``members.initial`` + all observed joins).
    """
    f = history.path
    if history.days > scenario.horizon_days:
        raise InputFileError(
            located(
                f,
                history.lines[-1] if history.lines else None,
                "date",
                _(
                    "history covers {days} days ({value}..{end_date}) but the scenario {value2}has horizon_days {horizon_days}; raise horizon_days to at least {days} (day 0 of the scenario is the history's first day)"
                ).format(
                    days=history.days,
                    value=history.dates[0],
                    end_date=history.end_date,
                    value2=where + " " if where else "",
                    horizon_days=scenario.horizon_days,
                ),
            )
        )
    size = scenario.market.size
    if "members" in history.data:
        m = history.data["members"].to_numpy()
        if np.nanmax(m) > size:
            i = int(np.nanargmax(m))
            raise InputFileError(
                located(
                    f,
                    history.lines[i],
                    "members",
                    _("{value:g} members but the scenario's market.size is {size}").format(value=m[i], size=size),
                )
            )
    if "new_members" in history.data:
        cum = scenario.members.initial + np.nancumsum(history.data["new_members"].to_numpy())
        over = np.nonzero(cum > size)[0]
        if len(over):
            i = int(over[0])
            raise InputFileError(
                located(
                    f,
                    history.lines[i],
                    "new_members",
                    _(
                        "members.initial ({initial}) + joins so far = {value:g} exceeds the scenario's market.size ({size})"
                    ).format(initial=scenario.members.initial, value=cum[i], size=size),
                )
            )


# --------------------------------------------------------------------------- event log


def read_events(path: str | Path, initial_members: int = 0) -> History:
    """Read a member-level event log and aggregate it into a daily :class:`History`.

    Args:
        path: CSV with columns ``member_id, date, event`` and optionally ``amount``.
        initial_members: members present before the log starts (added to ``members``).
    """
    p = Path(path)
    f = str(p)
    header, rows = _read_rows(p, "event log")
    for need in ("member_id", "date", "event"):
        if need not in header:
            raise InputFileError(
                located(
                    f,
                    1,
                    None,
                    _("missing column '{need}' (header has: {value})").format(need=need, value=", ".join(header)),
                )
            )
    for c in header:
        if c not in ("member_id", "date", "event", "amount"):
            raise InputFileError(
                located(f, 1, c or "(empty)", _("unknown column; expected member_id, date, event, amount"))
            )
    if not rows:
        raise InputFileError(located(f, None, None, "no events"))
    ix = {c: header.index(c) for c in header}
    recs = []
    for line, row in rows:
        if len(row) != len(header):
            raise InputFileError(located(f, line, None, f"expected {len(header)} fields, found {len(row)}"))
        mid = row[ix["member_id"]].strip()
        if not mid:
            raise InputFileError(located(f, line, "member_id", _("empty member id")))
        day = parse_date(row[ix["date"]], f, line)
        ev = row[ix["event"]].strip().lower()
        if ev not in EVENTS:
            raise InputFileError(
                located(
                    f, line, "event", _("expected one of {value}, found {ev!r}").format(value=", ".join(EVENTS), ev=ev)
                )
            )
        amt = _number(row[ix["amount"]], f, line, "amount", False) if "amount" in ix else math.nan
        if ev == "purchase" and "amount" in ix and math.isnan(amt):
            raise InputFileError(located(f, line, "amount", _("a purchase needs an amount")))
        recs.append((mid, day, ev, 0.0 if math.isnan(amt) else amt))
    ev = pd.DataFrame(recs, columns=["member_id", "date", "event", "amount"])
    start, end = ev["date"].min(), ev["date"].max()
    n = (end - start).days + 1
    if n < 2:
        raise InputFileError(located(f, None, "date", _("the log covers a single day; need at least two")))
    idx = ev["date"].map(lambda d: (d - start).days).to_numpy()
    ev["i"] = idx

    def count(kind: str) -> np.ndarray:
        return np.bincount(ev.loc[ev["event"] == kind, "i"].to_numpy(), minlength=n).astype(float)

    joins, leaves, purchases = count("join"), count("leave"), count("purchase")
    act = ev[ev["event"].isin(["active", "purchase"])].drop_duplicates(["member_id", "i"])
    active = np.bincount(act["i"].to_numpy(), minlength=n).astype(float)
    revenue = np.bincount(
        ev.loc[ev["event"] == "purchase", "i"].to_numpy(),
        weights=ev.loc[ev["event"] == "purchase", "amount"].to_numpy(),
        minlength=n,
    )
    members = initial_members + np.cumsum(joins - leaves)
    if (members < 0).any():
        i = int(np.nonzero(members < 0)[0][0])
        raise InputFileError(
            located(
                f,
                None,
                "event",
                _(
                    "more leave than join events by {value} (members would be {value2:g}); is members.initial right?"
                ).format(value=start + _dt.timedelta(days=i), value2=members[i]),
            )
        )
    data = pd.DataFrame({"new_members": joins, "active_members": active, "members": members, "purchases": purchases})
    if "amount" in ix:
        data["revenue"] = revenue
    dates = [start + _dt.timedelta(days=i) for i in range(n)]
    return History(f, 1, dates, data, [])


def merge_histories(history: History | None, events: History | None) -> History:
    """Combine a history file with an event log's daily series: the history's columns win;
    the log fills columns the history lacks. Both must be daily and cover the same dates."""
    if history is None:
        assert events is not None
        return events
    if events is None:
        return history
    if history.period_days != 1:
        raise InputFileError(
            located(history.path, None, "date", _("an event log can only be combined with a daily history"))
        )
    if events.dates[0] != history.dates[0] or events.n_periods != history.n_periods:
        raise InputFileError(
            located(
                events.path,
                None,
                "date",
                _(
                    "the event log covers {value}..{end_date} but the history {path} covers {value2}..{end_date2}; they must match"
                ).format(
                    value=events.dates[0],
                    end_date=events.end_date,
                    path=history.path,
                    value2=history.dates[0],
                    end_date2=history.end_date,
                ),
            )
        )
    data = history.data.copy()
    for c in events.series:
        if c not in data:
            data[c] = events.data[c].to_numpy()
    data = data[[c for c in SERIES if c in data]]
    return History(
        history.path,
        1,
        history.dates,
        data,
        history.lines,
        history.transactions if history.transactions is not None else events.transactions,
    )


# --------------------------------------------------------------------------- simulated series


def periods_from_columns(
    cols: dict[str, np.ndarray], series: list[str], period_days: int, n_periods: int, start_day: int = 0
) -> dict[str, np.ndarray]:
    """Like :func:`simulated_periods` from daily arrays ``column -> (replicates, days)``."""
    days = n_periods * period_days
    out = {}
    for s in series:
        v = cols[sim_column(s, period_days)][:, start_day : start_day + days]
        v = v.reshape(v.shape[0], n_periods, period_days)
        out[s] = v.sum(axis=2) if s in FLOW_SERIES else v[:, :, -1]
    return out


def simulated_periods(
    ts: pd.DataFrame, series: list[str], period_days: int, n_periods: int, start_day: int = 0
) -> dict[str, np.ndarray]:
    """Simulated series in the history's periods.

    Args:
        ts: simulated timeseries rows with ``replicate`` and ``day`` (one plan).
        series: history series names.
        period_days: 1 or 7.
        n_periods: periods wanted, from ``start_day``.

    Returns:
        series name -> array of shape (replicates, n_periods): flows summed over each period,
        stocks (members, weekly actives) at the period's last day.
    """
    days = n_periods * period_days
    t = ts[(ts["day"] >= start_day) & (ts["day"] < start_day + days)].sort_values(["replicate", "day"])
    reps = t["replicate"].nunique()
    out = {}
    for s in series:
        col = sim_column(s, period_days)
        v = t[col].to_numpy(dtype=float).reshape(reps, days) if col in t else np.zeros((reps, days))
        v = v.reshape(reps, n_periods, period_days)
        out[s] = v.sum(axis=2) if s in FLOW_SERIES else v[:, :, -1]
    return out
