"""The regulations a pack applies, as data, and the legal basis written the way people are shown it
(RULES §B.12).

A pack's `regulations/texts.json` names each text it cites by a short code: its own (and the
national ones), and the texts it takes default values from. Bases, forms and notices are written
with the short codes ("CQH 第十五条"); `cite` turns them into what a reader of *this* pack is shown:
an own text by its code on pages (with a legend) or by its full title on first use in a document;
another city's text only as "本规则包默认值，参照《…》第…条". Internal references of the product's
design (RULES §B.3 and the like) are never shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from .errors import PackError, Problem

TEXTS_FILE = "regulations/texts.json"
CODE_RE = re.compile(r"[A-Z][A-Z0-9]{1,9}")
_ARTICLE = (
    r"第[一二三四五六七八九十百零〇]+条(?:第[一二三四五六七八九十]+款)?(?:第[一二三四五六七八九十]+项)?"
)
_INTERNAL = re.compile(
    r"[（(]\s*RULES\s*§?\s*[A-G]\.?\d+[^）)]*[）)]"  # "（RULES §B.2）"
    r"|[；;，,]?\s*RULES\s*§?\s*[A-G]\.?\d+(?:[（(][^）)]*[）)])?"  # "；RULES B.3（…）"
)


@dataclass(frozen=True)
class Regulation:
    code: str  # CQH
    title: str  # 重庆市医疗保障基金使用监督管理举报处理实施细则
    document: str  # 渝医保发〔2023〕27号
    own: bool  # the pack's own (or national) text; False: a text it takes defaults from

    @property
    def full(self) -> str:
        return f"《{self.title}》"


def parse_texts(data: bytes, pack: str = "") -> tuple[Regulation, ...]:
    """The regulations of a texts.json file (PackError naming what is wrong)."""

    def refuse(message: str) -> PackError:
        return PackError([Problem(message, pack=pack, file=TEXTS_FILE)])

    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise refuse(f"not valid JSON: {exc}") from exc
    items = doc.get("texts") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        raise refuse('expected {"texts": [{"code", "title", "document", "own"}, …]}')
    out: list[Regulation] = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or set(item) - {"code", "title", "document", "own"}:
            raise refuse(f"text {n}: only code, title, document and own may be given")
        code, title = item.get("code"), item.get("title")
        if not isinstance(code, str) or not CODE_RE.fullmatch(code):
            raise refuse(f"text {n}: code must be 2–10 capital letters or digits, e.g. CQH")
        if not isinstance(title, str) or not title.strip() or "《" in title:
            raise refuse(f"text {code}: title must be the text's full title, without 《》")
        if not isinstance(item.get("document", ""), str) or not isinstance(item.get("own", True), bool):
            raise refuse(f"text {code}: document is text, own is true or false")
        if any(r.code == code for r in out):
            raise refuse(f"text {code} is named twice")
        out.append(
            Regulation(code, title.strip(), str(item.get("document") or ""), bool(item.get("own", True)))
        )
    return tuple(out)


def texts_of(files: Mapping[str, bytes], pack: str = "") -> tuple[Regulation, ...]:
    """The regulations of a pack's merged files (none when it names none)."""
    data = files.get(TEXTS_FILE)
    return parse_texts(data, pack) if data is not None else ()


def cite(text: str, texts: Iterable[Regulation], document: bool = False) -> str:
    """`text` with its short codes as a reader of the pack is shown them (see the module's doc)."""
    if not text:
        return text
    by_code = {r.code: r for r in texts}
    text = _INTERNAL.sub("", str(text))
    if not by_code:
        return text
    codes = "|".join(sorted(map(re.escape, by_code), key=len, reverse=True))
    # A code stands alone ("CQH 第十五条"); ground identifiers such as CQH-13-5 are left as they are.
    pattern = re.compile(r"(?<![A-Za-z0-9])(" + codes + r")(?![-A-Za-z0-9])(\s*)(" + _ARTICLE + ")?")
    introduced: set[str] = set()

    def one(match: re.Match[str]) -> str:
        reg, space, article = by_code[match.group(1)], match.group(2), match.group(3) or ""
        if not reg.own:
            return f"本规则包默认值，参照{reg.full}{article}"
        if document and reg.code not in introduced:
            introduced.add(reg.code)
            return f"{reg.full}{article}"
        return f"{reg.code}{space}{article}"

    return pattern.sub(one, text)


def legend(texts: Iterable[Regulation]) -> list[str]:
    """One line per text: what its short code stands for."""
    return [
        f"{r.code}：{r.full}{f'（{r.document}）' if r.document else ''}{'' if r.own else '（本规则包参照其默认值）'}"
        for r in texts
    ]
