"""Key figures for planners' spreadsheets: ``key_figures.xlsx``, ``key_figures.csv`` and
``monthly.csv``.

``key_figures.xlsx`` (openpyxl, the standard library for writing Excel files from Python
without Excel) has one sheet per section of the report's key-figures table, the plans side
by side (median, P10, P90 of each plan as numbers with Excel number formats), a
month-by-month sheet and the definitions, in the active language.

Which CSVs carry a UTF-8 byte-order mark: the files written for people to open in Excel
(``key_figures.csv``, ``monthly.csv``, ``weekly.csv``, ``group_health.csv``) start with a BOM, because Excel reads a CSV without
one in the machine's legacy code page and garbles Chinese plan and channel names. The
machine-readable files (``timeseries.csv`` and every other file ``growthsim.io`` writes)
have no BOM and stay byte-identical for the same scenario and seed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from growthsim.i18n import _
from growthsim.io import atomic_write_bytes
from growthsim.metrics.kpis import kpi_info
from growthsim.report.html import key_figure_rows, unit_words
from growthsim.report.periods import monthly_frame, weekly_frame

if TYPE_CHECKING:  # pragma: no cover
    from growthsim.results import RunSet

BOM = "\ufeff"
BOM_CSVS = ("key_figures.csv", "monthly.csv", "weekly.csv", "group_health.csv")
"""CSV files written with a UTF-8 BOM (for Excel); all others have none."""

_FORMATS = {
    "share": "0.0%",
    "ratio": "0.0%",
    "money": "#,##0.00",
    "people": "#,##0",
    "orders": "#,##0",
    "invites": "#,##0",
    "groups": "#,##0",
    "day": "0",
}


def _num(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _csv_bytes(rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return (BOM + buf.getvalue()).encode("utf-8")


def _sheet_name(title: str, used: set[str]) -> str:
    bad = "[]:*?/\\"
    name = "".join("_" if ch in bad else ch for ch in title)[:31] or "sheet"
    base, i = name, 2
    while name in used:
        name = f"{base[:28]}~{i}"
        i += 1
    used.add(name)
    return name


def write_exports(out_dir: str | Path, runset: "RunSet", table: pd.DataFrame, summary: pd.DataFrame) -> list[Path]:
    """Write ``key_figures.xlsx``, ``key_figures.csv``, ``monthly.csv`` and ``weekly.csv``;
    return them."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415

    out = Path(out_dir)
    plans = list(runset.plans)
    first = runset.plans.get(plans[0]) if plans else None
    cur = first.economics.currency if first is not None else None
    sections = key_figure_rows(runset, table, summary)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E9EEF4")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    csv_rows: list[list[object]] = [
        [_("section"), _("figure"), _("unit"), "kpi", *[f"{p} {q}" for p in plans for q in ("P50", "P10", "P90")]]
    ]
    for sec in sections:
        ws = wb.create_sheet(_sheet_name(sec["title"], used))
        ws.append([_("figure"), _("unit")] + [p for p in plans for _q in range(3)])
        ws.append(["", ""] + [q for _p in plans for q in (_("median"), "P10", "P90")])
        for c in range(3, 3 + 3 * len(plans), 3):
            ws.merge_cells(start_row=1, start_column=c, end_row=1, end_column=c + 2)
        for row in ws.iter_rows(min_row=1, max_row=2):
            for cell in row:
                cell.font = bold
                cell.fill = fill
                cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for r in sec["rows"]:
            values = [_num(c[q]) for c in r["cells"] for q in ("p50", "p10", "p90")]
            ws.append([r["label"], r["unit"]] + values)
            fmt = _FORMATS.get(kpi_info(r["key"]).unit)
            if fmt:
                for cell in ws[ws.max_row][2:]:
                    cell.number_format = fmt
            csv_rows.append([sec["title"], r["label"], r["unit"], r["key"]] + values)
        ws.column_dimensions["A"].width = 34
        ws.column_dimensions["B"].width = 10
        ws.freeze_panes = "C3"
    # month by month and week by week, plans side by side
    period_csvs = {}
    for key, word, title, end_word, frame_of in (
        ("month", _("month"), _("Month by month"), _("members at month end"), monthly_frame),
        ("week", _("week"), _("Week by week"), _("members at week end"), weekly_frame),
    ):
        ws = wb.create_sheet(_sheet_name(title, used))
        frames = {p: frame_of(runset, p) for p in plans}
        cols = [
            ("members", end_word),
            ("active", _("active on the last day")),
            ("new_members", _("joins")),
            ("revenue", _("revenue")),
            ("cost", _("cost")),
        ]
        ws.append([word] + [f"{p}: {name}" for p in plans for _k, name in cols])
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True)
        period_csv: list[list[object]] = [
            [_("plan"), word, _("first day"), _("last day"), *[name for _k, name in cols]]
        ]
        n_periods = max((len(f) for f in frames.values()), default=0)
        for i in range(n_periods):
            label = next((f.iloc[i][key] for f in frames.values() if i < len(f)), "")
            vals: list[object] = []
            for p in plans:
                f = frames[p]
                vals += [_num(f.iloc[i][k]) if i < len(f) else None for k, _n in cols]
            ws.append([label] + vals)
        for p in plans:
            for r in frames[p].to_dict("records"):
                period_csv.append([p, r[key], r["first_day"], r["last_day"]] + [_num(r[k]) for k, _n in cols])
        ws.column_dimensions["A"].width = 24
        ws.freeze_panes = "B2"
        period_csvs[key] = period_csv
    # definitions
    ws = wb.create_sheet(_sheet_name(_("Definitions"), used))
    ws.append([_("figure"), "kpi", _("unit"), _("definition")])
    for cell in ws[1]:
        cell.font = bold
    for sec in sections[1:]:
        for r in sec["rows"]:
            ws.append([r["label"], r["key"], unit_words(r["key"], cur), r["definition"]])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["D"].width = 80
    buf = io.BytesIO()
    wb.save(buf)
    written = [
        atomic_write_bytes(out / "key_figures.xlsx", buf.getvalue()),
        atomic_write_bytes(out / "key_figures.csv", _csv_bytes(csv_rows)),
        atomic_write_bytes(out / "monthly.csv", _csv_bytes(period_csvs["month"])),
        atomic_write_bytes(out / "weekly.csv", _csv_bytes(period_csvs["week"])),
    ]
    return written
