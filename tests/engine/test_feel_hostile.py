"""Hostile FEEL: Python escapes, huge numbers, deep nesting. Each must fail with a FeelError and run nothing.

Speed is proven without timings: the slow cases run in a subprocess that must finish within a
generous timeout (a hang fails the test), and the rest rely on the test run finishing at all.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from engine import feel
from engine.feel import (
    MAX_STRING_LENGTH,
    MAX_TEXT_LENGTH,
    FeelError,
    FeelEvaluationError,
    FeelSyntaxError,
    compile_expression,
    compile_unary_tests,
    evaluate,
)

PWNED = Path("/tmp/pwned")
REPO = Path(__file__).parents[2]


class Spy:
    """A context value that records any attribute access or call made on it."""

    touched: list[str] = []

    def __getattribute__(self, name):
        Spy.touched.append(name)
        return object.__getattribute__(self, name)

    def __call__(self, *args, **kwargs):
        Spy.touched.append("__call__")
        return "called"


@pytest.fixture(autouse=True)
def no_pwned_file():
    if PWNED.exists():
        PWNED.unlink()
    yield
    assert not PWNED.exists(), "a hostile expression ran code"


PYTHON_ESCAPES = [
    "__import__('os').system('touch /tmp/pwned')",
    '__import__("os").system("touch /tmp/pwned")',
    '__import__("os")',
    "().__class__.__base__",
    "().__class__.__base__.__subclasses__()",
    "x.__class__.__base__.__subclasses__()",
    '"{0.__class__}".format(x)',
    '"{0.__class__}".format',
    "lambda: 1",
    "lambda x: x",
    "[x for x in y]",
    "[x for x in range(10**9)]",
    "import os",
    "from os import system",
    'f"{x}"',
    "`id`",
    "exec(\"open('/tmp/pwned', 'w')\")",
    'eval("1")',
    'open("/tmp/pwned", "w")',
    "globals()",
    "x.__dict__",
    "x[0]",
    "y.pop()",
    "x; import os",
    "x if True else y",
    '"a" * 1000000000',
    "[1] * 1000000000",
    "x.__class__",
    'getattr(x, "__class__")',
]


@pytest.mark.parametrize("text", PYTHON_ESCAPES)
def test_python_syntax_is_never_run(text):
    Spy.touched.clear()
    context = {"x": Spy(), "y": [1], "os": {"system": "no"}}
    with pytest.raises(FeelError) as caught:
        evaluate(text, context)
    assert isinstance(caught.value, FeelSyntaxError | FeelEvaluationError)
    assert Spy.touched == []


@pytest.mark.parametrize("text", ['__import__("os")', 'open("/tmp/pwned", "w")', 'eval("1")', "globals()"])
def test_python_builtins_are_unknown_functions(text):
    with pytest.raises(FeelEvaluationError, match="unknown function"):
        evaluate(text, {})


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('touch /tmp/pwned')",
        '"{0.__class__}".format(x)',
        "[x for x in y]",
        'not(__import__("os"))',
        "lambda x: x",
        "`id`",
    ],
)
def test_python_syntax_in_unary_tests_is_rejected(text):
    with pytest.raises(FeelError):
        compile_unary_tests(text).matches("a", {"x": Spy(), "y": []})


def test_context_values_are_never_called_or_inspected():
    Spy.touched.clear()
    spy = Spy()
    assert evaluate("x", {"x": spy}) is spy
    assert evaluate("x = null", {"x": spy}) is False
    with pytest.raises(FeelEvaluationError, match="unknown function"):
        evaluate("x()", {"x": spy})
    with pytest.raises(FeelEvaluationError):
        evaluate("x.__class__", {"x": spy})
    with pytest.raises(FeelEvaluationError):
        evaluate("x + 1", {"x": spy})
    assert Spy.touched == []


def test_dictionary_keys_are_data_not_attributes():
    assert evaluate("d.__class__", {"d": {}}) is None
    assert evaluate("d.keys", {"d": {"keys": "data"}}) == "data"


# ----------------------------------------------------------------------------- sizes and limits


def test_long_text_is_rejected():
    with pytest.raises(FeelSyntaxError, match="at most 10000"):
        compile_expression("1" + " " * MAX_TEXT_LENGTH)
    with pytest.raises(FeelSyntaxError, match="at most 10000"):
        compile_unary_tests('"' + "a" * MAX_TEXT_LENGTH + '"')


def test_text_at_the_limit_is_accepted():
    text = "1" + " " * (MAX_TEXT_LENGTH - 1)
    assert evaluate(text, {}) == Decimal(1)


NESTED = [
    "(" * 10_000,
    "(" * 5_000 + "1" + ")" * 4_999,
    "(" * 4_999 + "1" + ")" * 4_999,
    "[" * 9_999 + "]" * 1,
    "-" * 9_999 + "1",
    "- (" * 3_000 + "1" + ")" * 3_000,
    "not(" * 2_400 + "true" + ")" * 2_400,
    "f(" * 4_000 + ")" * 4_000,
    "if " * 3_000 + "true then 1 else 2",
    "]" * 9_999,
]


@pytest.mark.parametrize("text", NESTED, ids=lambda text: f"{text[:12]}...{len(text)}")
def test_deep_nesting_is_rejected(text):
    with pytest.raises(FeelSyntaxError):
        compile_expression(text)
    with pytest.raises(FeelSyntaxError):
        compile_unary_tests(text)


@pytest.mark.parametrize(
    "text",
    [
        "(" * 65 + "1" + ")" * 65,
        "[" * 65 + "1" + "]" * 65,
        "-" * 65 + "1",
        "abs(" * 65 + "1" + ")" * 65,
        "if " * 65 + "true" + " then 1 else 2" * 65,
    ],
    ids=["parens", "lists", "minus", "calls", "ifs"],
)
def test_nesting_just_over_the_limit_is_rejected(text):
    with pytest.raises(FeelSyntaxError, match="nested too deeply"):
        compile_expression(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("(" * 60 + "1" + ")" * 60, Decimal(1)),
        ("abs(" * 30 + "-1" + ")" * 30, Decimal(1)),
        ("[" * 60 + "]" * 60, [[[]]]),
    ],
    ids=["parens", "calls", "lists"],
)
def test_reasonable_nesting_is_accepted(text, value):
    result = evaluate(text, {})
    if isinstance(value, list):
        assert isinstance(result, list)
    else:
        assert result == value


def test_long_flat_expressions_do_not_recurse():
    # A chain of thousands of operators is flat, not nested: it must neither hit the recursion
    # limit when compiled nor when evaluated.
    assert evaluate("1" + " + 1" * 2_400, {}) == Decimal(2_401)
    assert evaluate("true" + " and true" * 1_000, {}) is True
    assert len(evaluate("[" + ", ".join(["1"] * 2_000) + "]", {})) == 2_000


EXPONENTS = [
    "9**9**9",
    "9 ** 9 ** 9 ** 9",
    "10 ** 1001",
    "2 ** -1001",
    "2 ** 0.5",
    "(10 ** 1000) ** 1000",
    "(10 ** 1000) ** 7",
    "10 ** -1000 ** 7",
    "0 ** -1",
    "(10**1000) * (10**1000) * (10**1000) * (10**1000) * (10**1000) * (10**1000) * (10**1000)",
]


@pytest.mark.parametrize("text", EXPONENTS)
def test_huge_powers_fail(text):
    with pytest.raises(FeelEvaluationError):
        evaluate(text, {})


def test_power_limits_hold_for_context_values():
    with pytest.raises(FeelEvaluationError, match="exponent"):
        evaluate("a ** b", {"a": 9, "b": 387420489})
    with pytest.raises(FeelEvaluationError):
        evaluate("a * a", {"a": Decimal("9E+6000")})
    with pytest.raises(FeelEvaluationError):
        evaluate("a + 1", {"a": 10**7000})
    assert evaluate("2 ** 1000", {}) == feel.DECIMAL_CONTEXT.power(Decimal(2), 1000)
    assert str(evaluate("2 ** 1000", {})).startswith("1.071508607186267320948425049060002E+301")


def test_huge_number_literal_is_rejected():
    with pytest.raises(FeelSyntaxError, match="too large"):
        compile_expression("1" * 7000)


def test_string_growth_is_bounded():
    half = "a" * (MAX_STRING_LENGTH // 2)
    assert len(evaluate("s + s", {"s": half})) == MAX_STRING_LENGTH
    with pytest.raises(FeelEvaluationError, match="at most"):
        evaluate("s + s + s", {"s": half})


def test_decimal_context_is_local():
    import decimal

    before = decimal.getcontext().copy()
    evaluate("1 / 3 + 2 ** 100", {})
    after = decimal.getcontext()
    assert (after.prec, after.rounding, after.Emax) == (before.prec, before.rounding, before.Emax)
    assert feel.DECIMAL_CONTEXT.prec == 34


SLOW_CASES = {
    "deep_parens": "(" * 10_000,
    "deep_balanced": "(" * 4_999 + "1" + ")" * 4_999,
    "deep_minus": "-" * 9_999 + "1",
    "deep_if": "if " * 3_333,
    "power_tower": "9**9**9",
    "power_overflow": "(10 ** 1000) ** 1000",
    "python_escape": "__import__('os').system('touch /tmp/pwned')",
}

_CHILD = """
import json, sys
from engine.feel import FeelError, compile_expression
results = {}
for name, text in json.loads(sys.argv[1]).items():
    try:
        compile_expression(text).evaluate({})
        results[name] = "no error"
    except FeelError as error:
        results[name] = type(error).__name__
print(json.dumps(results))
"""


def test_hostile_cases_finish_in_a_subprocess():
    # A generous timeout: only a hang (or a crash of the interpreter) fails this test.
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(SLOW_CASES)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    results = json.loads(completed.stdout)
    assert results == {
        "deep_parens": "FeelSyntaxError",
        "deep_balanced": "FeelSyntaxError",
        "deep_minus": "FeelSyntaxError",
        "deep_if": "FeelSyntaxError",
        "power_tower": "FeelEvaluationError",
        "power_overflow": "FeelEvaluationError",
        "python_escape": "FeelSyntaxError",
    }
    assert not PWNED.exists()


def test_the_module_never_uses_python_evaluation():
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(Path(feel.__file__).parent.glob("*.py")))
    forbidden = re.compile(r"(?<![\w.])(eval|exec|compile|getattr|setattr|__import__)\(|importlib|\.format\(")
    assert [line for line in source.splitlines() if forbidden.search(line)] == []
