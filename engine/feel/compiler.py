"""FEEL compiler: a parse tree becomes Python closures, for expressions and for unary tests."""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from datetime import date
from typing import Any, cast

from lark import Token, Tree

from .builtins import ANY_ARITY, BUILTINS
from .code import Code, Node, Scope, constant, folded
from .errors import FeelError, FeelEvaluationError
from .matchers import (
    ORDER_OPS,
    Context,
    Functions,
    Test,
    WithInput,
    any_of,
    compare_test,
    fast_compare,
    fast_equal,
    general_of,
    match_value,
    string_set,
)
from .values import (
    ARITH,
    COMPARE,
    CTX,
    ORDERED_TYPES,
    Operator,
    Range,
    between,
    conv,
    describe,
    member,
    neg,
    not_,
    power,
)


def compile_node(node: Node, scope: Scope) -> Code:
    return _COMPILERS[node.data](node, scope)


def _c_number(node: Node, scope: Scope) -> Code:
    try:
        return constant(CTX.create_decimal(cast(Token, node.children[0])))
    except decimal.DecimalException:
        raise scope.error("the number is too large", node) from None


_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|[\s\S])")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "'": "'", "/": "/"}


def _c_string(node: Node, scope: Scope) -> Code:
    token = cast(Token, node.children[0])
    body = token[1:-1]
    if "\\" in body:

        def unescape(match: re.Match[str]) -> str:
            code = match.group(1)
            if len(code) > 1:
                point = int(code[1:], 16)
                if point > 0x10FFFF:
                    raise scope.error(f"\\{code} is not a character", token)
                return chr(point)
            if code in _SIMPLE_ESCAPES:
                return _SIMPLE_ESCAPES[code]
            raise scope.error(f"unknown escape \\{code} in a string", token)

        body = _ESCAPE_RE.sub(unescape, body)
        try:
            body = body.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            raise scope.error("a string holds half of a \\u surrogate pair", token) from None
    return constant(body)


_PLAIN_TYPES = frozenset({str, bool, type(None), date, dict})  # context values that need no conversion


def _c_name(node: Node, scope: Scope) -> Code:
    name = str(node.children[0])
    scope.names.add(name)

    def lookup(ctx: Context, fns: Functions) -> Any:
        value = ctx.get(name)
        return value if type(value) in _PLAIN_TYPES else conv(value)

    return Code(lookup)


def _c_input_value(node: Node, scope: Scope) -> Code:
    scope.uses_input = True
    return Code(lambda ctx, fns: ctx.get("?"))


def _c_paren(node: Node, scope: Scope) -> Code:
    return compile_node(node.children[0], scope)


def _c_tuple(node: Node, scope: Scope) -> Code:
    raise scope.error("a list of tests in parentheses can only follow 'in'", node)


def _c_list(node: Node, scope: Scope) -> Code:
    parts = [compile_node(child, scope) for child in node.children if isinstance(child, Tree)]
    fns = [part.fn for part in parts]

    def build(ctx: Context, fns_: Functions) -> Any:
        return [f(ctx, fns_) for f in fns]

    return folded(build, parts)


def _c_interval(node: Node, scope: Scope) -> Code:
    opening, low, _, high, closing = node.children
    start_included, end_included = opening == "[", closing == "]"
    low_code, high_code = compile_node(low, scope), compile_node(high, scope)
    low_fn, high_fn = low_code.fn, high_code.fn

    def build(ctx: Context, fns: Functions) -> Any:
        return Range(low_fn(ctx, fns), high_fn(ctx, fns), start_included, end_included)

    return folded(build, [low_code, high_code])


