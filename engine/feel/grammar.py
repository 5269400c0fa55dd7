"""FEEL syntax: the grammar text, the lark parser, the nesting pre-scan and readable syntax errors."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from typing import cast

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .builtins import BUILTINS
from .errors import FeelSyntaxError

MAX_TEXT_LENGTH = 10_000
MAX_NESTING = 64
MAX_TREE_DEPTH = 160  # a backstop behind MAX_NESTING: operators between brackets add tree levels

_MULTI_WORD = sorted((name for name in BUILTINS if " " in name), key=len, reverse=True)

_GRAMMAR = r"""
?expression_start: expression
unary_tests_start: put ("," put)*

?expression: disjunction
?disjunction: conjunction ("or" conjunction)*
?conjunction: comparison ("and" comparison)*
?comparison: sum
    | sum comp_op sum               -> compare
    | sum "between" sum "and" sum   -> between
    | sum "in" in_rhs               -> in_test
?in_rhs: sum | cmp
?sum: product (add_op product)*
?product: unary (mul_op unary)*
?unary: "-" unary                   -> neg
    | power
?power: path ("**" unary)?
?path: atom ("." NAME)*
?atom: NUMBER                       -> number
    | STRING                        -> string
    | "true"                        -> true
    | "false"                       -> false
    | "null"                        -> null
    | NAME                          -> name
    | "?"                           -> input_value
    | "(" expression ")"            -> paren
    | "(" cmp ")"                   -> tuple
    | "(" put ("," put)+ ")"        -> tuple
    | "[" expression ("," expression)* "]"  -> list
    | EMPTY_LIST                    -> list
    | interval
    | call
    | "not" "(" put ("," put)* ")"  -> not_call
    | "if" expression "then" expression "else" expression -> if_expr
!interval: ("(" | "[" | "]") expression ".." expression (")" | "]" | "[")
call: (NAME | BUILTIN_NAME) "(" [expression ("," expression)*] ")"
?put: expression | cmp
cmp: unary_op sum
!comp_op: "=" | "!=" | "<" | "<=" | ">" | ">="
!add_op: "+" | "-"
!mul_op: "*" | "/"
!unary_op: "<" | "<=" | ">" | ">="

