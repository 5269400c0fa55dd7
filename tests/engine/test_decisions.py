"""DMN decisions: parsing, hit policies, requirements, typed inputs, static checks, hostile tables."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from engine.decisions import DecisionError, DecisionModel, parse_dmn
from engine.decisions.evaluation import matcher
from engine.errors import PackError
from engine.feel import compile_unary_tests

HERE = Path(__file__).parent / "dmn"
DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMN12 = "http://www.omg.org/spec/DMN/20180521/MODEL/"
DMN11 = "http://www.omg.org/spec/DMN/20151101/dmn.xsd"
D = Decimal


def fixture(name: str) -> bytes:
    return (HERE / name).read_bytes()


def table(
    rules,
    *,
    inputs=(("amount", "number"),),
    outputs=(("result", "string"),),
    policy="UNIQUE",
    aggregation=None,
    output_values=None,
    input_values=None,
    decision_id="t",
    required=(),
    ns=DMN13,
):
    """A one-table DMN file the way dmn-js saves it (DMNDI included).

    rules: (input cells, output cells[, annotation]) per rule.
    """
    output_values = output_values or {}
    input_values = input_values or {}
    x = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="{ns}" '
        'xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" '
        'xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_1" name="DRD" '
        'namespace="http://camunda.org/schema/1.0/dmn" exporter="dmn-js (https://demo.bpmn.io/dmn)" '
        'exporterVersion="17.0.0">',
        f'  <decision id="{decision_id}" name="Decision {decision_id}">',
    ]
    for r in required:
        x.append(
            f'    <informationRequirement id="IR_{r}"><requiredDecision href="#{r}" />'
            "</informationRequirement>"
        )
    agg = f' aggregation="{aggregation}"' if aggregation else ""
    x.append(f'    <decisionTable id="DecisionTable_{decision_id}" hitPolicy="{policy}"{agg}>')
    for n, (text, type_ref) in enumerate(inputs, 1):
        x.append(f'      <input id="Input_{n}" label="{escape(text)}">')
        x.append(
            f'        <inputExpression id="InputExpression_{n}" typeRef="{type_ref}">'
            f"<text>{escape(text)}</text></inputExpression>"
        )
        if text in input_values:
            x.append(
                f'        <inputValues id="IV_{n}"><text>{escape(input_values[text])}</text></inputValues>'
            )
        x.append("      </input>")
    for n, (name, type_ref) in enumerate(outputs, 1):
        x.append(f'      <output id="Output_{n}" label="{name.title()}" name="{name}" typeRef="{type_ref}">')
        if name in output_values:
            x.append(
                f'        <outputValues id="OV_{n}"><text>{escape(output_values[name])}</text></outputValues>'
            )
        x.append("      </output>")
    for row, rule in enumerate(rules, 1):
        ins, outs = rule[0], rule[1]
        x.append(f'      <rule id="DecisionRule_{row}">')
        if len(rule) > 2:
            x.append(f"        <description>{escape(rule[2])}</description>")
        for c, cell in enumerate(ins):
            x.append(f'        <inputEntry id="UT_{row}_{c}"><text>{escape(cell)}</text></inputEntry>')
        for c, cell in enumerate(outs):
            x.append(f'        <outputEntry id="LE_{row}_{c}"><text>{escape(cell)}</text></outputEntry>')
        x.append("      </rule>")
    x.append("    </decisionTable>\n  </decision>")
    x.append(
        '  <dmndi:DMNDI><dmndi:DMNDiagram id="DMNDiagram_1">'
        f'<dmndi:DMNShape id="DMNShape_1" dmnElementRef="{decision_id}">'
        '<dc:Bounds height="80" width="180" x="160" y="100" /></dmndi:DMNShape>'
        "</dmndi:DMNDiagram></dmndi:DMNDI>\n</definitions>\n"
    )
    return "\n".join(x)


def model(*files: str | bytes) -> DecisionModel:
    return DecisionModel(d for f in files for d in parse_dmn(f, file="t.dmn"))


def run(xml: str, inputs: dict, decision_id: str = "t"):
    return model(xml).evaluate(decision_id, inputs)


BANDS = [
    (["< 100"], ['"small"'], "A-1"),
    (["[100..1000]"], ['"medium"'], "A-2"),
    (["> 1000"], ['"large"'], "A-3"),
]
OVERLAPPING = [
    (["< 100"], ['"small"']),
    (["[50..1000]"], ['"medium"']),
    (["-"], ['"any"']),
]


# -- parsing ------------------------------------------------------------------------------------


def test_parse_reads_table_structure_and_annotations():
    (d,) = parse_dmn(fixture("reward_terms.dmn"), file="dmn/t/reward_terms.dmn", pack="t")
    assert (d.id, d.name, d.kind, d.variable, d.hit_policy) == (
        "reward_terms",
        "奖励标准",
        "table",
        "reward_terms",
        "UNIQUE",
    )
    assert [o.name for o in d.outputs] == ["rate", "floor", "cap"]
    assert d.inputs[0].label == "涉嫌犯罪" and d.inputs[0].text == "criminal"
    assert d.inputs[0].type_ref == "boolean"
    assert [r.id for r in d.rules] == ["DecisionRule_0ordinary", "DecisionRule_1criminal"]
    assert d.annotations == ("URU 第十二条第（一）项", "URU 第十二条第（二）项")
    assert (d.file, d.pack, d.required) == ("dmn/t/reward_terms.dmn", "t", ())


def test_parse_literal_decision_with_requirement():
    decisions = {d.id: d for d in parse_dmn(fixture("reward_approval.dmn"))}
    lit = decisions["reward_approval"]
    assert lit.kind == "literal" and lit.required == ("reward_amount",)
    assert lit.outputs[0].name == "collective_deliberation"
    assert decisions["reward_amount"].required == ("reward_terms",)


@pytest.mark.parametrize("ns", [DMN13, DMN12, DMN11])
def test_accepts_dmn_11_12_13_namespaces(ns):
    assert run(table(BANDS, ns=ns), {"amount": 5}) == {"result": "small"}


def test_rejects_unknown_namespace():
    with pytest.raises(PackError, match="not a DMN"):
        parse_dmn(table(BANDS, ns="http://example.com/not-dmn"))


def test_annotation_entry_of_dmn13_is_read():
    xml = table([(["-"], ['"x"'])]).replace(
        "</outputEntry>", "</outputEntry><annotationEntry><text>CQH-13-5</text></annotationEntry>", 1
    )
    (d,) = parse_dmn(xml)
    assert d.annotations == ("CQH-13-5",)


def test_doctype_is_rejected():
    xml = table(BANDS).replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE definitions [<!ENTITY x "boom">]>',
    )
    with pytest.raises(PackError, match="DOCTYPE") as exc:
        parse_dmn(xml.encode(), file="evil.dmn")
    assert exc.value.problems[0].file == "evil.dmn"


def test_entity_declaration_alone_is_rejected():
    with pytest.raises(PackError, match="ENTITY"):
        parse_dmn(b'<!ENTITY lol "lol"><definitions/>')


def test_malformed_xml_is_a_pack_error():
    with pytest.raises(PackError, match="well-formed"):
        parse_dmn(b"<definitions", file="broken.dmn")


def test_syntax_errors_name_every_rule_and_column():
    with pytest.raises(PackError) as exc:
        parse_dmn(fixture("syntax_errors.dmn"), file="dmn/t/triage.dmn", pack="t")
    problems = exc.value.problems
    where = sorted((p.element, p.rule, p.column) for p in problems)
    assert where == [
        ("triage", "2 (DecisionRule_2bad)", "举报类型"),
        ("triage", "3 (DecisionRule_1x)", "转至"),
        ("triage", "3 (DecisionRule_1x)", "金额"),
    ]
    assert all(p.file == "dmn/t/triage.dmn" and p.pack == "t" for p in problems)
    assert "rule 3 (DecisionRule_1x)" in str(exc.value)
    assert "[1.." in str(exc.value)


def test_hostile_cell_is_a_pack_error_and_runs_nothing(tmp_path):
    target = "/tmp/pwned"
    if os.path.exists(target):
        os.remove(target)
    with pytest.raises(PackError) as exc:
        parse_dmn(fixture("hostile.dmn"), file="hostile.dmn")
    (problem,) = exc.value.problems
    assert (problem.element, problem.rule, problem.column) == ("hostile", "2 (DecisionRule_evil)", "Result")
    assert "__import__" in problem.message
    assert not os.path.exists(target)


@pytest.mark.parametrize(
    "cell,where",
    [
        ("__import__('os').system('touch /tmp/pwned')", "input"),
        ("().__class__.__base__.__subclasses__()", "input"),
        ("'{0.__class__}'.format(1)", "output"),
    ],
)
def test_hostile_cells_anywhere_fail_to_parse(cell, where):
    rules = [([cell], ['"x"'])] if where == "input" else [(["-"], [cell])]
    with pytest.raises(PackError):
        parse_dmn(table(rules))
    assert not os.path.exists("/tmp/pwned")


def test_structural_problems_are_collected():
    xml = table([(["1", "2"], ['"x"']), (["-"], [])], aggregation="SUM", policy="FIRST")
    with pytest.raises(PackError) as exc:
        parse_dmn(xml)
    text = str(exc.value)
    assert "aggregation 'SUM' needs hit policy COLLECT" in text
    assert "rule 1 (DecisionRule_1)" in text and "2 input entries for 1 inputs" in text
    assert "rule 2 (DecisionRule_2)" in text and "0 output entries for 1 outputs" in text


def test_output_without_name_is_an_error():
    xml = table(BANDS).replace('name="result" ', "")
    with pytest.raises(PackError, match="no name"):
        parse_dmn(xml)


# -- hit policies -------------------------------------------------------------------------------


def test_unique_single_match_and_boundaries():
    m = model(table(BANDS))
    assert m.evaluate("t", {"amount": 99}) == {"result": "small"}
    assert m.evaluate("t", {"amount": 100}) == {"result": "medium"}
    assert m.evaluate("t", {"amount": D("1000")}) == {"result": "medium"}
    assert m.evaluate("t", {"amount": 1000.5}) == {"result": "large"}


def test_unique_overlap_names_both_rules():
    with pytest.raises(DecisionError) as exc:
        run(table(OVERLAPPING[:2]), {"amount": 60})
    msg = str(exc.value)
    assert "rule 1 (DecisionRule_1)" in msg and "rule 2 (DecisionRule_2)" in msg and "UNIQUE" in msg
    assert exc.value.decision == "t"
    assert exc.value.rules == ("1 (DecisionRule_1)", "2 (DecisionRule_2)")


def test_first_takes_the_first_match():
    m = model(table(OVERLAPPING, policy="FIRST"))
    assert m.evaluate("t", {"amount": 60}) == {"result": "small"}
    assert m.evaluate("t", {"amount": 500}) == {"result": "medium"}
    assert m.evaluate("t", {"amount": 5000}) == {"result": "any"}


def test_priority_orders_by_output_values():
    m = DecisionModel(parse_dmn(fixture("priority.dmn")))
    assert m.evaluate("priority", {"amount": 5, "reporter_category": "ordinary"}) == {"risk": "low"}
    assert m.evaluate("priority", {"amount": 50000, "reporter_category": "ordinary"}) == {"risk": "medium"}
    assert m.evaluate("priority", {"amount": 50000, "reporter_category": "insider"}) == {"risk": "high"}


def test_priority_uses_later_outputs_to_break_ties():
    xml = table(
        [(["-"], ['"a"', "1"]), (["-"], ['"a"', "2"]), (["-"], ['"b"', "3"])],
        outputs=(("grade", "string"), ("n", "number")),
        policy="PRIORITY",
        output_values={"grade": '"a","b"', "n": "2,1,3"},
    )
    assert run(xml, {"amount": 1}) == {"grade": "a", "n": D(2)}


def test_output_order_sorts_all_matches():
    xml = table(
        [(["-"], ['"low"']), (["> 10"], ['"high"']), (["> 5"], ['"medium"'])],
        policy="OUTPUT ORDER",
        output_values={"result": '"high","medium","low"'},
    )
    assert run(xml, {"amount": 20}) == {"result": ["high", "medium", "low"]}
    assert run(xml, {"amount": 7}) == {"result": ["medium", "low"]}


def test_any_accepts_equal_outputs_and_rejects_conflicts():
    xml = table([(["> 10"], ['"yes"']), (["> 100"], ['"yes"']), (["> 1000"], ['"no"'])], policy="ANY")
    m = model(xml)
    assert m.evaluate("t", {"amount": 500}) == {"result": "yes"}
    with pytest.raises(DecisionError) as exc:
        m.evaluate("t", {"amount": 5000})
    assert "ANY" in str(exc.value) and "rule 1 (DecisionRule_1)" in str(exc.value)
    assert "rule 3 (DecisionRule_3)" in str(exc.value)


def test_rule_order_and_collect_give_lists_per_output():
    rules = [(["> 10"], ['"a"', "1"]), (["> 100"], ['"b"', "2"]), (["> 1000"], ['"c"', ""])]
    outputs = (("code", "string"), ("weight", "number"))
    for policy in ("RULE ORDER", "COLLECT"):
        xml = table(rules, outputs=outputs, policy=policy)
        assert run(xml, {"amount": 5000}) == {"code": ["a", "b", "c"], "weight": [D(1), D(2), None]}
        assert run(xml, {"amount": 50}) == {"code": ["a"], "weight": [D(1)]}


@pytest.mark.parametrize(
    "aggregation,expected,empty",
    [
        ("SUM", D(7), None),
        ("MIN", D(1), None),
        ("MAX", D(4), None),
        ("COUNT", D(3), D(0)),
    ],
)
def test_collect_aggregations(aggregation, expected, empty):
    rules = [(["> 0"], ["4"]), (["> 10"], ["2"]), (["> 100"], ["1"]), (["> 1000"], [""])]
    xml = table(rules, outputs=(("points", "number"),), policy="COLLECT", aggregation=aggregation)
    m = model(xml)
    assert m.evaluate("t", {"amount": 5000}) == {"points": expected}
    assert m.evaluate("t", {"amount": -1}) == {"points": empty}


def test_collect_sum_of_strings_is_a_runtime_error():
    xml = table([(["-"], ['"a"'])], policy="COLLECT", aggregation="SUM")
    with pytest.raises(DecisionError, match="SUM needs numbers"):
        run(xml, {"amount": 1})


def test_aggregation_needs_a_single_output():
    xml = table(
        [(["-"], ["1", "2"])], outputs=(("a", "number"), ("b", "number")), policy="COLLECT", aggregation="MAX"
    )
    with pytest.raises(PackError, match="exactly one output"):
        parse_dmn(xml)


@pytest.mark.parametrize(
    "policy,aggregation,expected",
    [
        ("UNIQUE", None, {"code": None, "weight": None}),
        ("FIRST", None, {"code": None, "weight": None}),
        ("PRIORITY", None, {"code": None, "weight": None}),
        ("ANY", None, {"code": None, "weight": None}),
        ("RULE ORDER", None, {"code": [], "weight": []}),
        ("OUTPUT ORDER", None, {"code": [], "weight": []}),
        ("COLLECT", None, {"code": [], "weight": []}),
    ],
)
def test_no_match_gives_nulls_or_empty_lists(policy, aggregation, expected):
    xml = table(
        [(["> 10"], ['"a"', "1"])],
        outputs=(("code", "string"), ("weight", "number")),
        policy=policy,
        output_values={"code": '"a"'},
    )
    assert run(xml, {"amount": 1}) == expected
    assert run(xml, {}) == expected  # a missing input is null and matches nothing here


def test_dash_and_empty_cells_match_anything_including_null():
    xml = table([(["-", ""], ['"x"'])], inputs=(("a", "number"), ("b", "string")))
    assert run(xml, {}) == {"result": "x"}


def test_empty_output_cell_is_null():
    assert run(table([(["-"], [""])]), {"amount": 1}) == {"result": None}


# -- typed inputs and outputs -------------------------------------------------------------------


@pytest.mark.parametrize("value", [5, 5.0, "5", D("5.00"), " 5 "])
def test_number_inputs_are_coerced(value):
    assert run(table([(["5"], ['"five"'])]), {"amount": value}) == {"result": "five"}


@pytest.mark.parametrize("type_ref", ["long", "double", "feel:number", "integer"])
def test_number_type_aliases(type_ref):
    xml = table([(["< 10"], ['"small"'])], inputs=(("amount", type_ref),))
    assert run(xml, {"amount": 3}) == {"result": "small"}


@pytest.mark.parametrize(
    "type_ref,value,shown",
    [
        ("number", "abc", "'abc'"),
        ("number", True, "true"),
        ("number", float("nan"), "nan"),
        ("integer", D("2.5"), "2.5"),
        ("boolean", "yes", "'yes'"),
        ("boolean", 1, "1"),
        ("string", 42, "42"),
        ("date", "2024-02-30", "'2024-02-30'"),
        ("date", "01/02/2024", "'01/02/2024'"),
    ],
)
def test_bad_typed_input_names_decision_and_input(type_ref, value, shown):
    xml = table([(["-"], ['"x"'])], inputs=(("amount", type_ref),), decision_id="reward_approval")
    with pytest.raises(DecisionError) as exc:
        run(xml, {"amount": value}, "reward_approval")
    assert str(exc.value) == (f"decision 'reward_approval': input 'amount' expects {type_ref}, got {shown}")
    assert exc.value.column == "amount"


def test_boolean_date_and_string_coercion():
    xml = table(
        [(["true", 'date("2024-03-01")', '"a"'], ['"hit"'])],
        inputs=(("flag", "boolean"), ("day", "date"), ("kind", "string")),
    )
    m = model(xml)
    assert m.evaluate("t", {"flag": "true", "day": "2024-03-01", "kind": "a"}) == {"result": "hit"}
    assert m.evaluate("t", {"flag": True, "day": date(2024, 3, 1), "kind": "a"}) == {"result": "hit"}
    assert m.evaluate("t", {"flag": "false", "day": date(2024, 3, 1), "kind": "a"}) == {"result": None}


def test_integer_input_accepts_integral_values():
    xml = table([(["[18..70]"], ['"ok"'])], inputs=(("age", "integer"),))
    assert run(xml, {"age": D("30.0")}) == {"result": "ok"}
    assert run(xml, {"age": "70"}) == {"result": "ok"}


def test_output_types_are_enforced():
    xml = table([(["-"], ["amount * 2"])], outputs=(("count", "integer"),))
    assert run(xml, {"amount": 3}) == {"count": D(6)}
    with pytest.raises(DecisionError) as exc:
        run(xml, {"amount": D("1.25")})
    assert "output 'count' expects integer, got 2.50" in str(exc.value)
    assert "rule 1 (DecisionRule_1)" in str(exc.value)


def test_outputs_can_compute_from_inputs():
    xml = table(
        [(["-", "-"], ["max(raw, floor)"])],
        inputs=(("raw", "number"), ("floor", "number")),
        outputs=(("amount", "number"),),
    )
    assert run(xml, {"raw": "150", "floor": 200}) == {"amount": D(200)}
    assert run(xml, {"raw": 350, "floor": 200}) == {"amount": D(350)}


def test_cells_can_compare_with_other_inputs():
    xml = table(
        [(["> limit", "-"], ['"over"']), (["<= limit", "-"], ['"within"'])],
        inputs=(("amount", "number"), ("limit", "number")),
    )
    assert run(xml, {"amount": "10", "limit": 5}) == {"result": "over"}
    assert run(xml, {"amount": 5, "limit": "5"}) == {"result": "within"}


def test_non_bare_input_expression():
    xml = table([(["> 100"], ['"big"']), (["<= 100"], ['"small"'])], inputs=(("a + b", "number"),))
    assert run(xml, {"a": D(60), "b": D(50)}) == {"result": "big"}


def test_path_input_expression_reads_contexts():
    xml = table([(['"x"'], ['"found"'])], inputs=(("case.kind", "string"),))
    assert run(xml, {"case": {"kind": "x"}}) == {"result": "found"}
    assert run(xml, {"case": None}) == {"result": None}


# -- requirements (DRD) ----------------------------------------------------------------------------


def reward_model() -> DecisionModel:
    return DecisionModel.from_files(
        {
            "dmn/t/reward_terms.dmn": fixture("reward_terms.dmn"),
            "dmn/t/reward_approval.dmn": fixture("reward_approval.dmn"),
            "dmn/t/notes.txt": b"not a decision",
        },
        pack="t",
    )


def test_reward_amount_reads_terms_of_the_required_table():
    m = reward_model()
    assert sorted(m.ids()) == ["reward_amount", "reward_approval", "reward_terms"]
    assert m.evaluate("reward_amount", {"base_amount": 1000, "criminal": False}) == {
        "rate": D("0.05"),
        "amount": D(500),
        "floor_applied": True,
        "cap_applied": False,
    }
    assert m.evaluate("reward_amount", {"base_amount": D("12345.67"), "criminal": False}) == {
        "rate": D("0.05"),
        "amount": D("617.28"),
        "floor_applied": False,
        "cap_applied": False,
    }
    assert m.evaluate("reward_amount", {"base_amount": 5_000_000, "criminal": True}) == {
        "rate": D("0.1"),
        "amount": D(200000),
        "floor_applied": False,
        "cap_applied": True,
    }


def test_chain_of_three_decisions_across_two_files():
    m = reward_model()
    assert m.evaluate("reward_approval", {"base_amount": 100000, "criminal": False}) == {
        "collective_deliberation": False
    }
    assert m.evaluate("reward_approval", {"base_amount": 100000, "criminal": True}) == {
        "collective_deliberation": True
    }
    assert m.evaluate("reward_terms", {"criminal": True})["floor"] == D(1000)


def test_trace_names_matched_rules_in_every_decision():
    trace = reward_model().evaluate_traced("reward_approval", {"base_amount": 100000, "criminal": True})
    assert trace.outputs == {"collective_deliberation": True}
    assert [t.decision_id for t in trace.decisions] == ["reward_terms", "reward_amount", "reward_approval"]
    terms = trace.of("reward_terms")
    assert [(h.rule_id, h.row, h.annotation) for h in terms.matched] == [
        ("DecisionRule_1criminal", 2, "URU 第十二条第（二）项")
    ]
    assert terms.inputs == {"涉嫌犯罪": True}
    amount = trace.of("reward_amount")
    assert [h.row for h in amount.matched] == [2]
    assert amount.required == {"reward_terms": {"rate": D("0.1"), "floor": D(1000), "cap": D(200000)}}
    assert trace.of("reward_approval").required["reward_amount"]["amount"] == D("10000.00")
    assert trace.matched == ()


def test_required_decisions_are_evaluated_once(monkeypatch):
    m = reward_model()
    terms = m.get("reward_terms")
    calls = []
    original = type(terms).evaluate_alone

    def counting(self, *args, **kwargs):
        calls.append(self.id)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(terms), "evaluate_alone", counting)
    m.evaluate("reward_approval", {"base_amount": 1, "criminal": False})
    assert calls == ["reward_terms", "reward_amount", "reward_approval"]


def test_single_output_requirement_is_a_plain_value():
    base = table([(["-"], ["amount * 2"])], outputs=(("doubled", "number"),), decision_id="double")
    top = table(
        [(["> 10"], ['"big"'])], inputs=(("double", "number"),), decision_id="top", required=("double",)
    )
    m = model(base, top)
    assert m.evaluate("top", {"amount": 6}) == {"result": "big"}


LITERAL_WITH_INPUT_DATA = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{DMN13}" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_raw" name="raw" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="reward_raw" name="按比例计算金额">
    <variable id="InformationItem_raw" name="reward_raw" typeRef="number" />
    <informationRequirement id="IR_1"><requiredInput href="#InputData_base_amount" /></informationRequirement>
    <literalExpression id="LiteralExpression_raw"><text>decimal(base_amount * 0.05, 2)</text></literalExpression>
  </decision>
  <inputData id="InputData_base_amount" name="base_amount">
    <variable id="InformationItem_base" name="base_amount" typeRef="number" />
  </inputData>
  <dmndi:DMNDI><dmndi:DMNDiagram id="DMNDiagram_1"><dmndi:DMNShape id="S1" dmnElementRef="reward_raw"><dc:Bounds height="80" width="180" x="160" y="100" /></dmndi:DMNShape></dmndi:DMNDiagram></dmndi:DMNDI>
</definitions>
"""


