"""A draft's files through the engine: can a file be read at all, every problem of the pack (file,
element, rule, column, severity, message in Chinese), and every example case run green or red.

The engine speaks English in its messages; `chinese` puts the common ones into the editor's words
(an English page gets the engine's own) and keeps the location the engine found. Nothing here
evaluates Python.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from engine import examples as engine_examples
from engine.decisions import DecisionModel
from engine.errors import PackError, Problem
from engine.packs import MAX_FILE_BYTES, PackInfo
from engine.rules import calendars_for
from engine.specs import check_pack
from webapp.store.packindex import as_pack, packs_root

PATH_RE = re.compile(
    r"^(bpmn/[A-Za-z0-9_\-]+\.bpmn|dmn/[A-Za-z0-9_\-]+\.dmn|forms/[A-Za-z0-9_\-]+\.form"
    r"|examples/[A-Za-z0-9_\-]+\.json|notices/[A-Za-z0-9_\-]+\.txt|regulations/texts\.json)$"
)
KIND_OF = {
    "bpmn": "bpmn",
    "dmn": "dmn",
    "forms": "form",
    "examples": "examples",
    "notices": "notices",
    "regulations": "regulations",
}
PATH_RULE = (
    "文件路径不合规：只能是 bpmn/<id>.bpmn、dmn/<id>.dmn、forms/<id>.form、examples/<id>.json、"
    "notices/<种类>.txt 或 regulations/texts.json"
)

_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(p), r)
    for p, r in [
        (
            r"^FEEL syntax error in (.+?) `(.*)` \(line (\d+), column (\d+)\): (.*)$",
            r"FEEL 语法错误：\1 `\2`（第 \3 行第 \4 列）：\5",
        ),  # \1 and \5 are put in Chinese by _feel
        (r"^invalid FEEL in (.+?) `(.*)`: (.*)$", r"无效的 FEEL：\1 `\2`：\3"),
        (r"^FEEL: (.*)$", r"FEEL 表达式错误：\1"),
        (
            r"^unknown variable '(.+?)' \(neither an input of the table nor a required decision\)$",
            r"未知变量“\1”（既不是表的输入，也不是所需的决策）",
        ),
        (
            r"^rules (.+?) and (.+?) both match when (.*), but the hit policy is UNIQUE$",
            r"规则 \1 与 \2 在 \3 时同时命中，但命中策略为 UNIQUE（唯一）",
        ),
        (
            r"^rules (.+?) and (.+?) both match when (.*) and give different outputs, but the hit policy is ANY$",
            r"规则 \1 与 \2 在 \3 时同时命中且输出不同，但命中策略为 ANY",
        ),
        (
            r"^the cell `(.*)` matches no value (.*): the rule never applies$",
            r"单元格 `\1` 不匹配任何值：该规则永远不会生效",
        ),
        (
            r"^output '(.+?)' is of type (\S+) but the cell gives (.*)$",
            r"输出“\1”的类型为 \2，但单元格给出 \3",
        ),
        (r"^(.*) is not one of the output values \((.*)\)$", r"\1 不在输出值（\2）之中"),
        (r"^`(.*)` always fails: (.*)$", r"`\1` 总是出错：\2"),
        (r"^not well-formed XML: (.*)$", r"XML 格式错误：\1"),
        (r"^not valid JSON: (.*)$", r"不是有效的 JSON：\1"),
        (r"^user task names form '(.+?)', which the pack lacks$", r"用户任务使用的表单“\1”在规则包中不存在"),
        (r"^user task names no form \(camunda:formKey\)$", r"用户任务没有指定表单（camunda:formKey）"),
        (
            r"^user task names no candidate roles \(camunda:candidateGroups\)$",
            r"用户任务没有指定办理角色（camunda:candidateGroups）",
        ),
        (r"^unknown role '(.+?)'; known: (.*)$", r"未知角色“\1”；可用角色：\2"),
        (
            r"^business-rule task calls decision '(.+?)', which the pack lacks$",
            r"业务规则任务调用的决策“\1”在规则包中不存在",
        ),
        (
            r"^business-rule task names no decision \(camunda:decisionRef\)$",
            r"业务规则任务没有指定决策（camunda:decisionRef）",
        ),
        (r"^timer has no deadline rule \(timeDate\)$", r"定时器没有期限规则（timeDate）"),
        (
            r"^timer uses deadline rule '(.+?)', which deadline_rules lacks$",
            r"定时器使用的期限规则“\1”在 deadline_rules 中不存在",
        ),
        (
            r"^timer does not call deadline\(\"rule\", trigger_date\)$",
            r"定时器没有调用 deadline(\"规则\", 起算日)",
        ),
        (
            r"^timers must use timeDate with deadline\(\"rule\", trigger_date\)$",
            r"定时器必须用 timeDate 写 deadline(\"规则\", 起算日)",
        ),
        (
            r"^variables not set by any form or decision of the pack: (.*)$",
            r"这些变量没有由规则包的任何表单或决策设置：\1",
        ),
        (r"^the pack lacks decision '(.+?)' \(decision contract\)$", r"规则包缺少决策“\1”（决策约定）"),
        (r"^decision '(.+?)' lacks outputs (.*) \(decision contract\)$", r"决策“\1”缺少输出 \2（决策约定）"),
        (r"^deadline rule '(.+?)' is missing \(decision contract\)$", r"缺少期限规则“\1”（决策约定）"),
        (
            r"^the diagram has no layout \(BPMNDiagram\): the viewer cannot draw it$",
            r"流程图没有布局（BPMNDiagram），无法绘制",
        ),
        (
            r"^(\w+) is not allowed: rule packs cannot run code or call services$",
            r"不允许使用 \1：规则包不能运行代码或调用外部服务",
        ),
        (r"^DOCTYPE and entity declarations are not allowed$", r"不允许 DOCTYPE 和实体声明"),
        (r"^the table has no rules$", r"决策表没有规则"),
        (r"^not a DMN 1\.1–1\.3 document \(root element (.*)\)$", r"不是 DMN 1.1–1.3 文档（根元素 \1）"),
        (r"^the file holds no decision$", r"文件中没有决策"),
        (r"^the file is not UTF-8 text$", r"文件不是 UTF-8 文本"),
        (r"^DMN files may not contain <!(\w+)> declarations$", r"DMN 文件不能含有 <!\1> 声明"),
        (r"^decision id '(.+?)' is used twice in this file$", r"决策 id“\1”在本文件中出现两次"),
        (r"^decision id '(.+?)' is also defined in (.*)$", r"决策 id“\1”在 \2 中也有定义"),
        (
            r"^the file is named '(.+?)' but holds no decision with that id \((.*)\)$",
            r"文件名为“\1”，但其中没有这个 id 的决策（\2）",
        ),
        (
            r"^the decision has neither a decision table nor a literal expression$",
            r"决策既没有决策表也没有字面表达式",
        ),
        (r"^the literal expression is empty$", r"字面表达式为空"),
        (r"^the table has no output column$", r"决策表没有输出列"),
        (r"^output name '(.+?)' is used twice$", r"输出名“\1”出现两次"),
        (r"^the input has no input expression$", r"输入列没有输入表达式"),
        (r"^the output column has no name$", r"输出列没有名称"),
        (
            r"^the rule has (\d+) input entries for (\d+) inputs$",
            r"规则有 \1 个输入单元格，但表有 \2 个输入列",
        ),
        (
            r"^the rule has (\d+) output entries for (\d+) outputs$",
            r"规则有 \1 个输出单元格，但表有 \2 个输出列",
        ),
        (r"^unknown hit policy '(.+?)'$", r"未知的命中策略“\1”"),
        (r"^decision requirements form a cycle: (.*)$", r"决策依赖形成循环：\1"),
        (
            r"^(?:the cell|.+?) reads '(.+?)', a decision that this decision does not require \(add an information requirement\)$",
            r"读取了决策“\1”，但本决策没有声明依赖它（请添加信息需求）",
        ),
        (r"^requires decision '(.+?)', which the pack does not define$", r"需要的决策“\1”在规则包中不存在"),
        (
            r"^the file must define the process '(.+?)' \(the file name is the process id\)$",
            r"文件必须定义流程“\1”（文件名即流程 id）",
        ),
    ]
]


_WHAT = {
    "cell": "单元格",
    "input expression": "输入表达式",
    "literal expression": "字面表达式",
    "input values": "输入取值",
    "output values": "输出取值",
    "expression": "表达式",
}
_FEEL_DETAIL = [
    (re.compile(p), r)
    for p, r in [
        (
            r"^unexpected character (.+?); strings are written in double quotes$",
            r"意外的字符 \1；FEEL 的字符串须用双引号",
        ),
        (r"^unexpected character (.+)$", r"意外的字符 \1"),
        (r"^unexpected (.+?); expected (.+)$", r"意外的 \1；此处应为 \2"),
        (r"^unexpected (.+)$", r"意外的 \1"),
        (r"^the text ends too early; expected (.+)$", r"表达式不完整；此处应为 \1"),
        (r"^the text ends too early$", r"表达式不完整"),
    ]
]
_SYNTAX = re.compile(
    r"^FEEL syntax error in (.+?) `(.*)` \(line (\d+), column (\d+)\): (?:line \d+, column \d+: )?(.*?)"
    r"(?: \(in FEEL .*\))?$",
    re.S,
)


def _feel(detail: str) -> str:
    for pattern, replacement in _FEEL_DETAIL:
        if pattern.match(detail):
            detail = pattern.sub(replacement, detail, count=1)
            break
    return detail.replace("a value", "一个值").replace("an operator", "运算符").replace(" or ", " 或 ")


def chinese(message: str) -> str:
    """An engine message in the editor's words (the location stays in the structured fields)."""
    m = _SYNTAX.match(message)
    if m:
        what, text, line, column, detail = m.groups()
        return (
            f"FEEL 语法错误：{_WHAT.get(what, what)} `{text}`（第 {line} 行第 {column} 列）：{_feel(detail)}"
        )
    for pattern, replacement in _PATTERNS:
        if pattern.match(message):
            return pattern.sub(replacement, message, count=1)
    return message


