"""``growthsim schema`` (the JSON Schema of scenario files, or the field reference as
Markdown) and ``growthsim init [TEMPLATE] [PATH]`` (a commented starter plan)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from growthsim.errors import UserError
from growthsim.i18n import N_, _

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATES: dict[str, str] = {
    "brand": N_("a consumer brand's groups: owner and part-time admins, invite reward, monthly lecture"),
    "store": N_("a neighbourhood store: walk-in QR code with a gift, weekly lotteries, a 618 flash sale"),
    "school": N_("a training school's parent groups: a free lecture each month, then a course package"),
    "interest": N_("an interest community: word of mouth, volunteer admins, 7-day check-in"),
}


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "schema",
        help=_("print the JSON Schema of scenario files (or the field reference)"),
        description=_(
            "Print the JSON Schema of scenario files, for editors' YAML language "
            "servers (e.g. '# yaml-language-server: $schema=scenario.schema.json'); with "
            "--markdown the field reference (docs/scenario.md) instead."
        ),
    )
    s.add_argument("--markdown", action="store_true", help=_("the field reference as Markdown"))
    s.set_defaults(func=cmd_schema)

    i = sub.add_parser(
        "init",
        help=_("write a commented starter scenario file"),
        description=_("Write a commented starter plan that 'growthsim check' accepts. Templates: {list}").format(
            list="; ".join(f"{k}: {_(v)}" for k, v in TEMPLATES.items())
        ),
    )
    i.add_argument("template", nargs="?", default="brand", help=_("brand, store, school or interest (default: brand)"))
    i.add_argument("path", nargs="?", help=_("file to write (default: TEMPLATE.yaml here)"))
    i.add_argument("--force", action="store_true", help=_("overwrite an existing file"))
    i.add_argument("--list", action="store_true", help=_("list the templates and exit"))
    i.set_defaults(func=cmd_init)


def cmd_schema(args: argparse.Namespace) -> int:
    from growthsim.i18n import get_language  # noqa: PLC0415
    from growthsim.scenario.reference import json_schema, markdown  # noqa: PLC0415

    if args.markdown:
        sys.stdout.write(markdown(get_language()))
    else:
        sys.stdout.write(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n")
    return 0


def template_text(name: str) -> str:
    if name not in TEMPLATES:
        import difflib  # noqa: PLC0415

        close = difflib.get_close_matches(name, list(TEMPLATES), n=1)
        hint = _(" (did you mean '{name}'?)").format(name=close[0]) if close else ""
        raise UserError(
            _("no template '{name}'{hint}; expected one of: {names}").format(
                name=name, hint=hint, names=", ".join(TEMPLATES)
            )
        )
    from growthsim.i18n import get_language  # noqa: PLC0415

    folder = TEMPLATES_DIR / "zh" if get_language() == "zh" else TEMPLATES_DIR
    return (folder / f"{name}.yaml").read_text(encoding="utf-8")


def cmd_init(args: argparse.Namespace) -> int:
    if args.list:
        for k, v in TEMPLATES.items():
            print(f"{k:<9} {_(v)}")
        return 0
    text = template_text(args.template)
    path = Path(args.path) if args.path else Path(f"{args.template}.yaml")
    if path.is_dir():
        path = path / f"{args.template}.yaml"
    if path.exists() and not args.force:
        raise UserError(_("{path} exists; choose another path or add --force").format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    from growthsim.scenario.loader import ScenarioFile  # noqa: PLC0415

    ScenarioFile(path)  # the starter plan is valid as written
    print(
        _("wrote {path} ({what}); next: growthsim check {path}, then growthsim run {path} --all-variants").format(
            path=path, what=_(TEMPLATES[args.template])
        )
    )
    return 0
