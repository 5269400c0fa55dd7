"""A decision's examples as a table (edit rows, import CSV or Excel, download CSV) and the try-it panel."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import examples as engine_examples
from engine.decisions import DecisionModel
from engine.errors import ClueflowError, PackError
from webapp.usecases.rulebook import drafts as uc
from webapp.usecases.rulebook import examples_table as table
from webapp.web.editor import bp


def _decision(row, decision_id: str):
    try:
        model = DecisionModel.from_files(
            {p: t.encode("utf-8") for p, t in row.files.items() if p.startswith("dmn/")}, pack=row.pack
        )
    except PackError:
        abort(409, description=_("决策表有错误，请先改正后再编辑示例"))
    if decision_id not in model:
        abort(404, description=_("草稿中没有这个决策"))
    return model, model.get(decision_id)


def _cases(row, decision_id: str) -> list[engine_examples.Example]:
    text = row.files.get(engine_examples.path_for(decision_id))
    if not text:
        return []
    try:
        return engine_examples.parse(text, engine_examples.path_for(decision_id))
    except PackError:
        return []


@bp.get("/drafts/<int:draft_id>/examples/<decision_id>")
def examples(draft_id: int, decision_id: str):
    row = uc.draft_for(current_user, draft_id)
    model, decision = _decision(row, decision_id)
    cases = _cases(row, decision_id)
    results = [engine_examples.run_case(model.evaluate, decision_id, n, c) for n, c in enumerate(cases, 1)]
    return render_template(
        "editor/examples.html",
        draft=row,
        decision=decision,
        columns=table.columns(model, decision_id, cases),
        cases=cases,
        results=results,
        cell=table.shown,
        can_edit=uc.can_edit(current_user),
    )


def _save_cases(row, decision_id: str, cases, what: str):
    path = engine_examples.path_for(decision_id)
    saved, check = uc.save_file(current_user, row, path, engine_examples.dump(cases))
    flash(
        _("%(what)s：共 %(n)s 个示例，%(f)s 个未通过", what=what, n=len(cases), f=check.failed),
        "warn" if check.failed else "info",
    )


@bp.post("/drafts/<int:draft_id>/examples/<decision_id>")
def save_examples(draft_id: int, decision_id: str):
    row = uc.draft_for(current_user, draft_id)
    model, _decision_row = _decision(row, decision_id)
    back = url_for("editor.examples", draft_id=row.id, decision_id=decision_id)
    try:
        cases = table.rows_from_form(
            request.form, table.columns(model, decision_id, _cases(row, decision_id))
        )
        _save_cases(row, decision_id, cases, _("示例已保存"))
    except table.TableError as error:
        flash(_("未保存：%(why)s", why=str(error)), "error")
    except uc.Forbidden:
        raise
    except uc.RulebookError as error:
        flash(str(error), "error")
    return redirect(back)


@bp.post("/drafts/<int:draft_id>/examples/<decision_id>/import")
def import_examples(draft_id: int, decision_id: str):
    row = uc.draft_for(current_user, draft_id)
    model, _decision_row = _decision(row, decision_id)
    back = url_for("editor.examples", draft_id=row.id, decision_id=decision_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("请选择要导入的 CSV 或 Excel 文件"), "error")
        return redirect(back)
    try:
        cases = table.read_upload(
            upload.filename,
            upload.read(table.MAX_UPLOAD + 1),
            table.columns(model, decision_id, _cases(row, decision_id)),
        )
        if request.form.get("mode") == "append":
            cases = _cases(row, decision_id) + cases
        _save_cases(row, decision_id, cases, _("已导入 %(file)s", file=upload.filename))
    except table.TableError as error:
        flash(_("未导入，草稿未改动：%(why)s", why=str(error)), "error")
    except uc.Forbidden:
        raise
    except uc.RulebookError as error:
        flash(str(error), "error")
    return redirect(back)


@bp.get("/drafts/<int:draft_id>/examples/<decision_id>.csv")
def examples_csv(draft_id: int, decision_id: str):
    row = uc.draft_for(current_user, draft_id)
    model, _decision_row = _decision(row, decision_id)
    cases = _cases(row, decision_id)
    body = "\ufeff" + table.to_csv(cases, table.columns(model, decision_id, cases))
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={row.pack}-{decision_id}.csv"},
    )


@bp.route("/drafts/<int:draft_id>/try/<decision_id>", methods=["GET", "POST"])
def try_decision(draft_id: int, decision_id: str):
    row = uc.draft_for(current_user, draft_id)
    model, decision = _decision(row, decision_id)
    cols = [c for c in table.columns(model, decision_id) if c.side == "input"]
    values = {c.name: request.form.get(f"input:{c.name}", "") for c in cols}
    trace, error = None, None
    if request.method == "POST":
        try:
            inputs = {}
            for c in cols:
                if values[c.name].strip():
                    inputs[c.name] = table.parse_cell(values[c.name], c.type_ref)
            trace = model.evaluate_traced(decision_id, engine_examples.typed(inputs))
        except table.TableError as exc:
            error = str(exc)
        except ClueflowError as exc:
            error = _("决策无法计算：%(why)s", why=str(exc))
    outputs = (
        json.dumps(engine_examples.jsonable(trace.outputs), ensure_ascii=False, indent=1) if trace else ""
    )
    return render_template(
        "editor/try.html",
        draft=row,
        decision=decision,
        columns=cols,
        values=values,
        trace=trace,
        outputs=outputs,
        error=error,
        model=model,
        jsonable=engine_examples.jsonable,
    )
