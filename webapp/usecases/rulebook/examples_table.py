"""A decision's examples as a table staff edit: one column per input and per output of the decision,
plus the legal basis and a note; rows from the browser's form, from a CSV file or from an Excel
(.xlsx) sheet. Cells are typed by the decision's column types (a number column gives decimals, a
boolean column 是/否/true/false), and an empty expected cell is not checked.

A file's header names the columns: the decision's input and output names (an output may be written
`期望:amount` or `expect:amount` when an input has the same name), `依据`/`basis`, `说明`/`note`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.examples import Example, jsonable

MAX_ROWS = 2000
MAX_UPLOAD = 2 * 1024 * 1024
TRUE = {"true", "是", "yes", "y", "1", "√"}
FALSE = {"false", "否", "no", "n", "0", "×"}
BASIS = {"依据", "basis", "rule"}
NOTE = {"说明", "note", "备注"}


class TableError(Exception):
    """A row or file that cannot be read, in Chinese."""


@dataclass(frozen=True)
class Column:
    name: str
    type_ref: str
    side: str  # "input" or "expect"


def columns(model, decision_id: str, cases=()) -> list[Column]:
    """The table's columns for a decision: the data it and the decisions it requires read (bare names
    of input columns, DRD input data), any other input the examples give; then its outputs and any
    other output the examples expect."""
    ins: dict[str, str] = {}
    ids = set(model.ids())
    for did in (*model.requirements(decision_id), decision_id):
        d = model.get(did)
        for inp in d.inputs:
            if inp.path and len(inp.path) == 1 and inp.path[0] not in ids:
                ins.setdefault(inp.path[0], inp.type_ref)
        types = dict(d.input_types)
        for name in d.required_inputs:
            ins.setdefault(name, types.get(name, ""))
    for case in cases:
        for name in case.input:
            ins.setdefault(name, "")
    decision = model.get(decision_id)
    outs = {o.name: o.type_ref for o in decision.outputs}
    for case in cases:
        for name in case.expect:
            outs.setdefault(name, "")
    return [Column(n, t, "input") for n, t in ins.items()] + [Column(n, t, "expect") for n, t in outs.items()]


def shown(values: dict, name: str) -> str:
    """A cell of the table: empty when the example does not give the value, `null` when it gives none."""
    if name not in values:
        return ""
    return "null" if values[name] is None else cell_text(values[name])


def cell_text(value: Any) -> str:
    """A value as the table shows it."""
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parse_cell(text: str, type_ref: str) -> Any:
    """The value typed into a cell; raises TableError when it does not fit the column's type."""
    text = (text or "").strip()
    if text == "":
        return None
    if text.lower() in ("null", "空"):
        return None
    lowered = text.lower()
    if type_ref in ("number", "integer"):
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise TableError(f"“{text}”不是数字") from None
    if type_ref == "boolean":
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise TableError(f"“{text}”不是 是/否（true/false）")
    if type_ref in ("string", "date"):
        return text
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return (
            Decimal(text.replace(",", ""))
            if any(ch.isdigit() for ch in text) and "-" not in text[1:]
            else text
        )
    except InvalidOperation:
        return text


def row_to_example(
    cells: dict[str, str], cols: list[Column], basis: str = "", note: str = "", row: int = 0
) -> Example | None:
    """One table row as an example; None when the row is empty."""
    inputs, expect = {}, {}
    for col in cols:
        text = cells.get(f"{col.side}:{col.name}", "")
        try:
            value = parse_cell(text, col.type_ref)
        except TableError as exc:
            raise TableError(f"第 {row} 行“{col.name}”：{exc}") from None
        if col.side == "input":
            if text.strip():
                inputs[col.name] = value
        elif text.strip():
            expect[col.name] = value
    if not inputs and not expect and not basis.strip() and not note.strip():
        return None
    if not expect:
        raise TableError(f"第 {row} 行没有填写任何期望输出")
    return Example(input=inputs, expect=expect, basis=basis.strip(), note=note.strip())