def test_literal_reads_typed_input_data():
    m = DecisionModel(parse_dmn(LITERAL_WITH_INPUT_DATA, file="reward_raw.dmn"))
    assert m.get("reward_raw").required_inputs == ("base_amount",)
    assert m.evaluate("reward_raw", {"base_amount": "12345.67"}) == {"reward_raw": D("617.28")}
    assert m.evaluate("reward_raw", {}) == {"reward_raw": None}
    with pytest.raises(DecisionError, match="input 'base_amount' expects number, got 'lots'"):
        m.evaluate("reward_raw", {"base_amount": "lots"})
    assert m.validate() == []


def test_literal_reading_an_undeclared_variable_is_a_warning():
    xml = LITERAL_WITH_INPUT_DATA.replace("base_amount * 0.05", "base_amount * rate")
    (p,) = DecisionModel(parse_dmn(xml, file="reward_raw.dmn")).validate()
    assert p.severity == "warning" and "'rate'" in p.message


def test_duplicate_decision_ids_across_files():
    with pytest.raises(PackError, match="decision id 'reward_terms' is also defined"):
        DecisionModel.from_files(
            {
                "a/reward_terms.dmn": fixture("reward_terms.dmn"),
                "b/reward_terms.dmn": fixture("reward_terms.dmn"),
            }
        )


