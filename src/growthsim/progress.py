"""Progress people can see: a tqdm bar on a terminal, periodic log lines otherwise.

When standard error is not a terminal (CI logs, ``nohup``, a pipe) a bar would be
invisible or garbled, so progress is written as plain lines, at most one every
``interval`` seconds plus the last one: ``growthsim: runs 12/40 (30%), 3.1 s``.
Steps of the report (each chart, the page) are announced the same way by :func:`step`.
``set_enabled(False)`` (``--quiet``) silences both.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from growthsim.i18n import _

_enabled = True
INTERVAL_S = 5.0


def set_enabled(on: bool) -> None:
    global _enabled
    _enabled = bool(on)


def enabled() -> bool:
    return _enabled


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class LogProgress:
    """A tqdm-like counter that prints a line at most every ``interval`` seconds."""

    def __init__(self, total: int, desc: str, stream: TextIO | None = None, interval: float = INTERVAL_S):
        self.total = int(total)
        self.desc = desc
        self.n = 0
        self.stream = stream or sys.stderr
        self.interval = interval
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.printed_n = -1

    def _line(self) -> None:
        pct = f" ({self.n / self.total:.0%})" if self.total else ""
        el = time.perf_counter() - self.t0
        print(
            _("growthsim: {what} {n}/{total}{pct}, {s:.1f} s").format(
                what=self.desc, n=self.n, total=self.total, pct=pct, s=el
            ),
            file=self.stream,
            flush=True,
        )
        self.printed_n = self.n

    def update(self, k: int = 1) -> None:
        self.n += k
        now = time.perf_counter()
        if now - self.last >= self.interval or self.n == self.total:
            self.last = now
            self._line()

    def close(self) -> None:
        if self.printed_n != self.n:
            self._line()


def progress_bar(total: int, desc: str, stream: TextIO | None = None, **tqdm_kw: Any):
    """A bar on a terminal, log lines otherwise; None when progress is off."""
    if not _enabled:
        return None
    stream = stream or sys.stderr
    if _isatty(stream):
        from tqdm import tqdm  # noqa: PLC0415

        return tqdm(total=total, desc=desc, file=stream, mininterval=0.5, leave=False, **tqdm_kw)
    return LogProgress(total, desc, stream)


def step(message: str, stream: TextIO | None = None) -> None:
    """Announce one step of longer work (``growthsim: chart 3/8 ...``)."""
    if _enabled:
        print(f"growthsim: {message}", file=stream or sys.stderr, flush=True)
