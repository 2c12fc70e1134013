"""User-facing errors.

Every mistake a user can make in an input file or on the command line raises a
:class:`UserError` (or a subclass). The CLI prints its message — which names the
file, the line where known, the dotted field path, what was expected and what was
found — and exits with status 2, never with a traceback.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in user input; the message is meant to be shown as is."""

    exit_code = 2


class ScenarioError(UserError):
    """A scenario file that cannot be read or does not validate."""


class InputFileError(UserError):
    """A data file (history CSV, edge list, experiment file) that cannot be used."""


def located(file: str | None, line: int | None, path: str | None, message: str) -> str:
    """Format ``file:line: path: message`` leaving out the parts that are unknown."""
    where = ""
    if file:
        where = str(file)
        if line is not None:
            where += f":{line}"
    parts = [p for p in (where, path) if p]
    return ": ".join(parts + [message])
