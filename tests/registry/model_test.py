from __future__ import annotations

import dataclasses

import pytest

from nbgate.errors import RegistryError
from nbgate.registry import model
from testing.registry import revision


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("daily", True),
        ("a", True),
        ("0", True),
        ("daily-report_2", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("", False),
        ("Daily", False),
        ("-daily", False),
        ("_daily", False),
        ("..", False),
        (".", False),
        ("../etc", False),
        ("a/b", False),
        ("/abs", False),
        ("a.b", False),
        ("daily\n", False),
        ("dai ly", False),
        ("dé", False),
        ("a\\b", False),
    ],
)
def test_names(name: str, valid: bool) -> None:
    assert model.is_name(name) is valid
    if valid:
        assert model.check_name(name) == name
    else:
        with pytest.raises(RegistryError, match="invalid schedule name"):
            model.check_name(name)


@pytest.mark.parametrize(
    ("expression", "valid"),
    [
        ("0 6 * * 1-5", True),
        ("*/15 * * * *", True),
        ("0 0 1 jan,jul *", True),
        ("30 2 * * mon-fri", True),
        ("0 0 * * 7", True),
        ("0-59/5 0-23 1-31 1-12 0-6", True),
        ("5,10,15 * * * SUN", True),
        ("* * * *", False),
        ("* * * * * *", False),
        ("@daily", False),
        ("60 * * * *", False),
        ("* 24 * * *", False),
        ("* * 0 * *", False),
        ("* * * 13 *", False),
        ("* * * * 8", False),
        ("*/0 * * * *", False),
        ("5-1 * * * *", False),
        ("mon * * * *", False),
        ("? * * * *", False),
        ("0 6 * * 1-5 ", True),
        ("0  6 * * *", False),
        ("L * * * *", False),
        ("", False),
    ],
)
def test_cron(expression: str, valid: bool) -> None:
    assert (model.cron_error(expression) is None) is valid
    if not valid:
        with pytest.raises(RegistryError, match="cron schedule"):
            model.check_cron(expression)


@pytest.mark.parametrize(
    ("zone", "valid"),
    [
        ("UTC", True),
        ("Europe/Berlin", True),
        ("America/Argentina/Buenos_Aires", True),
        ("Mars/Olympus", False),
        ("localtime", False),
        ("../../etc/passwd", False),
        ("", False),
        ("utc", False),
    ],
)
def test_timezones(zone: str, valid: bool) -> None:
    assert (model.timezone_error(zone) is None) is valid


def test_round_trip_and_state() -> None:
    original = revision()
    data = model.dumps(original)
    assert model.loads(data, "x.yaml") == original
    assert original.state == "active"
    assert dataclasses.replace(original, action="pause").state == "paused"
    assert dataclasses.replace(original, action="retire").state == "retired"
    assert original.filename == "0001.yaml"
    assert model.filename(12345) == "12345.yaml"


def test_unusual_values_round_trip() -> None:
    original = revision(
        parameters={
            "on": "yes",
            "when": "2024-01-01",
            "big": 2**70,
            "ratio": 1e-9,
            "nested": {"k": [1, "two", None]},
            "text": "a\nb\u2028c",
        },
        owners=("Zoë <z@example.com>",),
    )
    assert model.loads(model.dumps(original), "x.yaml") == original


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name: [unclosed\n", "not valid YAML"),
        (b"name: \xff\n", "not valid YAML"),
        (b"- a list\n", "does not match the revision schema"),
        (b"name: daily\n", "does not match the revision schema"),
        (b"", "does not match the revision schema"),
        (b"a: &a [*a, *a]\n", "not valid YAML: YAML anchors and aliases"),
    ],
)
def test_bad_files(data: bytes, message: str) -> None:
    with pytest.raises(RegistryError, match=f"^registry/daily/0001.yaml: {message}"):
        model.loads(data, "registry/daily/0001.yaml")


@pytest.mark.parametrize(
    ("field", "value", "where"),
    [
        ("rev", 0, "rev"),
        ("action", "delete", "action"),
        ("source_sha256", "abc", "source_sha256"),
        ("commit", "HEAD", "commit"),
        ("schedule", "daily", "schedule"),
        ("notebook", "../x.ipynb", "notebook"),
        ("notebook", "/abs/x.ipynb", "notebook"),
        ("notebook", "x.py", "notebook"),
        ("name", "Bad", "name"),
        ("promoted_at", "yesterday", "promoted_at"),
        ("previous_sha256", "x", "previous_sha256"),
    ],
)
def test_schema_rejects(field: str, value: object, where: str) -> None:
    data = revision().to_dict()
    data[field] = value
    text = model.yamlio.dumps(data)
    with pytest.raises(RegistryError, match=f"does not match the revision schema: {where}"):
        model.loads(text, "f.yaml")


def test_schema_rejects_unknown_keys_and_bad_execution() -> None:
    data = revision().to_dict()
    data["extra"] = 1
    with pytest.raises(RegistryError, match="must not contain"):
        model.loads(model.yamlio.dumps(data), "f.yaml")
    data = revision().to_dict()
    data["execution"]["retries"] = -1
    with pytest.raises(RegistryError, match=r"execution.retries"):
        model.loads(model.yamlio.dumps(data), "f.yaml")


def test_oversized_file_is_refused_before_parsing() -> None:
    with pytest.raises(RegistryError, match="more than 262144"):
        model.loads(b"x: " + b"a" * model.MAX_BYTES + b"\n", "big.yaml")


def test_dumps_refuses_an_invalid_revision() -> None:
    with pytest.raises(RegistryError, match="schedule"):
        model.dumps(revision(schedule="nope"))


def test_published_schema_is_valid_draft7_and_agrees_with_jsonschema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft7Validator.check_schema(model.schema())
    validator = jsonschema.Draft7Validator(model.schema())
    good = revision().to_dict()
    assert list(validator.iter_errors(good)) == [] and model.schema_errors(good) is None
    for field, value in [
        ("rev", 0),
        ("notebook", "../x.ipynb"),
        ("previous_sha256", "x"),
        ("owners", "a"),
        ("execution", {"timeout": 1}),
        ("commit", None),
        ("extra", 1),
    ]:
        bad = dict(good, **{field: value})
        assert list(validator.iter_errors(bad)) and model.schema_errors(bad), field
