"""Reading a market's network from an edge-list CSV.

Format: one edge per line, two integer person ids (0-based, below the market size) in
the first two columns; further columns (weights, dates) are ignored. Columns may be
separated by commas, tabs, semicolons or spaces. An optional header row is recognised
when neither of its first two fields is a number. Blank lines and lines starting with
``#`` are skipped. Edges are undirected: ``a,b`` and ``b,a`` are the same edge; repeats
and self-loops are dropped.

Every problem raises :class:`growthsim.errors.InputFileError` naming the file, the
line, what was expected and what was found.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from growthsim.errors import InputFileError, located
from growthsim.i18n import _

__all__ = ["read_edge_list"]

_FIELD = "market.graph.path"
_SPLIT = re.compile(r"[,\t; ]+")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fields(line: str) -> list[str]:
    return [f for f in _SPLIT.split(line.strip()) if f != ""]


def _first_line(path: Path) -> tuple[int, str | None]:
    """Line number and text of the first non-blank, non-comment line (None if none)."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        for no, raw in enumerate(fh, start=1):
            s = raw.strip()
            if s and not s.startswith("#"):
                return no, s
    return 0, None


def _scan(path: Path, n: int, header: bool) -> tuple[np.ndarray, np.ndarray]:
    """Line-by-line reader: the authority on errors (exact line numbers)."""
    us: list[int] = []
    vs: list[int] = []
    seen_header = not header
    f = str(path)
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        for no, raw in enumerate(fh, start=1):
            s = raw.strip()
            if not s or s.startswith("#"):
                continue
            if not seen_header:
                seen_header = True
                continue
            parts = _fields(s)
            if len(parts) < 2:
                raise InputFileError(
                    located(
                        f,
                        no,
                        None,
                        _("expected 2 columns (two person ids), found {n_parts}: {s!r}").format(
                            n_parts=len(parts), s=s
                        ),
                    )
                )
            ids = []
            for col, text in enumerate(parts[:2], start=1):
                try:
                    x = int(text)
                except ValueError:
                    raise InputFileError(
                        located(
                            f,
                            no,
                            None,
                            _("column {col}: expected an integer person id, found {text!r}").format(col=col, text=text),
                        )
                    ) from None
                if not 0 <= x < n:
                    raise InputFileError(
                        located(
                            f,
                            no,
                            None,
                            _(
                                "column {col}: expected a person id from 0 to {value} (market.size is {n}), found {x}"
                            ).format(col=col, value=n - 1, n=n, x=x),
                        )
                    )
                ids.append(x)
            us.append(ids[0])
            vs.append(ids[1])
    return np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64)


def _fast(path: Path, header: bool, sep: str) -> tuple[np.ndarray, np.ndarray] | None:
    """pandas' C parser; None if it cannot read the file cleanly (then :func:`_scan`)."""
    import pandas as pd

    try:
        df = pd.read_csv(
            path,
            sep=sep,
            header=0 if header else None,
            usecols=[0, 1],
            dtype=np.int64,
            comment="#",
            skip_blank_lines=True,
            engine="c",
            encoding="utf-8-sig",
        )
    except Exception:  # any parse problem: let the line scanner find and name it
        return None
    if df.shape[1] < 2 or df.isna().to_numpy().any():
        return None
    return df.iloc[:, 0].to_numpy(np.int64), df.iloc[:, 1].to_numpy(np.int64)


def read_edge_list(path: str | Path, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Read an edge-list CSV for a market of ``n`` people.

    Returns:
        ``(u, v)`` int64 arrays of edge endpoints as written (self-loops and repeats
        still present; :func:`growthsim.graph.core.csr_from_edges` removes them).

    Raises:
        InputFileError: missing/unreadable file, empty file, a line with fewer than two
            columns, a non-integer id, or an id outside ``0..n-1``.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError(
            located(
                str(p),
                None,
                _FIELD,
                _("edge-list file not found: expected a CSV file with two person-id columns"),
            )
        )
    from growthsim.inputs import MAX_EDGE_LIST_BYTES, check_file

    check_file(p, MAX_EDGE_LIST_BYTES, "edge-list")
    try:
        first_no, first = _first_line(p)
    except OSError as exc:
        raise InputFileError(located(str(p), None, _FIELD, _("cannot read file: {exc}").format(exc=exc))) from None
    if first is None:
        raise InputFileError(located(str(p), None, None, _("empty file: expected rows of two person ids, found none")))
    parts = _fields(first)
    header = len(parts) >= 2 and not _is_number(parts[0]) and not _is_number(parts[1])
    if "," in first:
        sep = ","
    elif "\t" in first:
        sep = "\t"
    elif ";" in first:
        sep = ";"
    else:
        sep = r"\s+"
    got = _fast(p, header, sep)
    if got is not None:
        u, v = got
        if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
            got = None  # out-of-range id: the scanner names the line
    if got is None:
        u, v = _scan(p, n, header)
    if u.size == 0:
        raise InputFileError(
            located(
                str(p),
                first_no if header else None,
                None,
                _("no edges: expected rows of two person ids after the header, found none"),
            )
        )
    return u, v
