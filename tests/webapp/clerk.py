"""What a clerk does in the browser, for the web tests: log in, open a page, fill the form on it the way
a browser sends it (every control with its current value, unchecked boxes left out), find a task by
the name shown on the case page or in the inbox, and post it.

The form data shapes are those of tests/engine/test_processes.py, as a clerk types them (dates as
YYYY-MM-DD, checkboxes ticked or not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import lxml.html
from werkzeug.datastructures import MultiDict

DEMO_PASSWORD = "demo12345"
TODAY = date.today().isoformat()
# The dates a clerk types, in a year whose working-day calendar is confirmed (deadlines count from them).
REGISTERED_ON = "2026-03-02"  # a Monday

# -- form data a clerk enters -------------------------------------------------------------------

REGISTRATION = dict(
    registered_on=REGISTERED_ON,
    received_on=REGISTERED_ON,
    source_channel="web",
    request_kind="report",
    fund_type="basic_medical",
    anonymous=False,
    reporter_kind="natural_person",
    reporter_name="张三",
    reporter_id_no="110101199001011237",
    reporter_phone="13800000000",
    subject_type="designated_pharmacy",
    reported_unit_name="某某大药房",
    content="串换药品，将保健品记入医保结算",
    act_location="本区",
    agreement_agency="district",
    has_evidence=True,
    repeat_of="none",
    recorder="李四",
    recorded_on=REGISTERED_ON,
)
KEEP = dict(jurisdiction="keep", jurisdiction_reason="行为发生在本区")
ACCEPTABLE = dict(
    in_area=True,
    in_remit=True,
    has_subject=True,
    has_facts=True,
    has_evidence=True,
    repeat_of="none",
    new_facts=False,
    in_proceedings=False,
    other_authority=False,
    subject_extinct=False,
    accepted_on="2026-03-03",
    acceptance_opinion="符合受理条件",
)
FILED = dict(filed=True, filing_decided_on="2026-03-04", filing_no="LA-1", filing_opinion="同意立案")
NOTICE = dict(notice_sent_on="2026-03-05", notice_method="phone", notice_text="已告知")
INVESTIGATED = dict(investigated_on="2026-03-20", investigation_record="现场检查", extension_requested=False)
CONCLUDED = dict(
    concluded_on="2026-04-01",
    findings="串换属实",
    verified=True,
    fund_loss=True,
    match="full",
    verified_loss="12000",
    handling_result="追回基金并处罚款",
)
CLOSED = dict(closed_on="2026-04-10", closure_summary="办结")
ARCHIVED = dict(archived_on="2026-04-13", archive_no="DA-1", materials_complete=True)
REDIRECTED = dict(redirect_channel="12345 热线", redirect_notified_on="2026-03-03", notice_method="phone")
WITHDRAWN = dict(withdrawn=True, withdrawn_on="2026-03-10", withdrawal_channel="phone")

# Task names as the process shows them (bpmn/national/report_handling.bpmn).
JURISDICTION = "管辖审查"
ACCEPTANCE = "受理审查"
FILING = "立案审批"
FILING_NOTICE = "告知是否立案"
INVESTIGATION = "调查核实"
CONCLUSION = "查结决定"
RESULT_NOTICE = "告知处理结果"
CLOSURE = "办结登记"
ARCHIVE = "立卷归档"
NON_ACCEPTANCE_NOTICE = "告知不予受理"
REDIRECT_NOTICE = "告知通过其他渠道反映"
RECORD_WITHDRAWAL = "登记撤回"


def text(response) -> str:
    return response.get_data(as_text=True)


def page(response):
    return lxml.html.fromstring(text(response) or "<html/>")


def visible_text(response) -> str:
    """The page's text as a person reads it (whitespace collapsed)."""
    return re.sub(r"\s+", " ", page(response).text_content())


def flashes(response) -> list[str]:
    """The messages shown at the top of the page (flashes and form-level alerts)."""
    return [
        re.sub(r"\s+", " ", p.text_content()).strip()
        for p in page(response).xpath("//p[contains(@class,'alert')]")
    ]


def field_errors(response) -> dict[str, list[str]]:
    """The messages shown next to the fields: {key: [message, …]}."""
    out: dict[str, list[str]] = {}
    for holder in page(response).xpath("//*[@data-key]"):
        messages = [s.text_content().strip() for s in holder.xpath(".//span[contains(@class,'field-error')]")]
        if messages:
            out[holder.get("data-key")] = messages
    return out


def browser_form(response, xpath: str = "//form[contains(@class,'formjs')]") -> tuple[str | None, MultiDict]:
    """The form on the page as a browser would submit it untouched: (action, fields)."""
    doc = page(response)
    forms = doc.xpath(xpath)
    assert forms, "no form on the page:\n" + visible_text(response)[:2000]
    form = forms[0]
    fields: MultiDict = MultiDict()
    for element in form.xpath(".//input|.//textarea|.//select"):
        name = element.get("name")
        if not name or element.get("disabled") is not None:
            continue
        if element.tag == "textarea":
            fields.add(name, element.text or "")
        elif element.tag == "select":
            chosen = element.xpath(".//option[@selected]") or element.xpath(".//option")[:1]
            if chosen:
                fields.add(name, chosen[0].get("value", chosen[0].text_content()))
        elif element.get("type") in ("checkbox", "radio"):
            if element.get("checked") is not None:
                fields.add(name, element.get("value", "on"))
        elif element.get("type") in ("submit", "button", "file"):
            continue
        else:
            fields.add(name, element.get("value", ""))
    return form.get("action"), fields