def test_missing_required_decision():
    with pytest.raises(PackError) as exc:
        DecisionModel.from_files({"reward_approval.dmn": fixture("reward_approval.dmn")}, pack="t")
    (p,) = exc.value.problems
    assert p.element == "reward_amount" and "reward_terms" in p.message


def test_requirement_cycle():
    a = table([(["-"], ['"x"'])], inputs=(("b", "string"),), decision_id="a", required=("b",))
    b = table([(["-"], ['"y"'])], inputs=(("a", "string"),), decision_id="b", required=("a",))
    with pytest.raises(PackError, match="cycle"):
        model(a, b)


def test_parse_errors_of_all_files_are_collected():
    with pytest.raises(PackError) as exc:
        DecisionModel.from_files(
            {"hostile.dmn": fixture("hostile.dmn"), "triage.dmn": fixture("syntax_errors.dmn")}
        )
    assert {p.file for p in exc.value.problems} == {"hostile.dmn", "triage.dmn"}
    assert len(exc.value.problems) == 4


def test_unknown_decision_is_a_decision_error():
    with pytest.raises(DecisionError, match="no decision 'nope'"):
        reward_model().evaluate("nope", {})


# -- static checks ---------------------------------------------------------------------------------


def messages(m: DecisionModel) -> list[str]:
    return [str(p) for p in m.validate()]