def _c_call(node: Node, scope: Scope) -> Code:
    name_token, *arg_nodes = node.children
    name = " ".join(str(name_token).split())
    args = [compile_node(arg, scope) for arg in arg_nodes]
    arg_fns = tuple(arg.fn for arg in args)
    scope.functions.add(name)
    builtin = BUILTINS.get(name)
    if builtin is not None:
        impl, arities = builtin
        if len(args) not in arities and not (ANY_ARITY in arities and args):
            wanted = "one or more" if ANY_ARITY in arities else " or ".join(map(str, arities))
            noun = "argument" if wanted == "1" else "arguments"
            raise scope.error(f"{name}() takes {wanted} {noun}, not {len(args)}", name_token)
        if len(arg_fns) == 1:
            (only,) = arg_fns

            def call(ctx: Context, fns: Functions) -> Any:
                return impl(only(ctx, fns))

        else:

            def call(ctx: Context, fns: Functions) -> Any:
                return impl(*[f(ctx, fns) for f in arg_fns])

        return folded(call, args)

    def call_injected(ctx: Context, fns: Functions) -> Any:
        function = fns.get(name)
        if function is None:
            raise FeelEvaluationError(f"unknown function '{name}'")
        return conv(function(*[f(ctx, fns) for f in arg_fns]))

    return Code(call_injected)


def _c_not_call(node: Node, scope: Scope) -> Code:
    if len(node.children) != 1 or node.children[0].data in ("cmp", "tuple"):
        raise scope.error(
            "not() takes one boolean here; a list of tests can only be negated in a unary test", node
        )
    inner = compile_node(node.children[0], scope)
    inner_fn = inner.fn
    return folded(lambda ctx, fns: not_(inner_fn(ctx, fns)), [inner])


def _c_if_expr(node: Node, scope: Scope) -> Code:
    cond, then, other = (compile_node(child, scope) for child in node.children)
    if cond.const and (cond.value is True or cond.value is False or cond.value is None):
        return then if cond.value is True else other
    cond_fn, then_fn, other_fn = cond.fn, then.fn, other.fn

    def choose(ctx: Context, fns: Functions) -> Any:
        c = cond_fn(ctx, fns)
        if c is True:
            return then_fn(ctx, fns)
        if c is False or c is None:
            return other_fn(ctx, fns)
        raise FeelEvaluationError(f"the condition of an if must be a boolean, not {describe(c)}")

    return Code(choose)


def _c_neg(node: Node, scope: Scope) -> Code:
    inner = compile_node(node.children[0], scope)
    inner_fn = inner.fn
    return folded(lambda ctx, fns: neg(inner_fn(ctx, fns)), [inner])


def _binary(op: Operator, left: Code, right: Code) -> Code:
    left_fn, right_fn = left.fn, right.fn
    if right.const:
        value = right.value

        def apply_const(ctx: Context, fns: Functions) -> Any:
            return op(left_fn(ctx, fns), value)

        return folded(apply_const, [left, right])

    def apply(ctx: Context, fns: Functions) -> Any:
        return op(left_fn(ctx, fns), right_fn(ctx, fns))

    return folded(apply, [left, right])


def _c_power(node: Node, scope: Scope) -> Code:
    base, exponent = (compile_node(child, scope) for child in node.children)
    return _binary(power, base, exponent)


def _c_path(node: Node, scope: Scope) -> Code:
    head, *members = node.children
    head_code = compile_node(head, scope)
    head_fn, names = head_code.fn, tuple(str(m) for m in members)

    def walk(ctx: Context, fns: Functions) -> Any:
        value = head_fn(ctx, fns)
        for name in names:
            value = member(value, name)
        return value

    return folded(walk, [head_code])


def _chain(node: Node, scope: Scope, table: dict[str, Operator]) -> Code:
    """A flat chain ``a + b - c`` (no recursion, however long)."""
    children = node.children
    first = compile_node(children[0], scope)
    steps = [
        (table[cast(Token, op.children[0])], compile_node(operand, scope))
        for op, operand in zip(children[1::2], children[2::2], strict=True)
    ]
    if len(steps) == 1:
        return _binary(steps[0][0], first, steps[0][1])
    first_fn, step_fns = first.fn, tuple((op, code.fn) for op, code in steps)

    def run(ctx: Context, fns: Functions) -> Any:
        value = first_fn(ctx, fns)
        for op, fn in step_fns:
            value = op(value, fn(ctx, fns))
        return value

    return folded(run, [first] + [code for _, code in steps])


def _c_compare(node: Node, scope: Scope) -> Code:
    left, op, right = node.children
    return _binary(
        COMPARE[cast(Token, op.children[0])], compile_node(left, scope), compile_node(right, scope)
    )


def _c_between(node: Node, scope: Scope) -> Code:
    parts = [compile_node(child, scope) for child in node.children]
    value_fn, low_fn, high_fn = (part.fn for part in parts)
    return folded(lambda ctx, fns: between(value_fn(ctx, fns), low_fn(ctx, fns), high_fn(ctx, fns)), parts)


