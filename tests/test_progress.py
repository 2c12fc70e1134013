"""Progress when standard error is not a terminal: periodic plain lines (no bar), the
last count always printed, report steps announced; --quiet silences them."""

from __future__ import annotations

import io

import pytest

from growthsim import progress


@pytest.fixture(autouse=True)
def _progress_on():
    progress.set_enabled(True)
    yield
    progress.set_enabled(True)


def test_log_lines_when_not_a_terminal(monkeypatch):
    stream = io.StringIO()
    clock = iter([0.0, 1.0, 6.0, 6.0, 7.0, 8.0, 8.0])  # start, then each update (and each line)
    monkeypatch.setattr(progress.time, "perf_counter", lambda: next(clock))
    bar = progress.progress_bar(4, "runs", stream=stream)
    assert isinstance(bar, progress.LogProgress)
    for _ in range(4):
        bar.update(1)
    bar.close()
    lines = stream.getvalue().splitlines()
    # one line after >= 5 s (2/4 at t=6), one at the end (4/4); none for 1/4 and 3/4
    assert [ln.split(",")[0] for ln in lines] == ["growthsim: runs 2/4 (50%)", "growthsim: runs 4/4 (100%)"]


def test_steps_and_quiet():
    stream = io.StringIO()
    progress.step("chart 1/8: members", stream=stream)
    progress.set_enabled(False)
    try:
        progress.step("hidden", stream=stream)
        assert progress.progress_bar(3, "runs", stream=stream) is None
    finally:
        progress.set_enabled(True)
    assert stream.getvalue() == "growthsim: chart 1/8: members\n"


def test_a_terminal_gets_a_bar():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    bar = progress.progress_bar(3, "runs", stream=Tty())
    assert type(bar).__name__ == "tqdm"
    bar.close()
