"""The Action's ``NBGATE_INPUT_*`` variables under ``nbgate ci``'s flags."""

from __future__ import annotations

import pytest

from nbgate.ci.inputs import Inputs, flag, resolve
from nbgate.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        (" Yes ", True),
        ("1", True),
        ("on", True),
        ("false", False),
        ("", False),
        ("0", False),
        ("OFF", False),
    ],
)
def test_flag(text: str, expected: bool) -> None:
    assert flag(text, "smoke") is expected


def test_a_flag_that_is_neither_is_a_usage_error_naming_the_input() -> None:
    with pytest.raises(UsageError, match="smoke = 'maybe' is not true or false"):
        flag("maybe", "smoke")


def test_inputs_fill_in_what_no_flag_gave() -> None:
    env = {
        "NBGATE_INPUT_BASE_REF": "main",
        "NBGATE_INPUT_PATHS": "nb 'my folder'",
        "NBGATE_INPUT_SMOKE": "false",
        "NBGATE_INPUT_PYTEST_ARGS": "-n 2 -k 'a or b'",
        "NBGATE_INPUT_FAIL_ON": "warning",
    }
    assert resolve(env) == Inputs(
        "main", ("nb", "my folder"), False, ("-n", "2", "-k", "a or b"), "warning"
    )


def test_flags_win_over_inputs() -> None:
    env = {
        "NBGATE_INPUT_BASE_REF": "main",
        "NBGATE_INPUT_PATHS": "nb",
        "NBGATE_INPUT_SMOKE": "true",
        "NBGATE_INPUT_PYTEST_ARGS": "-n 2",
        "NBGATE_INPUT_FAIL_ON": "warning",
    }
    given = resolve(
        env, base="dev", paths=["other"], no_smoke=True, pytest_args="", fail_on="error"
    )
    assert given == Inputs("dev", ("other",), False, (), "error")


def test_defaults_without_flags_or_inputs() -> None:
    assert resolve({}) == Inputs(None, (), True, (), "error")
