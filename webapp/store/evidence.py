"""Evidence attachments (CQH 第十二条第五项, 第十三条第五项; 第十七条 no copying, seizing or destroying
materials): where the files are kept and how they are read back; what may be uploaded is
webapp.store.uploads'.

Files live outside the database under UPLOAD_FOLDER, content-addressed by their SHA-256
(`ab/cd/abcd…`); the row keeps the name the clerk gave (Chinese included), the sniffed content
type, the size and the checksum. A file is accepted only when its extension is on the list AND its
first bytes are what that extension promises, so an executable renamed `.pdf` is refused. Reading a
file back recomputes the checksum: a file changed on disk is reported and logged, never served.

Files accepted on a form that is shown again (another field was wrong, or the duplicate warning)
are already stored; the page carries them as signed tokens so the clerk does not choose them again.
Every stored file is recorded (`EvidenceUpload`, with when it was last chosen); one no case took up
once those tokens have expired — the clerk left the form — is deleted by the timer worker
(`sweep_orphans`): a reporter's material is not kept outside any case. Only files this database
recorded are ever deleted.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Iterable

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from webapp.access import EVIDENCE_UPLOAD_ROLES
from webapp.extensions import db
from webapp.models import Attachment, Case, CaseEvent, EvidenceUpload, User, utcnow
from webapp.store.uploads import MAX_FILE_SIZE, EvidenceError, Refused, check, display_name
from webapp.transaction import discard, transaction

log = logging.getLogger(__name__)

PENDING_MAX_AGE = 24 * 3600  # seconds a file chosen on a re-shown form stays claimable
ORPHAN_AGE = timedelta(seconds=PENDING_MAX_AGE + 3600)  # unclaimed this long: an abandoned form's file


class Tampered(EvidenceError):
    """A stored file whose content no longer matches its recorded checksum, or that is gone;
    `detail` says what was found, for the log."""

    def __init__(self, message: str, detail: str):
        super().__init__(message)
        self.detail = detail


class NotAllowed(EvidenceError):
    """The user may see the case but not add evidence to it."""


@dataclass(frozen=True)
class Stored:
    """A file accepted and written to the store, not yet tied to a case."""

    filename: str
    content_type: str
    size: int
    sha256: str
    stored_as: str


# -- the store on disk ----------------------------------------------------------------------------


def path_for(folder: str | os.PathLike, sha256: str) -> Path:
    return Path(folder, sha256[:2], sha256[2:4], sha256)


def digest_of(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def store(folder: str | os.PathLike, data: bytes) -> tuple[str, str]:
    """Write the bytes under their hash (atomically; a same-content file already there is kept
    unless it was damaged); returns (sha256, path relative to the folder)."""
    sha = hashlib.sha256(data).hexdigest()
    path = path_for(folder, sha)
    if not (path.exists() and digest_of(path) == sha):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o440)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return sha, path.relative_to(folder).as_posix()


def read_verified(folder: str | os.PathLike, attachment: Attachment) -> bytes:
    """The stored bytes of an attachment, after checking them against the recorded checksum."""
    path = Path(folder, attachment.stored_as)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Tampered(
            f"证据材料「{attachment.filename}」的文件已不存在，此事已记录，请联系系统管理员",
            f"evidence missing: {path}: {exc}",
        ) from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != attachment.sha256 or len(data) != attachment.size:
        raise Tampered(
            f"证据材料「{attachment.filename}」校验失败：文件与登记时的校验值不符，可能已被改动。"
            "此事已记录，请联系系统管理员",
            f"evidence checksum mismatch: {path}: recorded {attachment.sha256} ({attachment.size} bytes), "
            f"found {actual} ({len(data)} bytes)",
        )
    return data


def receive(
    files: Iterable, folder: str | os.PathLike, max_size: int = MAX_FILE_SIZE
) -> tuple[list[Stored], list[str]]:
    """Check and store the uploaded files (werkzeug FileStorage); returns (stored, refusal messages).
    The empty part a browser sends when no file was chosen is ignored."""
    stored, refused = [], []
    for upload in files:
        if not upload or not upload.filename:
            continue
        name = display_name(upload.filename)
        data = upload.stream.read(max_size + 1)
        try:
            content_type = check(name, data, max_size)
        except Refused as exc:
            refused.append(str(exc))
            continue
        sha, where = store(folder, data)
        stored.append(Stored(name, content_type, len(data), sha, where))
    _record(stored)
    return stored, refused


def _record(stored: list[Stored]) -> None:
    """Note the files just stored, and when (committed at once: the page may be shown again without
    saving anything else). A file chosen again is noted anew."""
    if not stored:
        return
    now = utcnow()
    with transaction():
        for item in {s.sha256: s for s in stored}.values():
            try:
                with db.session.begin_nested():
                    row = db.session.get(EvidenceUpload, item.sha256)
                    if row is None:
                        db.session.add(
                            EvidenceUpload(sha256=item.sha256, stored_as=item.stored_as, stored_at=now)
                        )
                    else:
                        row.stored_at = now
            except IntegrityError:  # recorded by another request at the same moment
                continue


# -- files carried over a re-shown form ------------------------------------------------------------


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="clueflow-evidence-pending")


def pending_token(secret: str, user: User, item: Stored) -> str:
    """A token standing for a stored file on the re-shown form, valid for this user only."""
    return _serializer(secret).dumps({**asdict(item), "user": user.id})


def from_tokens(secret: str, user: User, tokens: Iterable[str], folder: str | os.PathLike) -> list[Stored]:
    """The stored files the tokens stand for; forged, expired, foreign or damaged ones are dropped."""
    out: dict[str, Stored] = {}
    for token in tokens:
        try:
            payload = _serializer(secret).loads(token, max_age=PENDING_MAX_AGE)
        except BadSignature:
            log.warning("evidence: bad pending token from user %s", user.id)
            continue
        if payload.pop("user", None) != user.id:
            continue
        item = Stored(**payload)
        path = path_for(folder, item.sha256)
        if path.exists() and digest_of(path) == item.sha256:
            out.setdefault(item.sha256 + item.filename, item)
    return list(out.values())


def sweep_orphans(folder: str | os.PathLike, older_than: timedelta = ORPHAN_AGE) -> int:
    """Delete the recorded files chosen last longer ago than `older_than` that no attachment refers
    to; forget the record of those a case took up. Returns how many files were deleted."""
    cutoff = utcnow() - older_than
    rows = db.session.execute(
        select(EvidenceUpload.sha256, EvidenceUpload.stored_as)
        .where(EvidenceUpload.stored_at < cutoff)
        .order_by(EvidenceUpload.stored_at)
        .limit(5000)
    ).all()
    if not rows:
        discard()
        return 0
    shas = [r.sha256 for r in rows]
    unsynced = {"synchronize_session": False}
    with transaction():  # the records of files a case took up are forgotten
        taken = set(
            db.session.execute(select(Attachment.sha256).where(Attachment.sha256.in_(shas))).scalars()
        )
        if taken:
            db.session.execute(
                delete(EvidenceUpload).where(EvidenceUpload.sha256.in_(sorted(taken))),
                execution_options=unsynced,
            )
    deleted = 0
    for row in rows:
        if row.sha256 in taken:
            continue
        # the record goes first, and only if nobody chose the file again since it was read
        with transaction():
            gone = db.session.execute(
                delete(EvidenceUpload).where(
                    EvidenceUpload.sha256 == row.sha256, EvidenceUpload.stored_at < cutoff
                ),
                execution_options=unsynced,
            ).rowcount
        if gone:
            path_for(folder, row.sha256).unlink(missing_ok=True)
            deleted += 1
            log.info("evidence: deleted %s, left by a form no case took up", row.stored_as)
    return deleted


# -- tying files to a case ---------------------------------------------------------------------------


def add_to_case(case: Case, user: User, items: Iterable[Stored]) -> list[Attachment]:
    """Attachment rows and a timeline entry for stored files (the caller commits)."""
    rows = [
        Attachment(
            case_id=case.id,
            filename=i.filename,
            content_type=i.content_type,
            size=i.size,
            sha256=i.sha256,
            stored_as=i.stored_as,
            uploaded_by_id=user.id,
        )
        for i in items
    ]
    if rows:
        db.session.add_all(rows)
        db.session.add(
            CaseEvent(
                case_id=case.id,
                user_id=user.id,
                kind="evidence",
                title="添加证据材料 " + "、".join(r.filename for r in rows)[:180],
                detail={
                    "files": [{"filename": r.filename, "sha256": r.sha256, "size": r.size} for r in rows]
                },
            )
        )
    return rows


def copy_to_case(source: Case, target: Case, user: User) -> list[Attachment]:
    """The evidence of a case handed to another bureau goes with it (the same stored files)."""
    attachments = db.session.execute(select(Attachment).filter_by(case_id=source.id).order_by(Attachment.id))
    items = [Stored(a.filename, a.content_type, a.size, a.sha256, a.stored_as) for a in attachments.scalars()]
    return add_to_case(target, user, items)


def attach(user: User, case: Case, items: list[Stored]) -> list[Attachment]:
    """Add evidence to a case the user can see (the caller checked that): handling roles only, and
    not once the case is closed (its materials are archived, CQH 第二十五条)."""
    if not EVIDENCE_UPLOAD_ROLES & user.roles:
        raise NotAllowed("您的角色不能添加证据材料")
    if case.status == "closed":
        raise NotAllowed("案件已办结，材料已归档（CQH 第二十五条），不能再添加证据材料")
    with transaction():
        rows = add_to_case(case, user, items)
    return rows


def record_failure(user: User, attachment: Attachment, error: Tampered) -> None:
    """Put a failed checksum on the case timeline, so the people on the case see it and the record
    does not depend on how logging is configured."""
    with transaction():
        db.session.add(
            CaseEvent(
                case_id=attachment.case_id,
                user_id=user.id,
                kind="evidence_integrity",
                title=f"证据材料「{attachment.filename}」校验失败，未提供下载"[:200],
                detail={"attachment": attachment.id, "sha256": attachment.sha256, "found": error.detail},
            )
        )
