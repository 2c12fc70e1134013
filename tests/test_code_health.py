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
