"""A test-only blueprint that serves the editor page (templates/editor/file.html) on a shipped pack's
files and records what the page saves, so the editors can be driven in a real browser without the
draft views (which live elsewhere). It answers each save with the answer the test queued, else with
the engine's own check of the pack with the saved file in it.

Registered only by tests/browser/test_editors_browser.py; never by the application.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, abort, jsonify, render_template, render_template_string, request, url_for
from werkzeug.serving import make_server

from engine.decisions import DecisionModel
from engine.packs import DEFAULT_ROOT, load_pack
from engine.rules import calendars_for
from engine.specs import DEADLINE_RULES, ROLES, check_pack

KINDS = {"bpmn": "bpmn", "dmn": "dmn", "form": "forms"}
DIST = Path(__file__).resolve().parents[2] / "webapp" / "static" / "dist"
EDITOR_BUNDLES = [
    DIST / f"{name}.js" for name in ("bpmn-editor", "dmn-editor", "form-editor", "bpmn-diff", "editor-page")
]


class Served:
    """An app served by werkzeug on a free local port in a background thread."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Served:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@dataclass
class Recorder:
    """What the page posted, and what the fake server answers next."""

    posts: list[dict] = field(default_factory=list)
    answers: list[dict] = field(default_factory=list)

    def answer(self, pack_name: str, path: str, text: str) -> dict:
        """The queued answer, else what a server would say: the engine's problems with this file."""
        if self.answers:
            return self.answers.pop(0)
        pack = load_pack(pack_name, DEFAULT_ROOT)
        pack = dataclasses.replace(pack, files={**pack.files, path: text.encode("utf-8")})
        problems = [
            p.as_dict()
            for p in check_pack(pack, calendars_for(DEFAULT_ROOT))
            if p.file in (path, "") or path.endswith(f"/{p.file}")
        ]
        return {"saved": True, "version": pack.version, "problems": problems}


DIFF_PAGE = """{% extends "base.html" %}
{% block title %}流程差异{% endblock %}
{% block content %}<h1>流程差异</h1>{% include "editor/_bpmn_diff.html" %}{% endblock %}"""


def pack_info(pack) -> dict:
    """What the properties panel offers: the pack's forms, decisions, roles, deadline rules, and the
    date fields of its forms (the trigger variables of deadlines)."""
    dmn = {p: d for p, d in pack.files.items() if p.startswith("dmn/")}
    variables: set[str] = set()

    def walk(components):
        for c in components:
            if c.get("type") == "datetime" and c.get("key"):
                variables.add(c["key"])
            walk(c.get("components") or [])

    for form_id in pack.names("forms"):
        walk(json.loads(pack.files[f"forms/{form_id}.form"]).get("components") or [])
    return {
        "forms": pack.names("forms"),
        "decisions": DecisionModel.from_files(dmn, pack=pack.name).ids(),
        "roles": sorted(ROLES),
        "deadline_rules": list(DEADLINE_RULES),
        "variables": sorted(variables),
    }


def editor_blueprint(recorder: Recorder) -> Blueprint:
    bp = Blueprint("editor_fixture", __name__)

    @bp.get("/_test/edit/<pack>/<kind>/<stem>")
    def edit(pack: str, kind: str, stem: str):
        if kind not in KINDS:
            abort(404)
        loaded = load_pack(pack, DEFAULT_ROOT)
        suffix = "form" if kind == "form" else kind
        path = f"{KINDS[kind]}/{stem}.{suffix}"
        if path not in loaded.files:
            abort(404)
        problems = json.loads(request.args["problems"]) if "problems" in request.args else None
        return render_template(
            "editor/file.html",
            draft=None,
            path=path,
            kind=kind,
            text=loaded.files[path].decode("utf-8"),
            save_url=url_for("editor_fixture.save", pack=pack, kind=kind, stem=stem),
            back_url=url_for("packs.pack", pack=pack),
            pack_info=pack_info(loaded),
            problems=problems,
        )

    @bp.post("/_test/save/<pack>/<kind>/<stem>")
    def save(pack: str, kind: str, stem: str):
        body = request.get_json(silent=True) or {}
        recorder.posts.append({"pack": pack, "kind": kind, "stem": stem, "text": body.get("text")})
        path = f"{KINDS[kind]}/{stem}.{'form' if kind == 'form' else kind}"
        answer = recorder.answer(pack, path, body.get("text") or "")
        status = answer.pop("_status", 200)
        return jsonify(answer), status

    @bp.get("/_test/diff/<pack>/<stem>")
    def diff(pack: str, stem: str):
        loaded = load_pack(pack, DEFAULT_ROOT)
        old_xml = loaded.files[f"bpmn/{stem}.bpmn"].decode("utf-8")
        new_xml = (
            recorder.posts[-1]["text"] if recorder.posts and recorder.posts[-1]["kind"] == "bpmn" else old_xml
        )
        changes = json.loads(request.args["changes"]) if "changes" in request.args else None
        return render_template_string(DIFF_PAGE, old_xml=old_xml, new_xml=new_xml, changes=changes)

    return bp