def _c_in_test(node: Node, scope: Scope) -> Code:
    left, right = node.children
    left_code = compile_node(left, scope)
    general, fast = compile_test(right, scope)
    left_fn = left_code.fn
    if fast is not None:
        return folded(lambda ctx, fns: fast(left_fn(ctx, fns)), [left_code])
    return Code(lambda ctx, fns: general(left_fn(ctx, fns), ctx, fns))


def _logic(node: Node, scope: Scope, stop: bool) -> Code:
    parts = [compile_node(child, scope) for child in node.children]
    fns_ = tuple(part.fn for part in parts)
    word = "or" if stop else "and"

    def run(ctx: Context, fns: Functions) -> Any:
        result: bool | None = not stop
        for fn in fns_:
            value = fn(ctx, fns)
            if value is stop:
                return stop
            if value is None:
                result = None
            elif value is not (not stop):
                raise FeelEvaluationError(f"'{word}' needs booleans, not {describe(value)}")
        return result

    return folded(run, parts)


_COMPILERS: dict[str, Callable[[Node, Scope], Code]] = {
    "number": _c_number,
    "string": _c_string,
    "true": lambda node, scope: constant(True),
    "false": lambda node, scope: constant(False),
    "null": lambda node, scope: constant(None),
    "name": _c_name,
    "input_value": _c_input_value,
    "paren": _c_paren,
    "tuple": _c_tuple,
    "list": _c_list,
    "interval": _c_interval,
    "call": _c_call,
    "not_call": _c_not_call,
    "if_expr": _c_if_expr,
    "neg": _c_neg,
    "power": _c_power,
    "path": _c_path,
    "sum": lambda node, scope: _chain(node, scope, ARITH),
    "product": lambda node, scope: _chain(node, scope, ARITH),
    "compare": _c_compare,
    "between": _c_between,
    "in_test": _c_in_test,
    "disjunction": lambda node, scope: _logic(node, scope, True),
    "conjunction": lambda node, scope: _logic(node, scope, False),
}


def compile_test(node: Node, scope: Scope) -> Test:
    """One positive unary test (or a tuple of them, or not(...)) -> (general, fast)."""
    data = node.data
    if data == "tuple":
        children = node.children
        if len(children) > 1 and all(child.data == "string" for child in children):
            fast = string_set(frozenset(_c_string(child, scope).value for child in children))
            return general_of(fast), fast
        return any_of([compile_test(child, scope) for child in children])
    if data == "not_call":
        general, inner = compile_test(Tree("tuple", node.children, node.meta), scope)
        if inner is not None:

            def none_fast(value: Any, context: object = None, functions: object = None) -> bool:
                return not inner(value)

            return general_of(none_fast), none_fast
        return (lambda v, ctx, fns: not general(v, ctx, fns)), None
    if data == "paren" and node.children[0].data in ("tuple", "not_call", "cmp"):
        return compile_test(node.children[0], scope)
    if data == "cmp":
        symbol = str(node.children[0].children[0])
        bound = compile_node(node.children[1], scope)
        if bound.const:
            try:
                fast = fast_compare(symbol, bound.value)
            except FeelError as error:
                raise scope.error(error.message, node) from None
            return general_of(fast), fast
        bound_fn, op = bound.fn, ORDER_OPS[symbol]

        def compare_with(value: Any, ctx: Context, fns: Functions) -> bool:
            limit = bound_fn(ctx, fns)
            t = type(value)
            if t is type(limit) and t in ORDERED_TYPES:
                return op(value, limit)
            return compare_test(symbol, value, limit)

        return compare_with, None
    outer_uses_input, scope.uses_input = scope.uses_input, False
    code = compile_node(node, scope)
    uses_input, scope.uses_input = scope.uses_input, scope.uses_input or outer_uses_input
    fn = code.fn
    if uses_input:
        return (lambda v, ctx, fns: fn(WithInput(ctx, v), fns) is True), None
    if code.const:
        fast = fast_equal(code.value)
        return general_of(fast), fast
    return (lambda v, ctx, fns: match_value(v, fn(ctx, fns))), None
