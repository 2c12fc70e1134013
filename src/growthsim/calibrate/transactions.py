"""A shop's or CRM's transaction log, turned into a community history.

A **transaction log** is a CSV with a header line and one row per order line:

============== ============================================================ ===========
column         meaning                                                      required
============== ============================================================ ===========
customer_id    who bought (any text; aliases ``customer``, ``member_id``)   yes
date           day of the order, ``YYYY-MM-DD`` or ``YYYYMMDD``             yes
amount         money taken (>= 0; aliases ``revenue``, ``value``)           yes
join_date      the day the customer joined (sign-up), if the export has it  no
channel        how the customer came (text), if the export has it           no
============== ============================================================ ===========

How the log becomes a daily :class:`~growthsim.calibrate.history.History`
(:meth:`TransactionLog.history`):

- **Join.** A customer joins on ``join_date`` when given, else on the day of their first
  order. ``new_members`` on day d = customers who joined that day.
- **Orders.** Rows of one customer on one day are *one order* (amounts summed): the
  engine's members place at most one order a day. ``purchases`` on day d = orders placed on
  day d *after* the customer's join day, ``revenue`` = their amounts. Orders on the join
  day are part of joining: a customer known only from a first order joined *by* it, and
  the engine's members cannot buy on the day they join (they take part from the next day).
  So ``purchases`` and ``revenue`` are repeat business; the join-day orders are counted in
  :attr:`TransactionLog.join_orders` / :attr:`TransactionLog.join_revenue` and reported.
- **Not derived:** ``active_members`` (a transaction log shows buying, not visiting or
  posting, and the engine's ``active`` counts every active member, buyer or not) and
  ``members`` (a shop never sees a customer leave: leaving is inferred by the models, not
  observed). Both are left unobserved.
- **Days.** The history runs from the earliest join or order date to the latest order
  date (or ``through``, when given), one row per day, days without orders included.
- ``channel`` (when present) must be the same on every row of a customer; the joins per
  channel are reported (:attr:`TransactionLog.joins_by_channel`), not fitted.

Checks, each an :class:`~growthsim.errors.InputFileError` with file, line, column,
expected and found: missing or unknown columns, an empty customer id, an unparsable or
impossible date, an amount that is not a finite number >= 0, a join date after the
customer's first order, a customer with two different join dates or channels, an order
after ``through``, fewer than two days.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from growthsim.calibrate.history import History, _read_rows, finite_number
from growthsim.errors import InputFileError, located
from growthsim.i18n import _

COLUMNS = ("customer_id", "date", "amount", "join_date", "channel")
REQUIRED = ("customer_id", "date", "amount")
TX_ALIASES = {
    "customer": "customer_id",
    "member_id": "customer_id",
    "customer id": "customer_id",
    "order_date": "date",
    "revenue": "amount",
    "value": "amount",
    "joined": "join_date",
}
_COMPACT = re.compile(r"^\d{8}$")


def parse_tx_date(text: str, file: str, line: int, column: str) -> _dt.date:
    """``YYYY-MM-DD``, ``YYYY/MM/DD`` or ``YYYYMMDD`` as a date, else a located error."""
    s = text.strip()
    try:
        if _COMPACT.match(s):
            return _dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
        return _dt.date.fromisoformat(s.replace("/", "-"))
    except ValueError:
        raise InputFileError(
            located(file, line, column, _("expected a date like 2026-01-31 or 20260131, found {s!r}").format(s=s))
        ) from None


@dataclass
class TransactionLog:
    """A checked transaction log, one order per (customer, day).

    Attributes:
        path: the file (for messages).
        start: day 0 (the earliest join or order date).
        days: days covered (day 0 .. days-1).
        customers: customer ids in order of first appearance.
        join_day: each customer's join day (index into the days).
        orders: one row per order: ``customer`` (index into ``customers``), ``day``, ``amount``.
        channel: each customer's channel ('' when the log has no channel column).
    """

    path: str
    start: _dt.date
    days: int
    customers: list[str]
    join_day: np.ndarray
    orders: pd.DataFrame
    channel: list[str] = field(default_factory=list)
    join_given: bool = False

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    @property
    def end_date(self) -> _dt.date:
        return self.start + _dt.timedelta(days=self.days - 1)

    def _repeat(self) -> pd.DataFrame:
        o = self.orders
        return o[o["day"].to_numpy() > self.join_day[o["customer"].to_numpy()]]

    @property
    def join_orders(self) -> int:
        """Orders placed on the customer's join day (part of joining, not in ``purchases``)."""
        return int(len(self.orders) - len(self._repeat()))

    @property
    def join_revenue(self) -> float:
        return float(self.orders["amount"].sum() - self._repeat()["amount"].sum())

    @property
    def joins_by_channel(self) -> dict[str, int]:
        if not any(self.channel):
            return {}
        s = pd.Series(self.channel)
        return {str(k): int(v) for k, v in s.value_counts().sort_index().items()}

    def history(self) -> History:
        """The daily history (see the module docstring): ``new_members``, ``purchases``,
        ``revenue``; the history keeps this log in ``History.transactions``."""
        n = self.days
        joins = np.bincount(self.join_day, minlength=n).astype(float)
        rep = self._repeat()
        purchases = np.bincount(rep["day"].to_numpy(), minlength=n).astype(float)
        revenue = np.bincount(rep["day"].to_numpy(), weights=rep["amount"].to_numpy(), minlength=n)
        data = pd.DataFrame({"new_members": joins, "purchases": purchases, "revenue": revenue})
        dates = [self.start + _dt.timedelta(days=i) for i in range(n)]
        return History(self.path, 1, dates, data, [], transactions=self)

    def rfm(self, train_days: int, unit_days: float = 7.0) -> pd.DataFrame:
        """Per customer who joined before ``train_days``: the BG/NBD summary at the end of
        day ``train_days - 1``, in units of ``unit_days``: ``frequency`` (repeat orders:
        orders after the join day), ``recency`` (last repeat order − join; 0 without one)
        and ``T`` (end of training − join)."""
        known = np.nonzero(self.join_day < train_days)[0]
        rep = self._repeat()
        rep = rep[rep["day"] < train_days]
        freq = np.bincount(rep["customer"].to_numpy(), minlength=self.n_customers)[known]
        last = np.full(self.n_customers, -1, dtype=np.int64)
        if len(rep):
            g = rep.groupby("customer")["day"].max()
            last[g.index.to_numpy()] = g.to_numpy()
        jd = self.join_day[known]
        lk = last[known]
        recency = np.where(lk >= 0, lk - jd, 0)
        T = train_days - jd  # the end of day train_days-1 is time train_days
        return pd.DataFrame(
            {"frequency": freq.astype(float), "recency": recency / unit_days, "T": T / unit_days},
            index=[self.customers[i] for i in known],
        )

    def summary(self) -> dict:
        rep = self._repeat()
        return {
            "file": self.path,
            "first_date": self.start.isoformat(),
            "last_date": self.end_date.isoformat(),
            "days": self.days,
            "customers": self.n_customers,
            "order_lines": int(self.orders.attrs.get("lines", 0)),
            "orders": int(len(self.orders)),
            "join_orders": self.join_orders,
            "repeat_orders": int(len(rep)),
            "revenue": float(self.orders["amount"].sum()),
            "repeat_revenue": float(rep["amount"].sum()),
            "join_date_given": self.join_given,
            "joins_by_channel": self.joins_by_channel,
        }


