"""DMN decisions: parse DMN 1.1–1.3 XML, evaluate decision tables and literal expressions with FEEL.

Every cell, input expression and literal expression is compiled once, at parse time, by
``engine.feel``; nothing is ever handed to Python's ``eval``. Documents with a DTD or entity
declarations are refused.

Result shapes (``DecisionModel.evaluate``), by hit policy:

- UNIQUE, FIRST, PRIORITY, ANY: ``{output_name: value}``; when no rule matches every output is
  ``None``.
- RULE ORDER, OUTPUT ORDER, COLLECT: ``{output_name: [value, ...]}`` (one list per output, in hit
  order); when no rule matches every list is empty.
- COLLECT with an aggregation (one output only): ``{output_name: value}``. SUM, MIN and MAX ignore
  null outputs and give ``None`` when nothing is left; COUNT counts the non-null outputs (``0``
  when nothing matches). Like Camunda's engine, and unlike the spec's "distinct" wording, SUM
  and COUNT count every hit.
- Literal expression: ``{variable_name: value}`` (the ``<variable name>``, else the decision id).

A required decision's result is visible to the requiring decision under the required decision's
id: a single-output table or a literal expression gives its value (a list for list policies), a
multi-output table gives a context ``{output_name: value}`` (``terms.rate``).

The package, by what each module owns: ``values`` (types and coercion), ``decision`` (the parsed
decision), ``evaluation`` (hit policies, aggregation, traces: the hot path), ``parsing`` (DMN XML),
``checks`` (static checks) and ``model`` (``DecisionModel``).
"""

from .decision import Decision, Input, Output, Rule
from .evaluation import DecisionError, DecisionTrace, RuleHit, Trace
from .model import DecisionModel
from .parsing import AGGREGATIONS, DMN_NAMESPACES, HIT_POLICIES, LIST_POLICIES, parse_dmn
from .values import TYPES, describe, normalize_type

__all__ = [
    "AGGREGATIONS",
    "DMN_NAMESPACES",
    "HIT_POLICIES",
    "LIST_POLICIES",
    "TYPES",
    "Decision",
    "DecisionError",
    "DecisionModel",
    "DecisionTrace",
    "Input",
    "Output",
    "Rule",
    "RuleHit",
    "Trace",
    "describe",
    "normalize_type",
    "parse_dmn",
]