def test_shipped_style_fixtures_validate_cleanly():
    assert messages(reward_model()) == []
    assert messages(DecisionModel(parse_dmn(fixture("priority.dmn"), file="priority.dmn"))) == []


def test_validate_finds_unknown_variables():
    xml = table(
        [(["> limt", "-"], ["amount * rat"]), (["<= limit", "-"], ["0"])],
        inputs=(("amount", "number"), ("limit", "number")),
        outputs=(("result", "number"),),
    )
    problems = model(xml).validate()
    found = sorted((p.rule, p.column, p.message) for p in problems)
    assert found == [
        (
            "1 (DecisionRule_1)",
            "Result",
            "unknown variable 'rat' (neither an input of the table nor a required decision)",
        ),
        (
            "1 (DecisionRule_1)",
            "amount",
            "unknown variable 'limt' (neither an input of the table nor a required decision)",
        ),
    ]


def test_validate_flags_reading_a_decision_that_is_not_required():
    other = table([(["-"], ["1"])], outputs=(("v", "number"),), decision_id="other")
    xml = table([(["-"], ["other + 1"])], outputs=(("v", "number"),))
    (p,) = model(other, xml).validate()
    assert p.element == "t" and "'other', a decision that this decision does not require" in p.message


def test_validate_finds_static_unique_overlap():
    problems = model(table(OVERLAPPING[:2])).validate()
    (p,) = problems
    assert p.severity == "error" and p.rule == "1 (DecisionRule_1)"
    assert "rules 1 (DecisionRule_1) and 2 (DecisionRule_2) both match when amount = " in p.message


