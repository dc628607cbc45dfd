"""Report formats: text, JSON, GitHub workflow commands and SARIF 2.1.0 (schema-validated)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nbgate.lint import rules
from nbgate.lint.formats import Reported, text_line, to_github, to_json, to_sarif
from nbgate.lint.registry import Finding

SCHEMA = Path(__file__).resolve().parent / "resources" / "sarif-schema-2.1.0.json"

ITEMS = [
    Reported(
        "nb/a b.ipynb",
        "nb/a%20b.ipynb",
        Finding("NBG201", "warning", "no code cell is tagged 'parameters'"),
    ),
    Reported(
        "nb/a b.ipynb", "nb/a%20b.ipynb", Finding("NBG101", "error", "1 output(s) committed", 3), 40
    ),
    Reported("x.ipynb", "x.ipynb", Finding("NBG204", "warning", "100% sure: a,b\nnext", 2, 5), 77),
    Reported("bad.ipynb", "bad.ipynb", Finding("NBG000", "error", "invalid JSON")),
]


def test_text() -> None:
    assert [text_line(item) for item in ITEMS] == [
        "nb/a b.ipynb: NBG201 no code cell is tagged 'parameters'",
        "nb/a b.ipynb:cell 3: NBG101 1 output(s) committed",
        "x.ipynb:cell 2:line 5: NBG204 100% sure: a,b\nnext",
        "bad.ipynb: NBG000 invalid JSON",
    ]


def test_json() -> None:
    data = json.loads(to_json(ITEMS, rules()))
    assert data[2] == {
        "path": "x.ipynb",
        "code": "NBG204",
        "name": "install-in-notebook",
        "severity": "warning",
        "message": "100% sure: a,b\nnext",
        "cell": 2,
        "line": 5,
    }
    assert [d["code"] for d in data] == ["NBG201", "NBG101", "NBG204", "NBG000"]
    assert json.loads(to_json([], rules())) == []


def test_github_annotations_escape_data_and_properties() -> None:
    assert to_github(ITEMS, rules()).splitlines() == [
        "::warning file=nb/a b.ipynb,line=1,title=NBG201 no-parameters-cell::no code cell is tagged 'parameters'",
        "::error file=nb/a b.ipynb,line=40,title=NBG101 outputs-committed::1 output(s) committed (cell 3)",
        "::warning file=x.ipynb,line=77,title=NBG204 install-in-notebook::100%25 sure: a,b%0Anext (cell 2, line 5)",
        "::error file=bad.ipynb,line=1,title=NBG000 unreadable::invalid JSON",
    ]
    weird = Reported("a,b:c.ipynb", "", Finding("NBG201", "warning", "m"))
    assert to_github([weird], rules()).startswith("::warning file=a%2Cb%3Ac.ipynb,line=1,")


def sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize("items", [ITEMS, []])
def test_sarif_is_valid_against_the_official_schema(items: list[Reported]) -> None:
    log = json.loads(to_sarif(items, rules(), version="1.2.3", root_uri="file:///repo/"))
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert errors == []
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["tool"]["driver"]["name"] == "nbgate" and run["tool"]["driver"]["version"] == "1.2.3"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(rules())
    assert len(run["results"]) == len(items)


def test_sarif_results_carry_rule_metadata_and_locations() -> None:
    log = json.loads(to_sarif(ITEMS, rules(), version="0", root_uri="file:///repo/"))
    run = log["runs"][0]
    descriptors = run["tool"]["driver"]["rules"]
    first, second, third, _ = run["results"]
    assert descriptors[second["ruleIndex"]]["id"] == "NBG101"
    assert descriptors[second["ruleIndex"]]["defaultConfiguration"] == {"level": "error"}
    assert descriptors[second["ruleIndex"]]["properties"]["tags"] == ["notebook", "hygiene"]
    assert second["level"] == "error" and first["level"] == "warning"
    location = second["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "nb/a%20b.ipynb", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 40},
    }
    assert second["message"]["text"] == "1 output(s) committed (cell 3)"
    assert third["properties"] == {"cell": 2, "cellLine": 5}
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///repo/"}}


def test_a_broken_sarif_log_fails_the_schema() -> None:
    """The schema check is real: it rejects what SARIF forbids."""
    log = json.loads(to_sarif(ITEMS, rules(), version="0", root_uri=None))
    assert list(sarif_validator().iter_errors(log)) == []
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert len(list(sarif_validator().iter_errors(log))) == 2
