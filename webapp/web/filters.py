"""The template filters and globals the pages share."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask


def register_template_filters(app: Flask) -> None:
    from markupsafe import Markup, escape

    from webapp.web.cases.formview import display_value, option_label, say

    app.add_template_filter(display_value, "display_value")
    app.add_template_filter(say, "say")
    app.add_template_global(option_label, "option_label")

    from webapp.store.noticetexts import cn_date

    app.add_template_filter(cn_date, "cn_date")

    @app.template_filter("calendar_names")
    def calendar_names(labels: str | None) -> str:
        """ "CN-XJ 2026@ab12cd34, CN 2026@…" as a clerk reads it: the calendars, not their hashes (the
        full label stays in the page's title attribute for whoever checks a computation)."""
        import re

        return re.sub(r"@[0-9a-f]{6,}", "", labels or "").replace(", ", "、")

    @app.template_filter("cite")
    def cite(text: str | None, of, document: bool = False) -> str:
        """A legal basis as a reader of the pack is shown it (RULES §B.12): `of` is the case, or the
        pack whose version in force applies; `document`: full titles on first use (letters, forms)."""
        from engine.citations import cite as cite_text
        from webapp.store import packversions

        return cite_text(text or "", packversions.regulations(of), document)

    @app.template_global("regulation_legend")
    def regulation_legend(of) -> list[str]:
        """What the short codes on a page stand for."""
        from engine.citations import legend
        from webapp.store import packversions

        return legend(packversions.regulations(of))

    @app.template_filter("markdown_lite")
    def markdown_lite(text: str | None) -> Markup:
        """form-js text components: headings and paragraphs only, everything escaped."""
        lines = []
        for line in (text or "").splitlines():
            stripped = line.lstrip("#").strip()
            if line.startswith("#"):
                lines.append(Markup("<h3>{}</h3>").format(stripped))
            elif stripped:
                lines.append(Markup("<p>{}</p>").format(stripped))
        return Markup("").join(lines) if lines else escape("")

    @app.template_filter("local_time")
    def local_time(value: datetime | None) -> str:
        """Instants in Asia/Shanghai, YYYY-MM-DD HH:MM."""
        from zoneinfo import ZoneInfo

        if value is None:
            return ""
        if value.tzinfo is None:
            from datetime import timezone

            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")

    @app.template_filter("ymd")
    def ymd(value: date | datetime | None) -> str:
        """Dates as YYYY-MM-DD, the way the bureaus write them."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        return value.isoformat()