def fill(fields: MultiDict, data: dict) -> MultiDict:
    """Type the data into the form fields: booleans tick or untick a box, lists choose options."""
    out = MultiDict(fields)
    for key, value in data.items():
        out.poplist(key)
        if value is True:
            out.add(key, "true")
        elif value is False or value is None:
            continue
        elif isinstance(value, (list, tuple)):
            for item in value:
                out.add(key, str(item))
        else:
            out.add(key, str(value))
    return out


@dataclass
class Clerk:
    """One person at one browser: their own test client and session."""

    app: object
    username: str

    def __post_init__(self):
        self.client = self.app.test_client()

    # -- navigation ---------------------------------------------------------------------------
    def login(self, password: str = DEMO_PASSWORD):
        response = self.client.get("/login")
        _, fields = browser_form(response, "//form")
        fields = fill(fields, {"username": self.username, "password": password})
        response = self.client.post("/login", data=fields)
        assert response.status_code == 302, f"login of {self.username} failed: {visible_text(response)[:500]}"
        return self

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data=None, **kwargs):
        return self.client.post(url, data=data if data is not None else {}, **kwargs)

    def post_with_token(self, url: str, data: dict | None = None, from_page: str = "/"):
        """A small form posted with the CSRF token a page of the app gave this session."""
        token = page(self.get(from_page)).xpath("//input[@name='csrf_token']/@value")
        payload = dict(data or {})
        if token:
            payload["csrf_token"] = token[0]
        return self.post(url, data=payload)

    # -- intake ------------------------------------------------------------------------------
    def open_intake(self):
        response = self.get("/intake")
        assert response.status_code == 200, response.status_code
        return response

    def register(self, **overrides) -> int:
        """Fill the 登记表 and save it; returns the new case's id."""
        response = self.submit_registration({**REGISTRATION, **overrides})
        assert response.status_code == 302, visible_text(response)[:3000]
        return case_id_of(response.headers["Location"])

    def submit_registration(self, data: dict, *, duplicates_seen: bool = True):
        """Post the 登记表 as the browser does; a duplicate warning is acknowledged by posting again."""
        action, fields = browser_form(self.open_intake())
        response = self.post(action or "/intake", data=fill(fields, data))
        if duplicates_seen and response.status_code == 200 and "可能重复" in text(response):
            action, fields = browser_form(response)
            response = self.post(action or "/intake", data=fill(fields, data))
        return response

    # -- tasks -------------------------------------------------------------------------------
    def case_page(self, case_id: int):
        return self.get(f"/cases/{case_id}")

    def task_links(self, case_id: int) -> dict[str, str]:
        """The open tasks listed on the case page: {visible name: url}."""
        response = self.case_page(case_id)
        assert response.status_code == 200, response.status_code
        return {
            a.text_content().strip(): a.get("href") for a in page(response).xpath("//ul[@class='tasks']/li/a")
        }

    def task_url(self, case_id: int, name: str) -> str:
        links = self.task_links(case_id)
        assert name in links, f"no task 「{name}」 on case {case_id}; open: {list(links)}"
        return links[name]

    def inbox(self, query: str = "") -> list[dict]:
        """The inbox rows: task name, url, case number, days-left text, due date."""
        response = self.get("/" + (("?" + query) if query else ""))
        assert response.status_code == 200, response.status_code
        rows = []
        for tr in page(response).xpath("//table[contains(@class,'inbox')]/tbody/tr"):
            cells = tr.xpath("./td")
            link = cells[2].xpath(".//a")[0]
            rows.append(
                {
                    "name": link.text_content().strip(),
                    "url": link.get("href"),
                    "case": cells[3].text_content().strip(),
                    "case_url": cells[3].xpath(".//a")[0].get("href"),
                    "left": re.sub(r"\s+", " ", cells[0].text_content()).strip(),
                    "due": cells[1].text_content().strip().split(" ")[0],
                    "basis": re.sub(r"\s+", " ", cells[5].text_content()).strip(),
                    "claim": [f.get("action") for f in cells[6].xpath(".//form")],
                    "button": re.sub(r"\s+", " ", cells[6].text_content()).strip(),
                }
            )
        return rows

    def do(self, case_id: int, name: str, data: dict, *, follow=False):
        """Open the task by its name on the case page, fill its form and submit it."""
        url = self.task_url(case_id, name)
        return self.submit_task(url, data, follow=follow)

    def submit_task(self, url: str, data: dict, *, follow=False):
        response = self.get(url)
        assert response.status_code == 200, (response.status_code, visible_text(response)[:500])
        _, fields = browser_form(response)
        return self.post(url, data=fill(fields, data), follow_redirects=follow)

    def done(self, case_id: int, name: str, data: dict):
        """Complete a task and insist it went through (redirect to the case page)."""
        response = self.do(case_id, name, data)
        assert response.status_code == 302, (name, field_errors(response), visible_text(response)[:1500])
        assert response.headers["Location"].endswith(f"/cases/{case_id}"), response.headers["Location"]
        return response


def case_id_of(location: str) -> int:
    match = re.search(r"/cases/(\d+)", location)
    assert match, location
    return int(match.group(1))


def task_id_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def login(app, username: str) -> Clerk:
    return Clerk(app, username).login()


def login_client(app, username: str = "cq-yuzhong-registrar"):
    """A plain test client logged in as a demo user (password demo12345)."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": "demo12345"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client