def test_validate_overlap_considers_every_column():
    rules = [(['"a"', "< 5"], ['"x"']), (['"a"', ">= 5"], ['"y"']), (['"b", "a"', "[4..6]"], ['"z"'])]
    xml = table(rules, inputs=(("kind", "string"), ("n", "number")))
    found = [p.message for p in model(xml).validate()]
    assert len(found) == 2
    assert found[0].startswith(
        "rules 1 (DecisionRule_1) and 3 (DecisionRule_3) both match when kind = 'a', n = 4"
    )
    assert found[1].startswith(
        "rules 2 (DecisionRule_2) and 3 (DecisionRule_3) both match when kind = 'a', n = 5"
    )


def test_validate_no_overlap_for_disjoint_bands_and_not():
    rules = [(["< 100"], ['"a"']), (["[100..1000)"], ['"b"']), (["not(< 1000)"], ['"c"'])]
    assert messages(model(table(rules))) == []


def test_validate_respects_input_values_and_finds_dead_cells():
    rules = [(['"report"'], ['"a"']), (['not("report")'], ['"b"']), (['"reprot"'], ['"c"'])]
    xml = table(rules, inputs=(("kind", "string"),), input_values={"kind": '"report","petition"'})
    (p,) = model(xml).validate()
    assert p.rule == "3 (DecisionRule_3)" and "matches no value allowed by the input values" in p.message