def read_transactions(path: str | Path, through: _dt.date | None = None) -> TransactionLog:
    """Read and check a transaction log (see the module docstring)."""
    p = Path(path)
    f = str(p)
    header, rows = _read_rows(p, "transaction log")
    cols = [TX_ALIASES.get(c, c) for c in header]
    for c, raw in zip(cols, header):
        if c not in COLUMNS:
            raise InputFileError(
                located(
                    f,
                    1,
                    raw or "(empty)",
                    _("unknown column; expected customer_id, date, amount and optionally join_date, channel"),
                )
            )
    seen: set[str] = set()
    for c in cols:
        if c in seen:
            raise InputFileError(located(f, 1, c, _("column appears twice")))
        seen.add(c)
    for need in REQUIRED:
        if need not in cols:
            raise InputFileError(
                located(
                    f,
                    1,
                    None,
                    _("missing column '{need}' (expected customer_id, date, amount; header has: {value})").format(
                        need=need, value=", ".join(header)
                    ),
                )
            )
    if not rows:
        raise InputFileError(located(f, None, None, _("no transactions (expected at least one row after the header)")))
    ix = {c: cols.index(c) for c in cols}
    cid: dict[str, int] = {}
    customers: list[str] = []
    given_join: dict[int, tuple[_dt.date, int]] = {}
    chan: dict[int, tuple[str, int]] = {}
    first_order: dict[int, tuple[_dt.date, int]] = {}
    recs: list[tuple[int, _dt.date, float]] = []
    for line, row in rows:
        if len(row) != len(cols):
            raise InputFileError(located(f, line, None, f"expected {len(cols)} fields, found {len(row)}"))
        name = row[ix["customer_id"]].strip()
        if not name:
            raise InputFileError(located(f, line, "customer_id", _("expected a customer id, found an empty cell")))
        k = cid.setdefault(name, len(customers))
        if k == len(customers):
            customers.append(name)
        day = parse_tx_date(row[ix["date"]], f, line, "date")
        if through is not None and day > through:
            raise InputFileError(
                located(
                    f,
                    line,
                    "date",
                    _("expected a date on or before {through} (--through), found {day}").format(
                        through=through, day=day
                    ),
                )
            )
        raw_amt = row[ix["amount"]]
        if not raw_amt.strip():
            raise InputFileError(located(f, line, "amount", _("expected an amount >= 0, found an empty cell")))
        amt = finite_number(raw_amt, f, line, "amount")
        if amt < 0:
            raise InputFileError(
                located(
                    f,
                    line,
                    "amount",
                    _("expected an amount >= 0 (refunds are not orders), found {amt:g}").format(amt=amt),
                )
            )
        if k not in first_order or day < first_order[k][0]:
            first_order[k] = (day, line)
        if "join_date" in ix:
            text = row[ix["join_date"]]
            if not text.strip():
                raise InputFileError(located(f, line, "join_date", _("expected a join date, found an empty cell")))
            jd = parse_tx_date(text, f, line, "join_date")
            if k in given_join and given_join[k][0] != jd:
                raise InputFileError(
                    located(
                        f,
                        line,
                        "join_date",
                        _("expected {value} for customer {name!r} (as on line {value2}), found {jd}").format(
                            value=given_join[k][0], name=name, value2=given_join[k][1], jd=jd
                        ),
                    )
                )
            given_join.setdefault(k, (jd, line))
        if "channel" in ix:
            ch = row[ix["channel"]].strip()
            if k in chan and chan[k][0] != ch:
                raise InputFileError(
                    located(
                        f,
                        line,
                        "channel",
                        _("expected {value!r} for customer {name!r} (as on line {value2}), found {ch!r}").format(
                            value=chan[k][0], name=name, value2=chan[k][1], ch=ch
                        ),
                    )
                )
            chan.setdefault(k, (ch, line))
        recs.append((k, day, amt))
    join: dict[int, _dt.date] = {}
    for k, (d0, line0) in first_order.items():
        if k in given_join:
            jd, jline = given_join[k]
            if jd > d0:
                raise InputFileError(
                    located(
                        f,
                        line0,
                        "join_date",
                        _(
                            "expected a join date on or before the customer's first order ({d0}, this line), found {jd} (line {jline})"
                        ).format(d0=d0, jd=jd, jline=jline),
                    )
                )
            join[k] = jd
        else:
            join[k] = d0
    start = min(min(join.values()), min(r[1] for r in recs))
    end = through if through is not None else max(r[1] for r in recs)
    days = (end - start).days + 1
    if days < 2:
        raise InputFileError(
            located(
                f, None, "date", _("expected a log covering at least two days, found one ({start})").format(start=start)
            )
        )
    o = pd.DataFrame(recs, columns=["customer", "date", "amount"])
    o["day"] = np.asarray([(d - start).days for d in o["date"]], dtype=np.int64)
    lines = len(o)
    o = o.groupby(["customer", "day"], as_index=False, sort=True)["amount"].sum()
    o.attrs["lines"] = lines
    join_day = np.asarray([(join[k] - start).days for k in range(len(customers))], dtype=np.int64)
    channel = [chan[k][0] if k in chan else "" for k in range(len(customers))]
    return TransactionLog(
        f, start, days, customers, join_day, o[["customer", "day", "amount"]], channel, join_given="join_date" in ix
    )


def write_transactions(log: pd.DataFrame, path: str | Path) -> None:
    """Write a frame with columns ``customer_id, date, amount`` (+ optional ones) as a log CSV."""
    df = log.copy()
    for c in ("date", "join_date"):
        if c in df:
            df[c] = pd.to_datetime(df[c]).dt.strftime("%Y-%m-%d")
    df.to_csv(path, index=False)