def rows_from_form(form, cols: list[Column]) -> list[Example]:
    """The rows the table page posts: `<side>:<name>-<n>`, `basis-<n>`, `note-<n>`, `delete-<n>`."""
    count = min(int(form.get("rows", "0") or 0), MAX_ROWS + 1)
    out = []
    for n in range(1, count + 1):
        if form.get(f"delete-{n}"):
            continue
        cells = {f"{c.side}:{c.name}": form.get(f"{c.side}:{c.name}-{n}", "") for c in cols}
        example = row_to_example(cells, cols, form.get(f"basis-{n}", ""), form.get(f"note-{n}", ""), n)
        if example is not None:
            out.append(example)
    return out


def _header_map(header: list[str], cols: list[Column]) -> list[str | None]:
    names = {c.name: f"{c.side}:{c.name}" for c in reversed(cols)}  # an input wins over a same-named output
    mapped, unknown = [], []
    for title in header:
        t = (title or "").strip()
        low = t.lower()
        if low in BASIS or t in BASIS:
            mapped.append("basis")
        elif low in NOTE or t in NOTE:
            mapped.append("note")
        elif t.split(":", 1)[0] in ("期望", "expect") and ":" in t:
            name = t.split(":", 1)[1].strip()
            mapped.append(
                f"expect:{name}" if any(c.side == "expect" and c.name == name for c in cols) else None
            )
            if mapped[-1] is None:
                unknown.append(t)
        elif t in names:
            mapped.append(names[t])
        elif t == "":
            mapped.append(None)
        else:
            mapped.append(None)
            unknown.append(t)
    if unknown:
        raise TableError("表头中有决策没有的列：" + "、".join(unknown))
    return mapped


def rows_from_grid(grid: list[list[Any]], cols: list[Column]) -> list[Example]:
    """Rows from a header row and data rows (CSV or a sheet)."""
    if not grid:
        raise TableError("文件是空的")
    mapped = _header_map([cell_text(v) for v in grid[0]], cols)
    if len(grid) - 1 > MAX_ROWS:
        raise TableError(f"行数过多（最多 {MAX_ROWS} 行）")
    out = []
    for n, values in enumerate(grid[1:], 2):
        cells: dict[str, str] = {}
        for key, value in zip(mapped, values, strict=False):
            if key:
                cells[key] = cell_text(
                    value.date() if hasattr(value, "date") and callable(value.date) else value
                )
        example = row_to_example(cells, cols, cells.get("basis", ""), cells.get("note", ""), n)
        if example is not None:
            out.append(example)
    return out


def read_upload(filename: str, data: bytes, cols: list[Column]) -> list[Example]:
    """Rows of an uploaded .csv (UTF-8, with or without BOM; or GB18030) or .xlsx file."""
    if len(data) > MAX_UPLOAD:
        raise TableError("文件过大（最多 2 MB）")
    name = (filename or "").lower()
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise TableError("CSV 文件的编码无法识别（请存为 UTF-8）") from None
        return rows_from_grid([row for row in csv.reader(io.StringIO(text))], cols)
    if name.endswith(".xlsx"):
        from zipfile import BadZipFile

        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (BadZipFile, KeyError, ValueError, OSError):
            raise TableError("无法读取这个 Excel 文件（须为 .xlsx）") from None
        sheet = book.worksheets[0]
        grid = [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        book.close()
        return rows_from_grid([r for r in grid if any(v not in (None, "") for v in r)], cols)
    raise TableError("只能导入 .csv 或 .xlsx 文件")


def to_csv(examples: list[Example], cols: list[Column]) -> str:
    """The table as CSV, in the header layout read_upload reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    input_names = {c.name for c in cols if c.side == "input"}
    writer.writerow(
        [c.name if c.side == "input" or c.name not in input_names else f"期望:{c.name}" for c in cols]
        + ["依据", "说明"]
    )
    for ex in examples:
        writer.writerow(
            [shown(ex.input if c.side == "input" else ex.expect, c.name) for c in cols] + [ex.basis, ex.note]
        )
    return buffer.getvalue()
