"""What the FEEL compiler makes and reads: parse-tree nodes, compiled code (a closure, and its value
when it is a constant), and the scope that collects the names and functions a text uses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lark import Token, Tree

from .errors import FeelError, FeelSyntaxError
from .grammar import position
from .matchers import Fn
from .values import EMPTY, copy_list

# A parse-tree node. Its leaves are lark Tokens; which child of a node is a Token and which a Tree is
# the grammar's to say (grammar.py), so the compilers read children as the grammar gives them.
Node = Tree[Any]


class Code:
    """A compiled expression: ``fn(context, functions)``, and its value when it is a constant."""

    __slots__ = ("fn", "value", "const")

    def __init__(self, fn: Fn, value: Any = None, const: bool = False) -> None:
        self.fn, self.value, self.const = fn, value, const


def constant(value: Any) -> Code:
    """Code giving a constant (a fresh copy of a list each time)."""
    if type(value) is list:
        return Code(lambda ctx, fns: copy_list(value), value, True)
    return Code(lambda ctx, fns: value, value, True)


def folded(fn: Fn, parts: Iterable[Code]) -> Code:
    """Evaluate now when every part is a constant; an error is left for evaluation time."""
    if all(part.const for part in parts):
        try:
            return constant(fn(EMPTY, EMPTY))
        except FeelError:
            pass
    return Code(fn)


class Scope:
    """One text being compiled: the names and functions it uses, and whether it reads ``?``."""

    __slots__ = ("text", "names", "functions", "uses_input")

    def __init__(self, text: str) -> None:
        self.text = text
        self.names: set[str] = set()
        self.functions: set[str] = set()
        self.uses_input = False

    def error(self, message: str, node: Node | Token) -> FeelSyntaxError:
        return FeelSyntaxError(message, self.text, *position(node))