def test_validate_output_types_and_values():
    rules = [(["< 0"], ['"high"', "1.5"]), (["[0..10]"], ['"urgent"', "2"]), (["> 10"], ["true", "3"])]
    xml = table(
        rules, outputs=(("level", "string"), ("n", "integer")), output_values={"level": '"high","low"'}
    )
    found = sorted((p.rule, p.message) for p in model(xml).validate())
    assert found == [
        ("1 (DecisionRule_1)", "output 'n' is of type integer but the cell gives 1.5"),
        ("2 (DecisionRule_2)", '\'urgent\' is not one of the output values ("high","low")'),
        ("3 (DecisionRule_3)", "output 'level' is of type string but the cell gives true"),
    ]


@pytest.mark.parametrize("policy", ["PRIORITY", "OUTPUT ORDER"])
def test_validate_priority_needs_output_values(policy):
    (p,) = model(table(BANDS, policy=policy)).validate()
    assert f"hit policy {policy} needs output values" in p.message


def test_validate_any_conflict():
    xml = table([(["> 10"], ['"yes"']), (["> 100"], ['"no"'])], policy="ANY")
    (p,) = model(xml).validate()
    assert "give different outputs" in p.message


def test_validate_file_stem_must_name_a_decision():
    m = DecisionModel.from_files({"dmn/t/wrong_name.dmn": fixture("reward_terms.dmn")})
    (p,) = m.validate()
    assert p.file == "dmn/t/wrong_name.dmn" and "'wrong_name'" in p.message


# -- fast matchers agree with FEEL -------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        '"a"',
        '"a","b"',
        "true",
        "false",
        "5",
        "1, 2.5",
        "< 5",
        "<= 5",
        "> -1",
        ">= 5.5",
        "[1..5]",
        "(1..5)",
        "]1..5[",
        "[1..5)",
    ],
)
def test_fast_matchers_agree_with_feel(cell):
    tests = compile_unary_tests(cell)
    fast = matcher(cell, tests)
    for value in [
        "a",
        "b",
        "c",
        True,
        False,
        None,
        D(-1),
        D(1),
        D("2.5"),
        D(5),
        D("5.5"),
        D(6),
        date(2024, 1, 1),
    ]:
        assert fast(value, {}, None) == tests.matches(value, {}, None), value
