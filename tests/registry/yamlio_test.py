from __future__ import annotations

import random

import pytest
import yaml

from nbgate.registry import yamlio

TRICKY_STRINGS = [
    "",
    " ",
    "plain",
    "Jane Doe <jane@example.com>",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "N",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "0",
    "007",
    "0x1F",
    "0b101",
    "0o17",
    "1_000",
    "1:30",
    "12:30:00",
    "1e5",
    "1.5",
    ".inf",
    "-.inf",
    ".nan",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "a: b",
    "a:b",
    "a #b",
    "#c",
    "- x",
    "[x]",
    "{x}",
    "*x",
    "&x",
    "!x",
    "%x",
    "@x",
    "`x",
    "'x",
    '"x',
    "|",
    ">",
    "?",
    "x\ny",
    "trailing ",
    " leading",
    "two  spaces",
    "tab\there",
    "\x85",
    "nel\x85x",
    "ls\u2028x",
    "\ufeffbom",
    "del\x7f",
    "ctl\x01",
    "ünïcødé",
    "emoji 😀",
    "=",
    "<<",
    "a=b",
    "s3://bucket/{name}/{date}.ipynb",
    "0 6 * * 1-5",
    "a\\b",
    'q"q',
    "a,b",
    "x" * 2000,
    "e",
    "E1",
    "inf",
    "nan",
    "NaN",
    "_",
    "-",
    "--",
    "...",
    "---",
]
TRICKY_KEYS = ["a", "on", "Yes", "null", "_x", "with space", "1", "ünï", "k" * 1500, "a:b", "-"]
NUMBERS = [
    0,
    -1,
    7,
    2**63,
    -(2**70),
    0.0,
    -0.0,
    1.5,
    1e16,
    1e-7,
    5e-324,
    1.7976931348623157e308,
    3600.0,
    float("inf"),
    float("-inf"),
    True,
    False,
    None,
]


def _random_value(rng: random.Random, depth: int) -> object:
    kind = rng.random()
    if depth > 2 or kind < 0.5:
        return rng.choice(TRICKY_STRINGS + NUMBERS)
    if kind < 0.75:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {
        rng.choice(TRICKY_KEYS): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))
    }


@pytest.mark.parametrize(
    "value", TRICKY_STRINGS + NUMBERS + [[], {}, [1, "a", None], {"k": [1, {"x": "y"}]}]
)
def test_pyyaml_reads_back_every_value(value: object) -> None:
    for key in ("value", "on", "with space"):
        document = {key: value, "nested": {key: value}}
        data = yamlio.dumps(document)
        assert yaml.load(data, Loader=yaml.SafeLoader) == document
        assert yaml.load(data, Loader=yaml.CSafeLoader) == document
        assert yamlio.loads(data) == document


def test_random_documents_round_trip_and_agree_with_pyyaml() -> None:
    rng = random.Random(1234)
    for _ in range(400):
        document = {
            rng.choice(TRICKY_KEYS): _random_value(rng, 0) for _ in range(rng.randint(1, 5))
        }
        data = yamlio.dumps(document)
        assert yaml.load(data, Loader=yaml.CSafeLoader) == document, data
        assert yamlio.loads(data) == document
        fast = yamlio._fast(data)
        assert fast is None or fast == document


def test_fast_path_result_always_agrees_with_pyyaml_on_mutated_files() -> None:
    rng = random.Random(99)
    base = yamlio.dumps(
        {"name": "daily", "rev": 2, "nested": {"a": 1.5, "b": ["x", 2]}, "s": "0 6 * * *"}
    )
    alphabet = b" :#\"'-[]{},\n0aZ.\\"
    agreed = 0
    for _ in range(6000):
        data = bytearray(base)
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] = rng.choice(alphabet)
        try:
            expected = yaml.load(bytes(data), Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            expected = "error"
        fast = yamlio._fast(bytes(data))
        if fast is not None:
            assert yamlio.dumps(fast) == bytes(data), bytes(data)
            assert fast == expected, bytes(data)
            agreed += 1
    assert agreed > 0  # some mutations (e.g. of a letter in a value) stay canonical


def test_canonical_layout_is_readable() -> None:
    data = yamlio.dumps(
        {
            "name": "daily",
            "schedule": "0 6 * * 1-5",
            "params": {"on": True, "n": 1e16},
            "owners": ["a@example.com"],
            "empty": {},
        }
    )
    assert data.decode() == (
        'name: daily\nschedule: "0 6 * * 1-5"\nparams:\n  "on": true\n  "n": 1.0e+16\n'
        'owners: ["a@example.com"]\nempty: {}\n'
    )


def test_hand_edited_files_go_through_pyyaml() -> None:
    assert yamlio.loads(b"# a comment\nname: daily\nrev: 1\n") == {"name": "daily", "rev": 1}
    assert yamlio.loads(b"name: 'daily'\nlist:\n- 1\n- 2\n") == {"name": "daily", "list": [1, 2]}
    with pytest.raises(yaml.YAMLError):
        yamlio.loads(b"name: [unclosed\n")


@pytest.mark.parametrize(
    "data",
    [
        b"a: &x [1, 2]\nb: *x\n",
        b"a: &x [*x]\n",
        b"l0: &l0 [1, 1]\nl1: &l1 [*l0, *l0, *l0]\nl2: &l2 [*l1, *l1, *l1]\nl3: [*l2, *l2]\n",
    ],
)
def test_aliases_are_refused(data: bytes) -> None:
    with pytest.raises(yamlio.AliasError):
        yamlio.loads(data)
    assert yamlio.loads(b"a: &x 1\nb: *x\n") == {"a": 1, "b": 1}  # a scalar alias is harmless
