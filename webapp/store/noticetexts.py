"""The wording of the notices to reporters: Jinja templates kept as data, one per pack and notice kind.

`notices/<kind>.txt` is a file of the rule pack like its diagrams and tables (`notices/<pack>/` in the
repository, inherited file by file, versioned and published with the rest, edited as text in the rule
book): a notice is worded by the pack version its case runs on. A version published before the
wording joined the packs falls back to the repository's files along the pack's parent chain.
Templates are rendered in Jinja's sandbox (no attribute walks, no Python); the first line is the
title and blank lines separate paragraphs. Rendered once per notice; the row keeps the text, where
the template came from and its SHA-256, so a later edit never changes a notice already generated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from jinja2 import ChainableUndefined, StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from engine.errors import Problem
from engine.packs import read_index

FOLDER = "notices"
SUFFIX = ".txt"


class TemplateMissing(Exception):
    """No notice template for this kind anywhere along the pack's chain."""


class TemplateBroken(Exception):
    """A notice template that cannot be rendered (syntax, unknown variable, forbidden access)."""


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str  # paragraphs separated by blank lines, without the title
    template: str  # relative path, e.g. notices/national/filing.txt
    sha256: str


def cn_date(value: Any) -> str:
    """2026-03-02 → 2026年3月2日, the way official letters write dates."""
    if value in (None, ""):
        return ""
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return f"{value.year}年{value.month}月{value.day}日"


def yuan(value: Any) -> str:
    """An amount in yuan with two decimals and thousands separators: 12,000.00元."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}元"


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox, with powers refused and repetition bounded (a template must not hang the server)."""

    intercepted_binops = frozenset({"**", "*"})
    MAX_REPEAT = 1000

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            raise SecurityError("'**' is not allowed in notice templates")
        if (
            operator == "*"
            and any(isinstance(v, (str, list, tuple)) for v in (left, right))
            and any(isinstance(v, int) and v > self.MAX_REPEAT for v in (left, right))
        ):
            raise SecurityError(f"repetition above {self.MAX_REPEAT} is not allowed in notice templates")
        return super().call_binop(context, operator, left, right)


def _environment(undefined) -> ImmutableSandboxedEnvironment:
    env = _Sandbox(autoescape=False, undefined=undefined)
    env.filters.update(cn_date=cn_date, yuan=yuan)
    return env


# A fact the case does not have yet renders empty; the checks render strictly to catch misspelt names.
_ENV, _STRICT = _environment(ChainableUndefined), _environment(StrictUndefined)


def _pack_index(root: Path) -> dict:
    """The packs and their parents: the database's index in the application (packs copied or imported in
    the browser are there), the shipped packs.toml outside it."""
    from flask import has_app_context

    if has_app_context():
        from webapp.store import packindex

        return packindex.infos()
    return read_index(root)


def find(root: Path | str, pack: str, kind: str) -> Path:
    """The template of a notice kind for a pack: its own, else its nearest parent's."""
    root = Path(root)
    infos = _pack_index(root)
    current: str | None = pack
    while current:
        path = root / FOLDER / current / f"{kind}{SUFFIX}"
        if path.is_file():
            return path
        current = infos[current].parent if current in infos else None
    raise TemplateMissing(f"no notice template {FOLDER}/<pack>/{kind}{SUFFIX} for pack '{pack}'")


def render(
    root: Path | str,
    pack: str,
    kind: str,
    context: Mapping[str, Any],
    strict: bool = False,
    version: tuple[str, Mapping[str, Any]] | None = None,
) -> Rendered:
    """Render the template of a notice kind with the case's facts (strict: unknown names fail).
    `version`: (version id, files) of the case's pack version, whose `notices/<kind>.txt` is used
    when it has one; else the repository's, along the pack's chain."""
    source, where = _source(Path(root), pack, kind, version)
    try:
        text = (_STRICT if strict else _ENV).from_string(source).render(**context)
    except (TemplateError, ArithmeticError, TypeError, ValueError) as exc:  # range() too big is OverflowError
        raise TemplateBroken(f"{where}: {exc}") from exc
    lines = text.strip().splitlines()
    title = lines[0].strip() if lines else ""
    body = "\n".join(lines[1:]).strip()
    return Rendered(
        title=title, body=body, template=where, sha256=hashlib.sha256(source.encode("utf-8")).hexdigest()
    )


def path_for(kind: str) -> str:
    """A notice kind's file in a pack, e.g. notices/filing.txt."""
    return f"{FOLDER}/{kind}{SUFFIX}"


def _source(
    root: Path, pack: str, kind: str, version: tuple[str, Mapping[str, Any]] | None
) -> tuple[str, str]:
    if version is not None:
        number, files = version
        data = files.get(path_for(kind))
        if data is not None:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            return text, f"{pack} {number} · {path_for(kind)}"
    path = find(root, pack, kind)
    return path.read_text(encoding="utf-8"), str(path.relative_to(root))


# What every notice's context holds beside the case's data (outbox.notice_context; the claim notice's
# facts from the 领奖通知书 are among them), and Jinja's own globals.
CONTEXT_NAMES = frozenset(
    {
        "case_number",
        "bureau",
        "notice_no",
        "issued_on",
        "reporter_name",
        "reported",
        "claim_window",
        "number",
        "amount",
        "range",
        "dict",
        "lipsum",
        "cycler",
        "joiner",
        "namespace",
    }
)


def check(
    root: Path | str, kinds: Iterable[str], names_of: Callable[[str], set[str] | None]
) -> dict[str, list[Problem]]:
    """The problems of every pack's own notice templates in the repository (`clueflow check-packs`;
    see check_template). `names_of(pack)`: the names its cases hold, None when it does not compile."""
    root = Path(root)
    results: dict[str, list[Problem]] = {}
    for pack in _pack_index(root):
        folder = root / FOLDER / pack
        problems = results.setdefault(pack, [])
        paths = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
        known = names_of(pack) if paths else None
        for path in paths:
            try:
                source = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                problems.append(Problem("不是 UTF-8 文本", pack=pack, file=f"{FOLDER}/{pack}/{path.name}"))
                continue
            problems += check_template(f"{FOLDER}/{pack}/{path.name}", source, kinds, known, pack=pack)
    return results


def check_template(
    file: str, source: str, kinds: Iterable[str], known: set[str] | None, pack: str = ""
) -> list[Problem]:
    """One notice template's problems: a file that is no notice kind (warning: never used), a template
    Jinja cannot parse (error, with its line), and names that are neither the case's data (`known`,
    None to skip) nor the facts every notice gets (warnings: they would print as nothing)."""
    where = dict(pack=pack, file=file)
    kinds = set(kinds)
    stem = Path(file).stem
    if stem not in kinds:
        return [
            Problem(
                f"不是告知书种类（{'、'.join(sorted(kinds))}）之一，不会被使用", severity="warning", **where
            )
        ]
    try:
        tree = _STRICT.parse(source)
    except TemplateSyntaxError as exc:
        return [Problem(f"第 {exc.lineno} 行：{exc.message}", element=f"line {exc.lineno}", **where)]
    if known is None:
        return []
    return [
        Problem(
            f"模板中的“{name}”不是本规则包案件的数据项，将显示为空", element=name, severity="warning", **where
        )
        for name in sorted(meta.find_undeclared_variables(tree) - known - CONTEXT_NAMES)
    ]


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs (blank-line separated; single line breaks kept inside a paragraph)."""
    blocks, current = [], []
    for line in body.splitlines():
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append("".join(current))
            current = []
    if current:
        blocks.append("".join(current))
    return blocks
