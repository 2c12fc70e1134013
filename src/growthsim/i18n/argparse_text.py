"""argparse's own words (usage, option headings, its error messages) in the active
language: argparse looks them up through its module-level ``_`` / ``ngettext``, which
:func:`install` points at growthsim's catalogue. The message ids below are argparse's own
(Python 3.12), listed so that the catalogue tool extracts them."""

from __future__ import annotations

import argparse

from growthsim.i18n import N_, gettext, ngettext

MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unrecognized arguments: %s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("invalid %(type)s value: %(value)r"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
)


def install() -> None:
    """Route argparse's messages through growthsim's catalogue (English stays English)."""
    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
