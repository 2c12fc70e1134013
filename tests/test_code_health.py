"""Structure checks: no silent import fallbacks, one implementation per concept."""

from __future__ import annotations

import pytest

from growthsim import cli


def test_a_missing_command_module_is_an_error_not_a_silently_missing_command(monkeypatch):
    monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "growthsim.no_such_commands"))
    with pytest.raises(ModuleNotFoundError, match="no_such_commands"):
        cli.build_parser()


def test_every_command_group_registers():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"run", "check", "compare", "report", "sweep", "sensitivity", "calibrate", "forecast"} <= set(sub.choices)


def test_status_source_and_role_codes_have_one_definition():
    from growthsim import vocab
    from growthsim.kernels import daily
    from growthsim.model import levers
    from growthsim.reference import model as reference

    for name in (
        "OUTSIDER",
        "MEMBER",
        "DORMANT",
        "CHURNED",
        "SRC_INITIAL",
        "SRC_ORGANIC",
        "SRC_REFERRAL",
        "SRC_REPLAY",
        "SRC_CHANNEL0",
    ):
        assert getattr(daily, name) == getattr(vocab, name)
    assert levers.MEMBER is vocab.MEMBER and reference.OUTSIDER is vocab.OUTSIDER
    assert len(set(vocab.STATUS_NAMES)) == 4 and vocab.SRC_CHANNEL0 > max(vocab.SOURCE_NAMES)
    assert vocab.source_names(["ads", "wechat"]) == {
        -1: "",
        0: "initial",
        1: "organic",
        2: "referral",
        3: "replay",
        4: "channel:ads",
        5: "channel:wechat",
    }


def test_the_version_is_written_once_and_installed_metadata_agrees():
    import importlib.metadata
    import tomllib
    from pathlib import Path

    import growthsim

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert importlib.metadata.version("growthsim") == growthsim.__version__
