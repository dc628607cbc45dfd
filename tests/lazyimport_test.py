"""``nbgate.lazyimport``: nbformat without building rfc3987_syntax's grammar, and no behaviour lost."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")
pytestmark = pytest.mark.usefixtures("fast_paths_on")  # these tests are about the stand-in itself

PRELUDE = "import sys\nfrom nbgate import lazyimport\nlazyimport.import_module('nbformat')\n"


def _python(code: str) -> None:
    subprocess.run([sys.executable, "-c", PRELUDE + code], check=True)


def test_the_grammar_is_not_built_by_the_import() -> None:
    _python(
        "assert 'jsonschema' in sys.modules and 'nbformat' in sys.modules\n"
        "assert not hasattr(sys.modules['rfc3987_syntax'], '__file__')  # the stand-in\n"
        "assert 'lark' not in sys.modules\n"
    )


def test_iri_formats_still_check_and_then_use_the_real_package() -> None:
    _python(
        "import jsonschema\n"
        "checker = jsonschema.FormatChecker()\n"
        "assert 'iri' in checker.checkers and 'iri-reference' in checker.checkers\n"
        "assert checker.conforms('http://example.com/\\u00e4', 'iri')\n"
        "assert not checker.conforms('http://exa mple.com/ bad', 'iri')\n"
        "real = sys.modules['rfc3987_syntax']\n"
        "assert getattr(real, '__file__', None), real\n"
    )


def test_a_later_import_sees_the_real_package() -> None:
    _python(
        "import rfc3987_syntax\n"
        "assert rfc3987_syntax.is_valid_syntax('iri', 'http://example.com/')\n"
        "assert callable(rfc3987_syntax.make_syntax_validator)\n"
        "import rfc3987_syntax as again\n"
        "assert again.__file__.endswith('__init__.py')\n"
    )


def test_the_stand_in_forwards_every_attribute() -> None:
    _python(
        "stand_in = sys.modules['rfc3987_syntax']\n"
        "assert stand_in.is_valid_syntax_iri('http://example.com/')\n"
        "assert getattr(sys.modules['rfc3987_syntax'], '__file__', None)\n"
        "assert sys.modules['rfc3987_syntax'] is not stand_in\n"
    )


def test_nothing_is_done_once_jsonschema_is_loaded() -> None:
    code = (
        "import sys, jsonschema\nfrom nbgate import lazyimport\n"
        "lazyimport.import_module('nbformat')\n"
        "assert getattr(sys.modules['rfc3987_syntax'], '__file__', None)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
