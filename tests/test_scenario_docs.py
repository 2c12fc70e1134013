"""Writing scenario files without reading the source: the generated field reference is
current, `growthsim schema` prints a JSON Schema the starter plans satisfy, `growthsim init`
writes starter plans that `check` accepts, unknown keys get "did you mean" and the
section's valid keys, errors in Chinese, and `groups.count`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from growthsim.cli import main
from growthsim.scenario import Scenario
from growthsim.scenario.cli import TEMPLATES
from growthsim.scenario.reference import DOCS, field_rows, markdown

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_field_reference_in_docs_is_current(lang):
    path = ROOT / DOCS[lang]
    assert path.is_file(), f"{path} missing: run python -m growthsim.scenario.reference --write"
    assert path.read_text(encoding="utf-8") == markdown(lang), (
        f"{DOCS[lang]} is stale: regenerate with python -m growthsim.scenario.reference --write"
    )


def test_every_field_is_documented_with_a_meaning():
    rows = [r for _path, _text, rs in field_rows(Scenario) for r in rs]
    paths = {r[0] for r in rows}
    for must in (
        "horizon_days",
        "start_date",
        "groups.count",
        "channels.<name>.budget_schedule.<i>.daily_budget",
        "campaigns.<name>.reward",
        "members.churn.base_hazard",
        "market.graph.model",
    ):
        assert must in paths, must
    assert [r[0] for r in rows if not r[5]] == []  # every field says what it means
    md = markdown("en")
    assert "| `groups.target_size` | whole number | people | ≥ 2, ≤ 500 | 150 |" in md
    assert "| `members.churn.base_hazard` | number | share (0–1) | ≥ 0, ≤ 1 | 0.01 |" in md


def test_schema_prints_a_json_schema(capsys):
    assert main(["schema"]) == 0
    sch = json.loads(capsys.readouterr().out)
    assert sch["title"] == "growthsim scenario" and "variants" in sch["properties"]
    assert sch["additionalProperties"] is False and "horizon_days" in sch["properties"]
    lottery = sch["$defs"]["Lottery"]["properties"]["start_day"]
    assert {"type": "string", "format": "date"} in lottery["anyOf"]
    assert main(["schema", "--markdown", "--lang", "zh"]) == 0
    assert capsys.readouterr().out == markdown("zh")


def test_starter_plans_satisfy_the_json_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    from growthsim.scenario.reference import json_schema

    sch = json_schema()
    for name in TEMPLATES:
        for lang in ("en", "zh"):
            path = tmp_path / f"{name}-{lang}.yaml"
            assert main(["init", name, str(path), "--lang", lang]) == 0
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            data = json.loads(json.dumps(data, default=str))  # YAML dates as ISO strings
            jsonschema.validate(data, sch)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("template", list(TEMPLATES))
def test_init_writes_a_commented_plan_that_check_accepts(template, lang, tmp_path, capsys):
    path = tmp_path / "plans" / f"my_{template}.yaml"
    assert main(["init", template, str(path), "--lang", lang]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Starter plan" if lang == "en" else "# 入门方案") and text.count("#") > 8
    assert "../" not in text  # comments cite files inside the repository only
    capsys.readouterr()
    assert main(["check", str(path), "--brief", "--lang", lang]) == 0
    assert (": OK — plan" if lang == "en" else "：通过 — 方案") in capsys.readouterr().out
    # a second init does not overwrite
    assert main(["init", template, str(path)]) == 2
    assert "exists" in capsys.readouterr().err


def test_init_unknown_template_names_the_closest(capsys):
    assert main(["init", "stor", "/nonexistent/x.yaml"]) == 2
    assert "did you mean 'store'?" in capsys.readouterr().err


def test_unknown_keys_name_the_closest_and_the_valid_keys(tmp_path, capsys):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nmembers: {inital: 5}\ncampaigns:\n  lot: {kind: lottery, prise: 3}\n", encoding="utf-8")
    assert main(["check", str(p)]) == 2
    err = capsys.readouterr().err
    assert (
        "bad.yaml:2: members.inital: unknown key 'inital' (did you mean 'initial'?); valid keys here: "
        "initial, initial_seeding, organic_join_prob" in err
    )
    assert "campaigns.lot.prise: unknown key 'prise' (did you mean 'prize'?)" in err
    assert "win_prob, prize" in err  # the lottery's own keys, not another campaign kind's
    assert main(["check", str(p), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "错误" in err and "未知的键“inital”（是不是 'initial'？）" in err and "docs/scenario.zh.md" in err


def test_pydantic_and_loader_messages_in_chinese(tmp_path, capsys):
    p = tmp_path / "bad.yaml"
    p.write_text(
        "name: x\nhorizon_days: -3\nmembers: {initial: abc}\nmarket: {graph: {model: foo}}\n", encoding="utf-8"
    )
    assert main(["check", str(p), "--lang", "zh"]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:2: horizon_days: 应不小于 1；实际为 -3" in err
    assert "members.initial: 应为整数；实际为 'abc'" in err
    assert "'sbm' 或 'edge_list'" in err
    assert main(["check", str(tmp_path / "none.yaml"), "--lang", "zh"]) == 2
    assert "none.yaml: 找不到 YAML 文件" in capsys.readouterr().err


def test_groups_count_asks_for_n_groups():
    s = Scenario.model_validate({"name": "x", "members": {"initial": 300}, "groups": {"count": 4}})
    assert (s.groups.max_groups, s.groups.target_size) == (4, 75)
    s = Scenario.model_validate({"name": "x", "groups": {"count": 4, "target_size": 100}})
    assert (s.groups.max_groups, s.groups.target_size) == (4, 100)
    with pytest.raises(ValueError, match="disagrees with groups.count"):
        Scenario.model_validate({"name": "x", "groups": {"count": 4, "max_groups": 5}})
    # the resolved plan validates again to the same plan
    assert Scenario.model_validate(s.model_dump(mode="json")) == s
