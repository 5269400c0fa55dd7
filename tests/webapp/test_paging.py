"""Long lists go on to the next page instead of stopping silently (the case list at 100, the inbox
and the outbox at 200): shown here with two rows a page."""

from __future__ import annotations

from clerk import JURISDICTION, login, page

from webapp.usecases import pages


def rows(response) -> list[str]:
    return [tr.text_content() for tr in page(response).xpath("//table[contains(@class,'table')]/tbody/tr")]


def test_the_case_list_and_the_inbox_go_on_page_by_page(clerk_app, monkeypatch):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    numbers = [registrar.register(reported_unit_name=f"某某大药房{i}") for i in range(5)]
    assert len(numbers) == 5
    monkeypatch.setattr(pages, "CASES_PER_PAGE", 2)
    monkeypatch.setattr(pages, "TASKS_PER_PAGE", 2)
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    seen = []
    for n in (1, 2, 3):
        response = officer.get(f"/cases?page={n}")
        shown = page(response)
        seen += rows(response)
        nxt = shown.xpath("//nav[@class='pager']//a[@rel='next']")
        assert bool(nxt) == (n < 3), n
        assert "共 5 条" in shown.text_content()
    assert len(seen) == 5 and len(set(seen)) == 5
    inbox = [officer.get(f"/?page={n}") for n in (1, 2, 3)]
    tasks = [r for response in inbox for r in rows(response) if JURISDICTION in r]
    assert len(tasks) == 5
    assert page(inbox[0]).xpath("//nav[@class='pager']//a[@rel='next']/@href")[0].endswith("page=2")
    assert officer.get("/cases?page=abc").status_code == 200 and officer.get("/?page=-1").status_code == 200
    assert officer.get("/cases?page=99999999999").status_code == 200