def as_dict(problem: Problem) -> dict[str, Any]:
    """The structured problem of the editor contract; `rule` as the engine labels it ("3 (rule_id)"),
    with `row` (1-based) and `rule_id` apart for the editors."""
    row, rule_id = None, problem.rule
    m = re.match(r"^(\d+) \((.*)\)$", problem.rule or "")
    if m:
        row, rule_id = int(m.group(1)), m.group(2)
    elif (problem.rule or "").isdigit():
        row = int(problem.rule)
    return {
        "file": problem.file,
        "element": problem.element,
        "rule": problem.rule,
        "row": row,
        "rule_id": rule_id,
        "column": problem.column,
        "severity": problem.severity,
        "message": problem.message if _english() else chinese(problem.message),
    }


def _english() -> bool:
    """Whether the page asking speaks English: the engine's own words are then shown as they are."""
    from flask_babel import get_locale

    locale = get_locale()
    return locale is not None and locale.language == "en"


def unreadable(path: str, text: str) -> str | None:
    """Why a file's text cannot be parsed at all (then it is not stored), else None."""
    if not PATH_RE.match(path):
        return PATH_RULE
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        return f"文件过大（最多 {MAX_FILE_BYTES // 1024 // 1024} MB）"
    if path.endswith(".txt"):  # a notice template: its Jinja is checked with the pack (notice_problems)
        return None
    if path.endswith((".bpmn", ".dmn")):
        if re.search(r"<!\s*(DOCTYPE|ENTITY)", text, re.IGNORECASE):
            return "不允许 DOCTYPE 和实体声明"
        try:
            ET.fromstring(text.encode("utf-8"))
        except ET.ParseError as exc:
            return f"XML 格式错误，无法读取：{exc}"
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        return f"JSON 格式错误，无法读取：{exc}"
    if path.endswith(".form") and not isinstance(value, dict):
        return "表单文件应是一个 JSON 对象（form-js 模式）"
    if path.startswith("regulations/"):
        return None if isinstance(value, dict) else '规定清单应是一个 JSON 对象 {"texts": [...]}'
    if path.endswith(".json") and not isinstance(value, list):
        return "示例文件应是一个 JSON 数组（案例列表）"
    return None


