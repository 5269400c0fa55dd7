"""What may be uploaded as evidence, decided from the file alone (pure): its name as shown, its
extension on the list, and its first bytes being what that extension promises (an executable
renamed `.pdf` is refused)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

MAX_FILE_SIZE = 20 * 1024 * 1024  # per file; the request as a whole is capped by MAX_CONTENT_LENGTH
ALLOWED_TEXT = "PDF、JPG/JPEG、PNG、DOC/DOCX、XLS/XLSX、TXT、MP3/M4A/WAV"

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound-file header of .doc and .xls
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
}


class EvidenceError(Exception):
    """A refusal about evidence, in Chinese."""


class Refused(EvidenceError):
    """An uploaded file that may not be kept: the message names the file and the reason."""


def display_name(raw: str | None) -> str:
    """The name to show: the last path component, control characters removed, at most 200 chars.
    Chinese is kept (werkzeug's secure_filename would drop it); the disk never sees this name."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 199 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "未命名文件"


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def sniff(ext: str, data: bytes) -> bool:
    """Whether the content starts the way a file of this extension must."""
    if ext == "pdf":
        return data.startswith(b"%PDF-")
    if ext in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("doc", "xls"):
        return data.startswith(OLE2)
    if ext in ("docx", "xlsx"):
        return _office_zip(data, "word/document.xml" if ext == "docx" else "xl/workbook.xml")
    if ext == "txt":
        return _plain_text(data)
    if ext == "mp3":
        return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    if ext == "m4a":
        return data[4:8] == b"ftyp"
    if ext == "wav":
        return data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    return False


def _office_zip(data: bytes, part: str) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return part in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def _plain_text(data: bytes) -> bool:
    """UTF-8 or GB18030 text without NUL or other control bytes (executables always have them)."""
    if b"\x00" in data or any(b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1A) for b in data[:65536]):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def check(name: str, data: bytes, max_size: int = MAX_FILE_SIZE) -> str:
    """The content type to record for an uploaded file, or Refused naming the file and the reason."""
    ext = extension(name)
    if ext not in CONTENT_TYPES:
        raise Refused(f"「{name}」未保存：不接受此类文件，只接受 {ALLOWED_TEXT}")
    if not data:
        raise Refused(f"「{name}」未保存：文件是空的")
    if len(data) > max_size:
        raise Refused(
            f"「{name}」未保存：文件 {_megabytes(len(data))}，超过单个文件 {_megabytes(max_size)} 的上限"
        )
    if not sniff(ext, data):
        raise Refused(f"「{name}」未保存：文件内容不是 .{ext} 文件（内容与扩展名不符）")
    return CONTENT_TYPES[ext]


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