BUILTIN_NAME.2: /(?:MULTI_WORD)(?!\w)/
NAME: /(?!\d)\w+/
NUMBER: /\d+(?:\.\d+)?/
STRING: /"(?:[^"\\]|\\[\s\S])*"/
EMPTY_LIST: /\[\s*\]/
LINE_COMMENT: /\/\/[^\n]*/
BLOCK_COMMENT: /\/\*[\s\S]*?\*\//
%ignore /\s+/
%ignore LINE_COMMENT
%ignore BLOCK_COMMENT
""".replace("MULTI_WORD", "|".join(r"\s+".join(name.split()) for name in _MULTI_WORD))


@functools.cache
def _parser() -> Lark:
    return Lark(
        _GRAMMAR,
        parser="lalr",
        lexer="contextual",
        start=["expression_start", "unary_tests_start"],
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,  # the parse tables are built once per grammar version, then read from a temp file
    )


_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "BUILTIN_NAME": "a function name",
    "EMPTY_LIST": "[]",
    "$END": "the end of the text",
}
_OPERATOR_TEXT = frozenset(
    {"+", "-", "*", "/", "**", "=", "!=", "<", "<=", ">", ">=", "and", "or", "between", "in", "."}
)


@functools.cache
def _terminal_texts() -> dict[str, str]:
    texts = {}
    for terminal in _parser().terminals:
        if terminal.pattern.type == "str":
            texts[terminal.name] = terminal.pattern.value
    return texts


_VALUE_STARTS = frozenset({"true", "false", "null", "if", "not", "(", "[", "]", "-", "?"})


def _expected(names: Collection[str]) -> str:
    texts = _terminal_texts()
    value = {"NAME", "NUMBER", "STRING"} <= set(names)
    words, operators = [], False
    for name in sorted(names, key=lambda n: texts.get(n, n)):
        text = texts.get(name)
        if value and (name in _TERMINAL_WORDS and name != "$END" or text in _VALUE_STARTS):
            continue
        if text in _OPERATOR_TEXT:
            operators = True
        elif text is not None:
            words.append(f'"{text}"')
        elif name in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[name])
    if value:
        words.append("a value")
    if operators:
        words.append("an operator")
    if len(words) > 8:
        words = words[:8] + ["..."]
    return " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]


def _syntax_error(error: UnexpectedInput, text: str) -> FeelSyntaxError:
    line, column = max(error.line, 1), max(error.column, 1)
    if isinstance(error, UnexpectedCharacters):
        offset = cast(int, error.pos_in_stream)  # lark always sets it here; it is declared Optional
        char = text[offset] if offset < len(text) else ""
        hint = "; strings are written in double quotes" if char == "'" else ""
        message = f"unexpected character {char!r}{hint}"
    elif isinstance(error, UnexpectedToken) and error.token.type != "$END":
        message = f"unexpected {error.token.value!r}"
        expected: set[str] | None = _acceptable(error)
        if expected:
            message += f"; expected {_expected(expected)}"
    elif isinstance(error, UnexpectedToken | UnexpectedEOF):
        message = "the text ends too early"
        expected = _acceptable(error) if isinstance(error, UnexpectedToken) else None
        if expected:
            message += f"; expected {_expected(expected)}"
        line, column = _end_position(text)
    else:  # pragma: no cover - lark raises only the kinds above
        message = "not a FEEL expression"
    return FeelSyntaxError(message, text, line, column)


def _acceptable(error: UnexpectedToken) -> set[str]:
    """The terminals the parser would really take here (LALR's own list is wider)."""
    try:
        # lark leaves InteractiveParser.accepts unannotated (it returns a set of terminal names).
        accepts = error.interactive_parser.accepts()  # type: ignore[no-untyped-call]
        return set(accepts) - {"$END"} or set(error.expected)
    except Exception:  # the narrower list is a nicety; never hide the syntax error behind it
        return set(error.expected)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


_SCAN_RE = re.compile(
    r"""
      (?P<skip>"(?:[^"\\]|\\[\s\S])*" | //[^\n]* | /\*[\s\S]*?\*/ | \[\s*\])
    | (?P<bracket>[()\[\]])
    | (?P<range>\.\.)
    | (?P<comma>,)
    | (?P<minus>-)
    | (?P<word>(?!\d)\w+)
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<other>\S)
    """,
    re.VERBOSE,
)
_OPERAND_WORDS = frozenset({"true", "false", "null"})


def _check_nesting(text: str) -> None:
    """Reject deep nesting from the raw text, before the (slower) parser sees it.

    An upper bound of the nesting the parse tree will have: brackets, ``if`` and unary minus.
    ``]`` opens a range where an operand is expected; ``[`` closes one after ``a..b``.
    """
    levels = [[0, 0, False]]  # per open bracket: [unary minuses before it, ifs inside, ".." seen]
    depth = run = 0
    expect_operand = True
    for match in _SCAN_RE.finditer(text):
        kind, token = match.lastgroup, match.group()
        top = levels[-1]
        if kind == "bracket":
            opens = token == "(" or (token == "[" and not (top[2] and not expect_operand))
            opens = opens or (token == "]" and expect_operand)
            if opens:
                levels.append([run, 0, False])
                depth += 1 + run
                run, expect_operand = 0, True
            else:
                if len(levels) > 1:
                    depth -= 1 + top[0] + top[1]
                    levels.pop()
                run, expect_operand = 0, False
        elif kind == "skip":
            if token[0] in '"[':
                run, expect_operand = 0, False
        elif kind == "range":
            top[2], expect_operand = True, True
        elif kind == "comma":
            depth -= top[1]
            top[1], top[2] = 0, False
            run, expect_operand = 0, True
        elif kind == "minus":
            if expect_operand:
                run += 1
            expect_operand = True
        elif kind == "word" and token == "if":
            top[1] += 1
            depth += 1
            expect_operand = True
        elif kind == "number" or (kind == "word" and (token in _OPERAND_WORDS or token not in _KEYWORDS)):
            run, expect_operand = 0, False
        else:
            expect_operand = True
        if depth + run > MAX_NESTING:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            raise FeelSyntaxError(
                f"the expression is nested too deeply (at most {MAX_NESTING} levels)", text, line, column
            )


_KEYWORDS = frozenset({"and", "or", "not", "if", "then", "else", "between", "in", "true", "false", "null"})


def position(node: Tree[Token] | Token) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.line or 1, node.column or 1
    meta = node.meta
    return (1, 1) if meta.empty else (meta.line, meta.column)


_NESTING_NODES = frozenset({"paren", "tuple", "list", "interval", "call", "not_call", "if_expr", "neg"})


def parse(text: str, start: str) -> Tree[Token]:
    if not isinstance(text, str):
        raise FeelSyntaxError(f"a FEEL text must be a string, not {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise FeelSyntaxError(
            f"the text is {len(text)} characters long; at most {MAX_TEXT_LENGTH} are allowed", text[:200]
        )
    _check_nesting(text)
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as error:
        raise _syntax_error(error, text) from None
    # The parser is iterative; the compiler recurses, so bound the depth first (iteratively).
    stack = [(tree, 1, 0)]
    while stack:
        node, depth, nesting = stack.pop()
        if node.data in _NESTING_NODES:
            nesting += 1
        if nesting > MAX_NESTING or depth > MAX_TREE_DEPTH:
            raise FeelSyntaxError(
                f"the expression is nested too deeply (at most {MAX_NESTING} levels)",
                text,
                *position(node),
            )
        stack.extend((child, depth + 1, nesting) for child in node.children if isinstance(child, Tree))
    return tree
