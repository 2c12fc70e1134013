"""``growthsim.io.atomic_write_bytes``: the one writer every output file goes through."""

from __future__ import annotations

import os
import stat

import pytest

from growthsim import io as gio


def test_atomic_write_creates_folder_gives_the_usual_mode_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "new" / "out.bin"
    old = os.umask(0o027)
    try:
        gio.atomic_write_bytes(target, b"abc")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"abc"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # 0o666 less the umask, not 0o600
    assert [p.name for p in target.parent.iterdir()] == ["out.bin"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    gio.atomic_write_text(target, "old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(gio.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        gio.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_report_and_sweep_writers_are_the_io_writer():
    import importlib

    sweep = importlib.import_module("growthsim.experiments.sweep")
    sensitivity = importlib.import_module("growthsim.experiments.sensitivity")
    build = importlib.import_module("growthsim.report.build")
    charts = importlib.import_module("growthsim.report.charts")
    assert sweep.atomic_write_bytes is gio.atomic_write_bytes
    assert sensitivity.atomic_write_bytes is gio.atomic_write_bytes
    assert charts.atomic_write_png is gio.atomic_write_png  # PNGs: rendered, then atomic_write_bytes
    assert sensitivity.atomic_write_png is gio.atomic_write_png
    assert build.atomic_write_text is gio.atomic_write_text


def test_json_safe_is_the_one_json_cleaner():
    import importlib
    import math

    import numpy as np

    doc = {1: np.float32(0.5), "a": [np.int64(3), float("nan"), (np.bool_(True), math.inf)], "b": np.arange(3)}
    assert gio.json_safe(doc) == {"1": 0.5, "a": [3, None, [True, None]], "b": [0, 1, 2]}
    assert importlib.import_module("growthsim.report.build").json_safe is gio.json_safe


def test_png_writer_renders_and_writes_through_the_atomic_writer(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    seen = []
    real = gio.atomic_write_bytes
    monkeypatch.setattr(gio, "atomic_write_bytes", lambda p, data: (seen.append(p), real(p, data))[1])
    fig = Figure()
    fig.subplots().plot([0, 1])
    out = gio.atomic_write_png(tmp_path / "a.png", fig, dpi=50)
    assert seen == [tmp_path / "a.png"] and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