@dataclass
class Check:
    """The outcome of checking a file set."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    examples: dict[str, Any] = field(default_factory=lambda: {"passed": 0, "failed": 0, "results": []})

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p["severity"] == "error")

    @property
    def failed(self) -> int:
        return self.examples["failed"]


def check_files(name: str, files: dict[str, str], info: PackInfo | None = None) -> Check:
    """Every problem of the pack these files make, and its examples run."""
    pack = as_pack(name, files, info)
    try:
        found = check_pack(pack, calendars_for(packs_root()))
    except PackError as exc:
        found = exc.problems
    decisions = None
    try:
        decisions = DecisionModel.from_files(
            {p: d for p, d in pack.files.items() if p.startswith("dmn/")}, pack=name
        )
    except PackError:
        pass
    results, example_problems = engine_examples.run(decisions, pack.files)
    problems = [as_dict(p) for p in (*found, *example_problems, *notice_problems(name, files))]
    problems.sort(key=lambda p: (p["severity"] != "error", p["file"], p["element"], p["row"] or 0))
    return Check(problems=problems, examples=engine_examples.summary(results))


def notice_problems(name: str, files: dict[str, str]) -> list[Problem]:
    """The problems of the draft's notice templates (noticetexts.check_template), names checked
    against what the draft's forms and decisions set."""
    from webapp.models.notices import KINDS
    from webapp.store.noticetexts import check_template

    paths = [p for p in sorted(files) if p.startswith("notices/")]
    names = set(pack_info(files)["variables"]) if paths else set()
    return [p for path in paths for p in check_template(path, files[path], KINDS, names, pack=name)]


def pack_info(files: dict[str, str]) -> dict[str, list[str]]:
    """What the editors offer in their pickers: forms, decisions, roles, deadline rules, variables."""
    from engine.specs import ROLES

    forms = sorted(p[6:-5] for p in files if p.startswith("forms/") and p.endswith(".form"))
    decision_ids, deadline_rules, variables = [], [], set()
    try:
        model = DecisionModel.from_files(
            {p: t.encode("utf-8") for p, t in files.items() if p.startswith("dmn/")}
        )
        for d in model:
            decision_ids.append(d.id)
            variables.add(d.id)
            variables.update(d.output_names)
            for inp in d.inputs:
                variables.add(inp.name)
            if d.id == "deadline_rules" and d.inputs:
                for rule in d.rules:
                    text = rule.input_texts[0].strip()
                    if text.startswith('"') and text.endswith('"'):
                        deadline_rules.append(text[1:-1])
    except PackError:
        pass
    for path in forms:
        try:
            from engine.diff import form_fields

            variables.update(form_fields(files[f"forms/{path}.form"].encode("utf-8")))
        except ValueError:
            pass
    return {
        "forms": forms,
        "decisions": sorted(decision_ids),
        "roles": sorted(ROLES),
        "deadline_rules": sorted(set(deadline_rules)),
        "variables": sorted(variables),
    }
