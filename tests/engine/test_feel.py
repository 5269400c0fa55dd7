"""FEEL expressions and unary tests (engine/feel.py), table by table."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from engine.errors import ClueflowError
from engine.feel import (
    BUILTIN_FUNCTIONS,
    Duration,
    Expression,
    FeelError,
    FeelEvaluationError,
    FeelSyntaxError,
    UnaryTests,
    compile_expression,
    compile_unary_tests,
    evaluate,
)

D = Decimal
CONTEXT = {
    "amount": D("120000"),
    "count": 3,
    "ratio": 0.1,
    "kind": "report",
    "accepted": True,
    "rejected": False,
    "nothing": None,
    "accepted_on": date(2026, 3, 2),
    "terms": {"rate": D("0.05"), "cap": 100000, "inner": {"deep": "yes"}},
    "codes": ["A01", "B02"],
    "amounts": [1, D("2.5"), 3.5],
    "举报人": "张三",
    "due_at": datetime(2026, 3, 2, 8, 0),
}


def ev(text: str, **extra):
    return evaluate(text, {**CONTEXT, **extra})


# ------------------------------------------------------------------------------------ expressions

LITERALS = [
    ("1", D(1)),
    ("-1.5", D("-1.5")),
    ("0.10", D("0.10")),
    ("007", D(7)),
    ('"report"', "report"),
    ('""', ""),
    (r'"say \"hi\""', 'say "hi"'),
    (r'"a\\b"', "a\\b"),
    (r'"line\nbreak"', "line\nbreak"),
    (r'"tab\there"', "tab\there"),
    (r'"\u4e2d\u6587"', "中文"),
    (r'"\ud83d\ude00"', "\U0001f600"),
    ('"中文 text"', "中文 text"),
    ("true", True),
    ("false", False),
    ("null", None),
    ("[1, 2]", [D(1), D(2)]),
    ("[]", []),
    ("[ ]", []),
    ('["a", [true, null]]', ["a", [True, None]]),
    ("  42  // a comment", D(42)),
    ("/* note */ 42", D(42)),
]


@pytest.mark.parametrize(("text", "expected"), LITERALS)
def test_literals(text, expected):
    result = ev(text)
    assert result == expected
    assert type(result) is type(expected)


ARITHMETIC = [
    ("0.1 + 0.2", D("0.3")),
    ("120000 * 0.05", D("6000")),
    ("amount * terms.rate", D("6000")),
    ("1 + 2 * 3", D(7)),
    ("(1 + 2) * 3", D(9)),
    ("10 - 4 - 3", D(3)),
    ("2 * 3 / 4", D("1.5")),
    ("1 / 3", D("0.3333333333333333333333333333333333")),
    ("2 ** 10", D(1024)),
    ("2 ** -1", D("0.5")),
    ("2 ** 3 ** 2", D(512)),
    ("-2 ** 2", D(-4)),
    ("(-2) ** 2", D(4)),
    ("- - 3", D(3)),
    ("-amount", D(-120000)),
    ("5 - -3", D(8)),
    ("count + 1", D(4)),
    ("ratio * 3", D("0.3")),
    ("1 + null", None),
    ("null * 2", None),
    ("-null", None),
    ('"ab" + "cd"', "abcd"),
    ("1.000 + 1", D("2.000")),
    ("99999999999999999999999999999999999 + 1", D("1.000000000000000000000000000000000E+35")),
]


@pytest.mark.parametrize(("text", "expected"), ARITHMETIC)
def test_arithmetic(text, expected):
    result = ev(text)
    assert result == expected
    if expected is not None:
        assert type(result) is type(expected)


def test_decimal_results_keep_exact_digits():
    assert str(ev("0.1 + 0.2")) == "0.3"
    assert str(ev("120000 * 0.05")) == "6000.00"
    assert str(ev("ratio + 0.2")) == "0.3"  # floats in the context are read through str()


COMPARISONS = [
    ("1 = 1.0", True),
    ("1 != 2", True),
    ("1 != 1", False),
    ("2 < 10", True),
    ("10 <= 10", True),
    ("3 > 4", False),
    ("4 >= 4", True),
    ('"a" < "b"', True),
    ('kind = "report"', True),
    ('kind != "report"', False),
    ("count = 3", True),
    ("ratio = 0.1", True),
    ("accepted = true", True),
    ("rejected = true", False),
    ("nothing = null", True),
    ("nothing != null", False),
    ("kind = null", False),
    ("null = null", True),
    ("missing = null", True),
    ("kind != null", True),
    ("1 < null", None),
    ("null >= 1", None),
    ("[1, 2] = [1, 2]", True),
    ('[1, 2] = [1, "2"]', False),
    ("terms = terms", True),
    ('date("2026-01-01") < date("2026-01-02")', True),
    ('date("2026-01-01") = date(2026, 1, 1)', True),
    ('accepted_on >= date("2026-03-02")', True),
    ('accepted_on > date("2026-03-02")', False),
    ("5 between 1 and 10", True),
    ("1 between 1 and 10", True),
    ("10 between 1 and 10", True),
    ("11 between 1 and 10", False),
    ("null between 1 and 10", None),
    ('accepted_on between date("2026-01-01") and date("2026-12-31")', True),
]


@pytest.mark.parametrize(("text", "expected"), COMPARISONS)
def test_comparisons(text, expected):
    assert ev(text) is expected


LOGIC = [
    ("true and true", True),
    ("true and false", False),
    ("false and null", False),
    ("null and false", False),
    ("true and null", None),
    ("null and null", None),
    ("true or false", True),
    ("null or true", True),
    ("false or null", None),
    ("false or false", False),
    ("null or null", None),
    ("not(true)", False),
    ("not(false)", True),
    ("not(null)", None),
    ("not(1 > 2) and accepted", True),
    ("true or false and false", True),
    ("(true or false) and false", False),
    ('amount >= 5000 and kind = "report"', True),
]


@pytest.mark.parametrize(("text", "expected"), LOGIC)
def test_three_valued_logic(text, expected):
    assert ev(text) is expected


CONDITIONALS = [
    ('if accepted then "yes" else "no"', "yes"),
    ('if rejected then "yes" else "no"', "no"),
    ('if nothing then "yes" else "no"', "no"),
    ("if amount > 100000 then amount * 0.05 else amount * 0.1", D("6000.00")),
    ("1 + if accepted then 1 else 2", D(2)),
    ("if false then 1 else if true then 2 else 3", D(2)),
    ("if false then 1 else 2 + 3", D(5)),
]


@pytest.mark.parametrize(("text", "expected"), CONDITIONALS)
def test_if(text, expected):
    assert ev(text) == expected


IN_TESTS = [
    ("3 in (1, 2, 3)", True),
    ("4 in (1, 2, 3)", False),
    ("3 in [1..5]", True),
    ("5 in [1..5)", False),
    ("1 in ]1..5]", False),
    ("3 in [1, 3]", True),
    ("2 in [1, 3]", False),
    ('kind in ("report", "complaint")', True),
    ('kind in ("a", < "s")', True),
    ("3 in < 5", True),
    ("3 in (< 2, > 2)", True),
    ("3 in (< 2, > 4)", False),
    ('"a" in (1, 2)', False),
    ("null in (1, null)", True),
    ("amount in [100000..200000]", True),
    ('accepted_on in [date("2026-01-01")..date("2026-12-31")]', True),
    ("count in codes", False),
    ('"A01" in codes', True),
    ("3 in (3)", True),
    ("3 in (< 5)", True),
]


@pytest.mark.parametrize(("text", "expected"), IN_TESTS)
def test_in(text, expected):
    assert ev(text) is expected


PATHS = [
    ("terms.rate", D("0.05")),
    ("terms.cap", D(100000)),
    ("terms.inner.deep", "yes"),
    ("terms.missing", None),
    ("terms.inner.missing", None),
    ("nothing.anything", None),
    ("missing.anything", None),
    ("accepted_on.year", D(2026)),
    ("accepted_on.month", D(3)),
    ("accepted_on.day", D(2)),
    ("accepted_on.weekday", D(1)),
    ('date("2026-12-31").day', D(31)),
    ("举报人", "张三"),
    ("codes", ["A01", "B02"]),
    ("amounts", [D(1), D("2.5"), D("3.5")]),
]


@pytest.mark.parametrize(("text", "expected"), PATHS)
def test_names_and_paths(text, expected):
    assert ev(text) == expected


def test_names_are_read_from_any_mapping_and_missing_names_are_null():
    from types import MappingProxyType

    assert evaluate("a + 1", MappingProxyType({"a": 1})) == D(2)
    assert evaluate("b", {}) is None


BUILTINS = [
    ('date("2026-01-01")', date(2026, 1, 1)),
    ("date(2026, 2, 28)", date(2026, 2, 28)),
    ("date(accepted_on)", date(2026, 3, 2)),
    ("date(null)", None),
    ("min(3, 1, 2)", D(1)),
    ("max([3, 1, 2])", D(3)),
    ("min([])", None),
    ('max("a", "b")', "b"),
    ('min(date("2026-01-02"), accepted_on)', date(2026, 1, 2)),
    ("max(amounts)", D("3.5")),
    ("abs(-2.5)", D("2.5")),
    ("abs(2)", D(2)),
    ("floor(2.7)", D(2)),
    ("floor(-2.1)", D(-3)),
    ("ceiling(2.1)", D(3)),
    ("ceiling(-2.7)", D(-2)),
    ("floor(2.789, 2)", D("2.78")),
    ("decimal(2.345, 2)", D("2.34")),
    ("decimal(2.355, 2)", D("2.36")),
    ("decimal(2.5, 0)", D(2)),
    ("decimal(3.5, 0)", D(4)),
    ("decimal(-2.5, 0)", D(-2)),
    ("decimal(1/3, 2)", D("0.33")),
    ("round half up(2.345, 2)", D("2.35")),
    ("round half up(2.5, 0)", D(3)),
    ("round half up(-2.5, 0)", D(-3)),
    ("round half down(2.345, 2)", D("2.34")),
    ("round half down(2.5, 0)", D(2)),
    ("round half down(2.51, 0)", D(3)),
    ("round up(2.301, 2)", D("2.31")),
    ("round up(-2.301, 2)", D("-2.31")),
    ("round down(2.309, 2)", D("2.30")),
    ("round down(-2.309, 2)", D("-2.30")),
    ("round half up(1234.5, -2)", D("1.2E+3")),
    ("round half   up(2.345, 2)", D("2.35")),
    ("sum([1, 2, 3])", D(6)),
    ("sum(1, 2, 3.5)", D("6.5")),
    ("sum(amounts)", D(7)),
    ("sum([])", None),
    ("sum([1, null])", None),
    ("mean([1, 2])", D("1.5")),
    ("count([1, 2, 3])", D(3)),
    ("count([])", D(0)),
    ("count(codes)", D(2)),
    ('string length("中文")', D(2)),
    ('number("12.50")', D("12.50")),
    ('number("-3")', D(-3)),
    ("string(12.5)", "12.5"),
    ("string(6000.00)", "6000.00"),
    ("string(true)", "true"),
    ("string(accepted_on)", "2026-03-02"),
    ("string(null)", None),
    ('string("x")', "x"),
    ("string([1, null])", "[1, null]"),
    ('upper case("abc")', "ABC"),
    ('lower case("ABC")', "abc"),
    ('contains("foobar", "oba")', True),
    ('contains("foobar", "x")', False),
    ('starts with("foobar", "foo")', True),
    ('starts with("foobar", "bar")', False),
    ('ends with("foobar", "bar")', True),
    ('ends with("foobar", "foo")', False),
    ('substring("foobar", 3)', "obar"),
    ('substring("foobar", 3, 2)', "ob"),
    ('substring("foobar", -2)', "ar"),
    ('list contains(codes, "B02")', True),
    ('list contains(codes, "C03")', False),
    ("upper case(null)", None),
    ('duration("P3D")', Duration(3)),
    ('date("2026-01-30") + duration("P3D")', date(2026, 2, 2)),
    ('date("2026-01-30") - duration("P1W")', date(2026, 1, 23)),
    ('date("2026-03-01") - date("2026-02-01")', Duration(28)),
    ('(date("2026-03-01") - date("2026-02-01")).days', D(28)),
    ('duration("P2D") < duration("P3D")', True),
]


@pytest.mark.parametrize(("text", "expected"), BUILTINS)
def test_builtins(text, expected):
    result = ev(text)
    assert result == expected
    assert type(result) is type(expected)


def test_rounding_keeps_the_scale():
    assert str(ev("round half up(6000, 2)")) == "6000.00"
    assert str(ev("decimal(2.5, 0)")) == "2"


def test_builtin_names():
    assert {"date", "min", "max", "decimal", "round half up", "string length", "not"} <= BUILTIN_FUNCTIONS
    assert "deadline" not in BUILTIN_FUNCTIONS


def test_constant_lists_are_not_shared_between_evaluations():
    expression = compile_expression("[1, [2]]")
    first = expression.evaluate({})
    first[1].append("x")
    assert expression.evaluate({}) == [D(1), [D(2)]]


# ---------------------------------------------------------------------------- injected functions


def test_injected_function_is_called_with_feel_values():
    seen = []

    def deadline(rule, start):
        seen.append((rule, start))
        return date(2026, 4, 1)

    expression = compile_expression('deadline("investigation", accepted_on)')
    assert expression.functions == {"deadline"}
    assert expression.names == {"accepted_on"}
    assert expression.evaluate(CONTEXT, {"deadline": deadline}) == date(2026, 4, 1)
    assert seen == [("investigation", date(2026, 3, 2))]


def test_injected_function_results_become_feel_numbers():
    assert evaluate("twice(2) + 1", {}, {"twice": lambda n: int(n) * 2}) == D(5)
    assert evaluate("half(1)", {}, {"half": lambda n: 0.5}) == D("0.5")


def test_injected_function_may_return_other_values():
    instant = datetime(2026, 4, 1, 16, 0)
    assert evaluate("due()", {}, {"due": lambda: instant}) is instant


def test_unknown_function_is_an_error_naming_it():
    with pytest.raises(FeelEvaluationError, match="unknown function 'deadline'"):
        evaluate('deadline("x", accepted_on)', CONTEXT)
    with pytest.raises(FeelEvaluationError, match="unknown function 'nope'"):
        evaluate("nope()", {}, {"other": lambda: 1})


def test_values_from_the_context_are_never_called():
    called = []
    context = {"f": lambda: called.append(1)}
    with pytest.raises(FeelEvaluationError, match="unknown function 'f'"):
        evaluate("f()", context)
    assert called == []


def test_builtins_cannot_be_replaced_by_injected_functions():
    assert evaluate("abs(-1)", {}, {"abs": lambda n: "hijacked"}) == D(1)


def test_injected_function_is_not_needed_when_its_branch_is_not_taken():
    assert evaluate('if false then deadline("x", y) else 1', {}) == D(1)


# ------------------------------------------------------------------------ names and functions


@pytest.mark.parametrize(
    ("text", "names", "functions"),
    [
        ("1 + 2", set(), set()),
        ("a + b * a", {"a", "b"}, set()),
        ("terms.rate * amount", {"terms", "amount"}, set()),
        ('date("2026-01-01") < accepted_on', {"accepted_on"}, {"date"}),
        ("round half up(x, 2)", {"x"}, {"round half up"}),
        ('deadline("investigation", accepted_on)', {"accepted_on"}, {"deadline"}),
        ("if a then b.c else [d, e]", {"a", "b", "d", "e"}, set()),
        ("x in [lo..hi]", {"x", "lo", "hi"}, set()),
        ("not(flag)", {"flag"}, set()),
        ("举报人 = null", {"举报人"}, set()),
        ("if false then f(x) else 1", {"x"}, {"f"}),
    ],
)
def test_names_and_functions(text, names, functions):
    expression = compile_expression(text)
    assert isinstance(expression, Expression)
    assert expression.text == text
    assert expression.names == frozenset(names)
    assert expression.functions == frozenset(functions)
    assert isinstance(expression.names, frozenset)


def test_compilation_is_cached():
    assert compile_expression("a + 1") is compile_expression("a + 1")
    assert compile_unary_tests("< 5") is compile_unary_tests("< 5")


# --------------------------------------------------------------------------- evaluation errors

EVALUATION_ERRORS = [
    ('"a" + 1', "cannot add a string"),
    ('1 - "a"', "cannot subtract"),
    ('"a" * 2', "cannot multiply"),
    ("true / 2", "cannot divide"),
    ('"a" < 1', "cannot compare"),
    ('"a" = 1', "cannot compare"),
    ("kind = 1", "cannot compare"),
    ('accepted = "true"', "cannot compare"),
    ("true < false", "cannot compare"),
    ('accepted_on < "2026-01-01"', "cannot compare"),
    ("1 / 0", "division by zero"),
    ("0 / 0", "division by zero"),
    ("amount / (count - 3)", "division by zero"),
    ("1 and true", "'and' needs booleans"),
    ('"yes" or false', "'or' needs booleans"),
    ("not(1)", "not\\(\\) needs a boolean"),
    ('if "x" then 1 else 2', "condition of an if must be a boolean"),
    ('-"a"', "cannot negate"),
    ('date("2026-02-30")', "no date 2026-02-30"),
    ('date("01/02/2026")', "YYYY-MM-DD"),
    ("date(2026, 13, 1)", "no date"),
    ('decimal("1", 2)', "needs a number"),
    ("decimal(1, 0.5)", "whole number"),
    ('number("abc")', "cannot read"),
    ("string length(1)", "needs a string"),
    ('min(1, "a")', "of one kind"),
    ('sum(1, "a")', "needs a number"),
    ("kind.length", "has no member 'length'"),
    ("amount.year", "has no member"),
    ('[1.."a"]', "bounds of a range"),
    ("[1..null]", "needs two bounds"),
    ('duration("P1M")', "whole days"),
    ('substring("abc", 9)', "outside"),
    ("due_at < accepted_on", "cannot compare"),
]


@pytest.mark.parametrize(("text", "message"), EVALUATION_ERRORS)
def test_evaluation_errors(text, message):
    with pytest.raises(FeelEvaluationError, match=message) as caught:
        ev(text)
    assert caught.value.text == text
    assert text in str(caught.value)
    assert isinstance(caught.value, ClueflowError)


def test_type_errors_are_raised_even_inside_folded_constants():
    expression = compile_expression('1 + "a"')  # compiling succeeds; the error belongs to evaluation
    with pytest.raises(FeelEvaluationError):
        expression.evaluate({})


# ------------------------------------------------------------------------------- syntax errors

SYNTAX_ERRORS = [
    ("1 +", 1, 4, "ends too early"),
    ("(1 + 2", 1, 7, "ends too early"),
    ("1 + * 2", 1, 5, "unexpected '\\*'"),
    ("a b", 1, 3, "unexpected 'b'"),
    ("1 < 2 < 3", 1, 7, "unexpected '<'"),
    ("'single'", 1, 1, "double quotes"),
    ("x ==  1", 1, 4, "unexpected '='"),
    ("1 +\n  * 2", 2, 3, "unexpected"),
    ('"open', 1, 1, "unexpected character"),
    ("if a then b", 1, 12, 'expected "else"'),
    ("a.", 1, 3, "ends too early"),
    ("f(1,)", 1, 5, "unexpected '\\)'"),
    ('"bad \\q escape"', 1, 1, "unknown escape"),
    ("date(1, 2)", 1, 1, "date\\(\\) takes 1 or 3 arguments, not 2"),
    ("abs(1, 2)", 1, 1, "abs\\(\\) takes 1 argument, not 2"),
    ("round half up(1)", 1, 1, "takes 2 arguments"),
    ("(1, 2)", 1, 1, "can only follow 'in'"),
    ("not(1, 2)", 1, 1, "not\\(\\) takes one"),
    ("? > 1", 1, 1, "only be used in a unary test"),
    ("x in", 1, 5, "ends too early"),
    ("", 1, 1, "ends too early"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), SYNTAX_ERRORS)
def test_syntax_errors_name_the_position(text, line, column, message):
    with pytest.raises(FeelSyntaxError, match=message) as caught:
        compile_expression(text)
    error = caught.value
    assert (error.line, error.column) == (line, column)
    assert f"line {line}, column {column}" in str(error)
    assert error.text == text
    assert isinstance(error, FeelError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2", 'expected "," or "]"'),
        ("1 +", "expected a value"),
        ("if a then b", 'expected "else"'),
        ("a b", 'expected "(" or an operator'),
        ("1 < 2 < 3", "expected the end of the text"),
    ],
)
def test_syntax_error_says_what_was_expected(text, expected):
    with pytest.raises(FeelSyntaxError) as caught:
        compile_expression(text)
    assert expected in str(caught.value)


def test_multi_word_names_are_only_the_builtins():
    with pytest.raises(FeelSyntaxError):
        compile_expression("monthly salary + 1")
    assert compile_expression("string_length").names == {"string_length"}
    assert evaluate("round", {"round": 1}) == D(1)


# --------------------------------------------------------------------------------- unary tests


def matches(text: str, value, **context) -> bool:
    return compile_unary_tests(text).matches(value, context)


UNARY = [
    # anything
    ("-", "x", True),
    ("-", None, True),
    ("", 5, True),
    ("  ", 5, True),
    # equality with constants
    ('"report"', "report", True),
    ('"report"', "complaint", False),
    ('"report"', None, False),
    ('"5000"', 5000, False),
    ("5000", D("5000"), True),
    ("5000", D("5000.00"), True),
    ("5000", 5000, True),
    ("5000", 5000.0, True),
    ("5000", D("4999"), False),
    ("5000", "5000", False),
    ("1", True, False),
    ("0.1", 0.1, True),
    ("-1.5", D("-1.5"), True),
    ("true", True, True),
    ("true", False, False),
    ("true", 1, False),
    ("false", False, True),
    ("false", 0, False),
    ("false", None, False),
    ("null", None, True),
    ("null", "", False),
    ('date("2026-08-08")', date(2026, 8, 8), True),
    ('date("2026-08-08")', date(2026, 8, 9), False),
    ('date("2026-08-08")', "2026-08-08", False),
    ('date("2026-08-08")', datetime(2026, 8, 8), False),
    # comparisons
    ("< 5000", D("4999.99"), True),
    ("< 5000", 5000, False),
    ("< 5000", 4999, True),
    ("< 5000", 4999.5, True),
    ("< 5000", "4000", False),
    ("< 5000", None, False),
    ("< 5000", True, False),
    ("<= 5000", D(5000), True),
    ("<= 5000", D("5000.01"), False),
    ("> 1", D(2), True),
    ("> 1", D(1), False),
    (">= 2", D(2), True),
    (">= 2", D("1.99"), False),
    (">= 2", 3.5, True),
    ('< "m"', "a", True),
    ('< "m"', "z", False),
    ('< date("2026-01-01")', date(2025, 12, 31), True),
    ('< date("2026-01-01")', date(2026, 1, 1), False),
    ('>= date("2026-01-01")', date(2026, 1, 1), True),
    ('>= date("2026-01-01")', "2026-01-01", False),
    ("< -1", D(-2), True),
    # ranges, every bracket kind at both boundaries
    ("[1..5]", D(1), True),
    ("[1..5]", D(5), True),
    ("[1..5]", D("0.99"), False),
    ("[1..5]", D("5.01"), False),
    ("[1..5]", 3, True),
    ("[1..5]", 3.0, True),
    ("[1..5]", "3", False),
    ("[1..5]", None, False),
    ("(1..5)", D(1), False),
    ("(1..5)", D(5), False),
    ("(1..5)", D("1.01"), True),
    ("(1..5)", D("4.99"), True),
    ("]1..5[", D(1), False),
    ("]1..5[", D(5), False),
    ("]1..5[", D(3), True),
    ("[1..5)", D(1), True),
    ("[1..5)", D(5), False),
    ("[1..5[", D(1), True),
    ("[1..5[", D(5), False),
    ("(1..5]", D(1), False),
    ("(1..5]", D(5), True),
    ("]1..5]", D(1), False),
    ("]1..5]", D(5), True),
    ('[date("2026-01-01")..date("2026-12-31")]', date(2026, 1, 1), True),
    ('[date("2026-01-01")..date("2026-12-31")]', date(2026, 12, 31), True),
    ('[date("2026-01-01")..date("2026-12-31")]', date(2027, 1, 1), False),
    ('[date("2026-01-01")..date("2026-12-31")[', date(2026, 12, 31), False),
    ('(date("2026-01-01")..date("2026-12-31")]', date(2026, 1, 1), False),
    ('[date("2026-01-01")..date("2026-12-31")]', D(2026), False),
    ('["a".."c"]', "b", True),
    ("[-5..-1]", D(-3), True),
    # lists of tests
    ('"a","b"', "b", True),
    ('"a","b"', "c", False),
    ('"a", "b", < 3', D(2), True),
    ('"a", "b", < 3', D(4), False),
    ('"a", "b", < 3', "a", True),
    ("< 3, > 10", D(11), True),
    ("< 3, > 10", D(5), False),
    ("[1..2], [5..6]", D(5), True),
    ("[1..2], [5..6]", D(3), False),
    ("1, 2, 3", 2, True),
    ("null, 1", None, True),
    # negation
    ('not("a", "b")', "c", True),
    ('not("a", "b")', "a", False),
    ('not("a")', None, True),
    ("not(< 3)", D(5), True),
    ("not(< 3)", D(1), False),
    ("not([1..5])", D(6), True),
    ("not([1..5])", D(3), False),
    ("not(null)", None, False),
    ("not(null)", "x", True),
    ("not(true)", False, True),
    ("not(true)", True, False),
    # lists as values
    ('["a", "b"]', "a", True),
    ('["a", "b"]', "c", False),
    ('["a", "b"]', ["a", "b"], True),
]


@pytest.mark.parametrize(("text", "value", "expected"), UNARY)
def test_unary_tests(text, value, expected):
    result = matches(text, value)
    assert result is expected


UNARY_WITH_CONTEXT = [
    ("< limit", D(4), {"limit": 5}, True),
    ("< limit", D(5), {"limit": 5}, False),
    ("< limit", "x", {"limit": 5}, False),
    ("< limit", D(4), {"limit": None}, False),
    ("kind", "report", {"kind": "report"}, True),
    ("kind", "other", {"kind": "report"}, False),
    ("kind", 5, {"kind": "report"}, False),
    ("[lo..hi]", D(3), {"lo": 1, "hi": 5}, True),
    ("[lo..hi]", D(6), {"lo": 1, "hi": 5}, False),
    ("[lo..hi]", "a", {"lo": 1, "hi": 5}, False),
    ("terms.cap", 100000, {"terms": {"cap": 100000}}, True),
    ("amount * 0.05", D("6000"), {"amount": 120000}, True),
    ("codes", "B02", {"codes": ["A01", "B02"]}, True),
    ("codes", "C03", {"codes": ["A01", "B02"]}, False),
    ('not(kind, "x")', "report", {"kind": "report"}, False),
    ('not(kind, "x")', "y", {"kind": "report"}, True),
    ('"a", kind', "report", {"kind": "report"}, True),
    ("? > 3", D(4), {}, True),
    ("? > 3", D(2), {}, False),
    ("? > limit", D(9), {"limit": 5}, True),
    ('starts with(?, "URU")', "URU-10-3", {}, True),
    ('starts with(?, "URU")', "CQH-13-5", {}, False),
    ("> limit, ? = 0", D(0), {"limit": 5}, True),
]


@pytest.mark.parametrize(("text", "value", "context", "expected"), UNARY_WITH_CONTEXT)
def test_unary_tests_with_context(text, value, context, expected):
    assert compile_unary_tests(text).matches(value, context) is expected


def test_unary_tests_with_injected_functions():
    tests = compile_unary_tests("< limit(kind)")
    assert tests.functions == {"limit"}
    assert tests.names == {"kind"}
    functions = {"limit": lambda kind: 5000 if kind == "report" else 100}
    assert tests.matches(D(4000), {"kind": "report"}, functions) is True
    assert tests.matches(D(4000), {"kind": "other"}, functions) is False
    with pytest.raises(FeelEvaluationError, match="unknown function 'limit'") as caught:
        tests.matches(D(1), {"kind": "report"})
    assert caught.value.text == "< limit(kind)"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("-", set()),
        ('"report"', set()),
        ("< limit", {"limit"}),
        ("[lo..hi], x", {"lo", "hi", "x"}),
        ("not(a.b)", {"a"}),
        ("? > 1", set()),
    ],
)
def test_unary_test_names(text, names):
    tests = compile_unary_tests(text)
    assert isinstance(tests, UnaryTests)
    assert tests.text == text
    assert tests.names == frozenset(names)


def test_unary_test_errors_in_the_test_itself_are_raised():
    with pytest.raises(FeelEvaluationError, match="cannot add") as caught:
        compile_unary_tests("kind + 1").matches("x", {"kind": "a"})
    assert caught.value.text == "kind + 1"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("< ", 1, 3),
        ("[1..5", 1, 6),
        ('"a",', 1, 5),
        ("< true", 1, 1),
        ("- 5 -", 1, 6),
        ("'report'", 1, 1),
    ],
)
def test_unary_test_syntax_errors(text, line, column):
    with pytest.raises(FeelSyntaxError) as caught:
        compile_unary_tests(text)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_not_a_number_input_is_an_error_not_a_silent_answer():
    with pytest.raises(FeelEvaluationError):
        compile_unary_tests("< 5").matches(D("NaN"))
    with pytest.raises(FeelEvaluationError):
        compile_unary_tests("< 5").matches(float("nan"))
    with pytest.raises(FeelEvaluationError):
        evaluate("x + 1", {"x": float("inf")})


@pytest.mark.parametrize("text", ["-", '"report"', "< 5000", "[1..5]", "< limit", '"a", "b"'])
def test_matches_accepts_keyword_arguments(text):
    tests = compile_unary_tests(text)
    assert tests.matches(value=D(3), context={"limit": 5}, functions={}) in (True, False)
    assert tests.matches(D(3), context={"limit": 5}) == tests.matches(D(3), {"limit": 5}, None)
