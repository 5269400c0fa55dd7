"""Evidence attachments on the 登记表 and the case page: the allowed types checked by extension and by
content, the per-file limit, storage outside the database under the file's SHA-256, downloads only
for users who can see the case, and a file changed on disk detected when it is read."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from clerk import login_client as login
from sqlalchemy import select

from webapp import create_app
from webapp.extensions import db
from webapp.models import Attachment, Case, CaseEvent
from webapp.store.uploads import check, display_name, sniff

TODAY = date.today().isoformat()
REGISTRATION = dict(
    registered_on=TODAY,
    received_on=TODAY,
    source_channel="web",
    request_kind="report",
    fund_type="basic_medical",
    reporter_kind="natural_person",
    reporter_name="张三",
    reporter_id_no="110101199001011237",
    reporter_phone="13800000000",
    subject_type="designated_pharmacy",
    reported_unit_name="某某大药房",
    content="串换药品，将保健品记入医保结算",
    act_location="渝中区",
    has_evidence="true",
    repeat_of="none",
    recorder="李四",
    recorded_on=TODAY,
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture
def app(intake_app):
    return intake_app


def upload(name: str, data: bytes):
    return (io.BytesIO(data), name)


def register(client, files=(), **overrides):
    data = {**REGISTRATION, **overrides}
    if files:
        data["evidence"] = list(files)
    return client.post("/intake", data=data, content_type="multipart/form-data")


def case_id(response) -> int:
    assert response.status_code == 302, re.sub(r"\s+", " ", response.get_data(as_text=True))[-2500:]
    return int(re.search(r"/cases/(\d+)$", response.headers["Location"]).group(1))


def attachments(app, cid: int) -> list[Attachment]:
    with app.app_context():
        rows = (
            db.session.execute(select(Attachment).filter_by(case_id=cid).order_by(Attachment.id))
            .scalars()
            .all()
        )
        db.session.expunge_all()
        return rows


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the rules, without the app --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data",
    [
        ("a.pdf", PDF),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16),
        ("a.JPEG", b"\xff\xd8\xff\xe1xx"),
        ("a.png", PNG),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8),
        ("a.txt", "举报内容：某药店串换药品。\r\n".encode()),
        ("a.txt", "GB 编码的文字".encode("gb18030")),
        ("a.mp3", b"ID3\x04\x00" + b"\x00" * 16),
        ("a.mp3", b"\xff\xfb\x90\x64" + b"\x00" * 16),
        ("a.m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00"),
        ("a.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "),
    ],
)
def test_allowed_types_pass_when_the_content_matches(name, data):
    assert check(name, data)


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<x/>")
    return buffer.getvalue()


def test_office_files_are_zips_with_their_own_main_part():
    assert sniff("docx", office("word/document.xml")) and sniff("xlsx", office("xl/workbook.xml"))
    assert not sniff("docx", office("xl/workbook.xml"))
    assert not sniff("xlsx", b"PK\x03\x04 not really a zip")


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("setup.exe", EXE, "不接受此类文件"),
        ("发票.pdf", EXE, "内容与扩展名不符"),
        ("照片.png", PDF, "内容与扩展名不符"),
        ("说明.txt", EXE, "内容与扩展名不符"),
        ("noext", PDF, "不接受此类文件"),
        ("空.pdf", b"", "文件是空的"),
        ("script.pdf.sh", b"#!/bin/sh\n", "不接受此类文件"),
    ],
)
def test_refusals_name_the_file_and_the_reason(name, data, reason):
    with pytest.raises(Exception) as refused:
        check(name, data)
    assert f"「{name}」" in str(refused.value) and reason in str(refused.value)


def test_display_names_keep_chinese_and_drop_paths_and_control_characters():
    assert display_name("C:\\Users\\张三\\举报材料.pdf") == "举报材料.pdf"
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("发票\u202egpj.exe") == "发票gpj.exe"
    assert display_name("") == "未命名文件"


# -- on the 登记表 ---------------------------------------------------------------------------------


def test_files_chosen_on_the_intake_form_are_stored_by_their_hash_with_the_checksum_recorded(app, tmp_path):
    client = login(app)
    response = register(client, [upload("举报材料.pdf", PDF), upload("现场照片.png", PNG)])
    cid = case_id(response)
    rows = attachments(app, cid)
    assert [r.filename for r in rows] == ["举报材料.pdf", "现场照片.png"]
    for row, data in zip(rows, (PDF, PNG), strict=True):
        digest = hashlib.sha256(data).hexdigest()
        assert row.sha256 == digest and row.size == len(data)
        assert row.stored_as == f"{digest[:2]}/{digest[2:4]}/{digest}"
        assert (tmp_path / "up" / row.stored_as).read_bytes() == data
    assert rows[0].content_type == "application/pdf" and rows[1].content_type == "image/png"
    with app.app_context():
        titles = db.session.execute(select(CaseEvent.title).filter_by(case_id=cid)).scalars().all()
    assert any("举报材料.pdf" in t for t in titles)
    page = text(client.get(f"/cases/{cid}"))
    assert "举报材料.pdf" in page


def test_the_download_is_the_stored_file_as_an_attachment(app):
    client = login(app)
    cid = case_id(register(client, [upload("举报材料.pdf", PDF)]))
    [row] = attachments(app, cid)
    response = client.get(f"/cases/{cid}/evidence/{row.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''%E4%B8%BE%E6%8A%A5" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_refused_file_reshows_the_form_with_what_was_typed_and_keeps_the_accepted_files(app, tmp_path):
    client = login(app)
    response = register(
        client, [upload("举报材料.pdf", PDF), upload("木马.exe", EXE), upload("发票.pdf", EXE)]
    )
    assert response.status_code == 200
    page = text(response)
    assert "「木马.exe」未保存：不接受此类文件" in page
    assert "「发票.pdf」未保存：文件内容不是 .pdf 文件（内容与扩展名不符）" in page
    assert "某某大药房" in page and "串换药品，将保健品记入医保结算" in page  # what was typed is still there
    with app.app_context():
        assert db.session.execute(select(Case)).first() is None
    # The accepted file is carried on the re-shown form; submitting again registers with it.
    tokens = re.findall(r'name="evidence_pending" value="([^"]+)"', page)
    assert len(tokens) == 1 and "举报材料.pdf" in page
    stored = list((tmp_path / "up").rglob("*"))
    assert not any(hashlib.sha256(EXE).hexdigest() in p.name for p in stored)  # refused files are not kept
    cid = case_id(
        client.post(
            "/intake",
            data={**REGISTRATION, "evidence_pending": tokens, "evidence": [upload("照片.png", PNG)]},
            content_type="multipart/form-data",
        )
    )
    assert [r.filename for r in attachments(app, cid)] == ["举报材料.pdf", "照片.png"]


def test_a_forged_or_foreign_pending_token_attaches_nothing(app):
    client = login(app)
    page = text(register(client, [upload("举报材料.pdf", PDF), upload("x.exe", EXE)]))
    [token] = re.findall(r'name="evidence_pending" value="([^"]+)"', page)
    other = login(app, "cq-yubei-registrar")  # the token is bound to the user it was given to
    cid = case_id(
        other.post(
            "/intake",
            data={**REGISTRATION, "evidence_pending": [token, token[:-3] + "abc"]},
            content_type="multipart/form-data",
        )
    )
    assert attachments(app, cid) == []


def test_a_file_over_the_per_file_limit_is_refused_with_a_message_and_the_form_kept(app):
    client = login(app)
    big = b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024)  # just over 20 MB, under the 25 MB request limit
    response = register(client, [upload("监控录像截图.pdf", big)])
    assert response.status_code == 200
    page = text(response)
    assert "「监控录像截图.pdf」未保存：文件 20.0 MB，超过单个文件 20.0 MB 的上限" in page
    assert "某某大药房" in page
    with app.app_context():
        assert db.session.execute(select(Case)).first() is None


def test_a_request_over_the_request_limit_gets_the_chinese_error_page(tmp_path, seeded_databases):
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
            "SQLALCHEMY_DATABASE_URI": seeded_databases.sqlite_at(tmp_path / "t.sqlite"),
            "UPLOAD_FOLDER": str(tmp_path / "up"),
        }
    )
    client = login(app)
    response = register(client, [upload("a.pdf", b"%PDF-" + b"0" * (26 * 1024 * 1024))])
    assert response.status_code == 413
    assert "上传的文件过大" in text(response)
    assert not (tmp_path / "up").exists()


def test_the_app_caps_a_request_at_25_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024


# -- on the case page ------------------------------------------------------------------------------


def test_staff_who_see_the_case_add_evidence_from_the_case_page(app):
    client = login(app)
    cid = case_id(register(client))
    officer = login(app, "cq-yuzhong-case-officer")
    response = officer.post(
        f"/cases/{cid}/evidence",
        data={"evidence": [upload("询问笔录.docx", office("word/document.xml")), upload("录音.exe", EXE)]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = text(response)
    assert "已添加证据材料：询问笔录.docx" in page and "「录音.exe」未保存" in page
    [row] = attachments(app, cid)
    assert row.filename == "询问笔录.docx" and row.content_type.endswith("wordprocessingml.document")
    # An auditor sees the case but does not add to its materials; another bureau does not see it at all.
    auditor = login(app, "cq-yuzhong-auditor")
    assert (
        auditor.post(
            f"/cases/{cid}/evidence",
            data={"evidence": [upload("a.pdf", PDF)]},
            content_type="multipart/form-data",
        ).status_code
        == 403
    )
    stranger = login(app, "cq-yubei-case-officer")
    assert (
        stranger.post(
            f"/cases/{cid}/evidence",
            data={"evidence": [upload("a.pdf", PDF)]},
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    assert len(attachments(app, cid)) == 1


def test_another_bureau_cannot_download_evidence_even_by_url(app):
    client = login(app)
    cid = case_id(register(client, [upload("举报材料.pdf", PDF)]))
    [row] = attachments(app, cid)
    url = f"/cases/{cid}/evidence/{row.id}"
    assert login(app, "cq-yubei-registrar").get(url).status_code == 404
    assert login(app, "wlmq-tianshan-case-officer").get(url).status_code == 404
    assert login(app, "cq-registrar").get(url).status_code == 200  # the city bureau sees its districts
    # The attachment must belong to the case in the URL.
    other = case_id(register(client, reported_unit_name="另一家药房"))
    assert client.get(f"/cases/{other}/evidence/{row.id}").status_code == 404


def test_a_file_changed_on_disk_is_not_served_and_is_logged(app, tmp_path, caplog):
    client = login(app)
    cid = case_id(register(client, [upload("举报材料.pdf", PDF)]))
    [row] = attachments(app, cid)
    path = Path(tmp_path / "up" / row.stored_as)
    os.chmod(path, 0o640)
    path.write_bytes(PDF.replace(b"1.4", b"1.5"))
    # migrations/env.py runs logging.config.fileConfig, which disables every logger that already
    # existed (an earlier test's app logger included); the log line is what is under test here.
    app.logger.disabled = False
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/cases/{cid}/evidence/{row.id}")
    assert response.status_code == 409
    assert "校验失败" in text(response) and "举报材料.pdf" in text(response)
    assert any(
        "checksum mismatch" in r.getMessage()
        and row.sha256 in r.getMessage()
        and "cq-yuzhong-registrar" in r.getMessage()
        for r in caplog.records
    )
    path.unlink()
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/cases/{cid}/evidence/{row.id}")
    assert response.status_code == 409 and "已不存在" in text(response)
    assert any("evidence missing" in r.getMessage() for r in caplog.records)
    with app.app_context():  # and the timeline keeps the failures whatever logging does
        failures = (
            db.session.execute(select(CaseEvent).filter_by(case_id=cid, kind="evidence_integrity"))
            .scalars()
            .all()
        )
        assert len(failures) == 2 and "举报材料.pdf" in failures[0].title
        assert "checksum mismatch" in failures[0].detail["found"]


def test_files_of_a_form_the_clerk_left_are_deleted_once_their_tokens_have_expired(app, tmp_path):
    """A file accepted on a re-shown form the clerk never submitted is deleted by the timer worker
    once no token can claim it (chosen a day and an hour ago); a file a case took up, an old one
    chosen again today, and a file this database did not store are kept."""
    from datetime import timedelta

    from webapp.models import EvidenceUpload, utcnow
    from webapp.store import evidence
    from webapp.worker import ticks as worker

    client = login(app)
    cid = case_id(register(client, [upload("举报材料.pdf", PDF)]))
    register(client, [upload("现场照片.png", PNG), upload("x.exe", EXE)])  # re-shown; the clerk leaves
    note = "举报内容：某药店串换药品。".encode()
    register(client, [upload("说明.txt", note), upload("x.exe", EXE)])
    folder = tmp_path / "up"
    kept_pdf, left_png, again_txt = (
        evidence.path_for(folder, hashlib.sha256(d).hexdigest()) for d in (PDF, PNG, note)
    )
    stranger = evidence.path_for(folder, "f" * 64)  # another database's file in a shared folder
    stranger.parent.mkdir(parents=True, exist_ok=True)
    stranger.write_bytes(b"not ours")
    assert kept_pdf.is_file() and left_png.is_file() and again_txt.is_file()
    with app.app_context():
        for row in db.session.execute(select(EvidenceUpload)).scalars():
            row.stored_at = utcnow() - timedelta(days=2)
        db.session.commit()
    register(client, [upload("说明.txt", note), upload("x.exe", EXE)])  # the same note chosen again today
    with app.app_context():
        assert evidence.sweep_orphans(folder, older_than=timedelta(days=3)) == 0  # not that old
        result = worker.tick()
        assert (result.swept, worker.tick().swept) == (1, 0)  # once an hour, not every tick
        assert sorted(db.session.execute(select(EvidenceUpload.sha256)).scalars()) == [
            hashlib.sha256(note).hexdigest()
        ]  # the taken one's record is forgotten, the renewed one kept
        db.session.remove()
    assert not left_png.exists() and kept_pdf.is_file() and again_txt.is_file() and stranger.is_file()
    assert evidence.read_verified(folder, attachments(app, cid)[0]) == PDF
