"""Form definitions → validators: every component type, every rejection path, clean output types."""

from __future__ import annotations

import copy
import json
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import marshmallow
import pytest

from engine.errors import ClueflowError, PackError, ValidationError
from engine.forms.definition import load_form
from engine.forms.fields import MAX_TEXT_LENGTH
from engine.forms.form import Form

FIXTURES = Path(__file__).parent / "forms"
CHOICES = "不在可选范围内：natural_person、legal_person、other_organisation"
REQUIRED = "此项为必填项"


@pytest.fixture(scope="module")
def definition() -> dict:
    return json.loads((FIXTURES / "everything.form").read_text("utf-8"))


@pytest.fixture(scope="module")
def form(definition) -> Form:
    return load_form(definition, "everything")


def good(**changes) -> dict:
    data = {
        "subject": "某某大药房",
        "base_amount": "12345.60",
        "confirmed": True,
        "reporter_kind": "natural_person",
        "received_on": "2025-01-24",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def errors_of(form: Form, data, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        form.validate(data, **kwargs)
    assert isinstance(exc.value, ClueflowError)
    return exc.value.messages


# -- reading the definition -------------------------------------------------------------------


def test_fields_are_flattened_through_groups(form):
    assert list(form.fields) == [
        "subject", "facts", "phone", "email", "base_amount", "age", "anonymous", "confirmed",
        "reporter_kind", "match", "received_on", "channels", "level", "case_no", "other_channel",
    ]  # fmt: skip
    assert form.id == "everything"
    assert form.fields["subject"].label == "被举报对象" and form.fields["subject"].required
    assert form.fields["received_on"].type == "datetime"
    assert form.fields["reporter_kind"].options == ("natural_person", "legal_person", "other_organisation")
    assert form.fields["level"].options == (1, 2)
    assert form.fields["facts"].max_length == MAX_TEXT_LENGTH
    assert form.fields["base_amount"].minimum == Decimal(0)
    assert form.fields["other_channel"].conditional is not None


@pytest.mark.parametrize("kind", [str, bytes])
def test_load_from_text_and_bytes(definition, kind):
    text = json.dumps(definition, ensure_ascii=False)
    loaded = load_form(text if kind is str else text.encode("utf-8"))
    assert loaded.id == "everything"  # taken from the definition when not given
    assert list(loaded.fields) == list(load_form(definition).fields)


# -- clean data -------------------------------------------------------------------------------


def test_clean_output_types(form):
    clean = form.validate(
        good(
            facts="多次串换药品",
            phone="13800138000",
            email="someone@example.cn",
            age=35,
            anonymous="on",
            match="partial",
            channels=["web", "phone"],
            level="2",
        )
    )
    assert clean == {
        "subject": "某某大药房",
        "facts": "多次串换药品",
        "phone": "13800138000",
        "email": "someone@example.cn",
        "base_amount": Decimal("12345.60"),
        "age": Decimal(35),
        "anonymous": True,
        "confirmed": True,
        "reporter_kind": "natural_person",
        "match": "partial",
        "received_on": date(2025, 1, 24),
        "channels": ["web", "phone"],
        "level": 2,
    }
    assert type(clean["base_amount"]) is Decimal
    assert type(clean["received_on"]) is date
    assert clean["anonymous"] is True


def test_optional_fields_absent_stay_absent(form):
    clean = form.validate(good())
    assert set(clean) == {"subject", "base_amount", "confirmed", "reporter_kind", "received_on"}


def test_optional_fields_may_be_null_or_empty(form):
    clean = form.validate(good(facts="", age=None, channels=[], anonymous=None))
    assert clean["facts"] == "" and clean["age"] is None and clean["channels"] == []
    assert clean["anonymous"] is None


@pytest.mark.parametrize(
    "value, expected",
    [
        (12, Decimal(12)),
        (0, Decimal(0)),
        (0.1, Decimal("0.1")),
        ("0.10", Decimal("0.10")),
        (" 7 ", Decimal(7)),
        (Decimal("99.99"), Decimal("99.99")),
        ("1e3", Decimal("1e3")),
        (100000000, Decimal(100000000)),
    ],
)
def test_numbers_become_decimals(form, value, expected):
    assert form.validate(good(base_amount=value))["base_amount"] == expected


@pytest.mark.parametrize(
    "value, expected",
    [(True, True), (False, False), ("true", True), ("on", True), ("1", True), ("false", False), ("0", False)],
)
def test_checkbox_values(form, value, expected):
    assert form.validate(good(anonymous=value))["anonymous"] is expected


def test_dates_accept_a_date_object(form):
    assert form.validate(good(received_on=date(2026, 2, 28)))["received_on"] == date(2026, 2, 28)


def test_numeric_option_matches_its_text(form):
    assert form.validate(good(level=1))["level"] == 1
    assert form.validate(good(level="1"))["level"] == 1


def test_conditionally_hidden_required_field_is_not_enforced(form):
    # The server cannot evaluate the FEEL condition; the value is still checked when sent.
    assert "other_channel" not in form.validate(good())
    assert form.validate(good(other_channel="app"))["other_channel"] == "app"
    assert errors_of(form, good(other_channel=5)) == {"other_channel": ["请输入文本"]}


def test_input_is_not_mutated(form):
    data = good(channels=["web"])
    before = copy.deepcopy(data)
    form.validate(data)
    assert data == before


# -- rejections -------------------------------------------------------------------------------


def test_missing_required_fields(form):
    assert errors_of(form, {}) == {
        "subject": [REQUIRED],
        "base_amount": [REQUIRED],
        "confirmed": [REQUIRED],
        "reporter_kind": [REQUIRED],
        "received_on": [REQUIRED],
    }


@pytest.mark.parametrize("key", ["subject", "base_amount", "confirmed", "reporter_kind", "received_on"])
def test_required_fields_may_not_be_null(form, key):
    assert errors_of(form, good(**{key: None})) == {key: [REQUIRED]}


@pytest.mark.parametrize("value", ["", "   "])
def test_required_text_may_not_be_blank(form, value):
    assert errors_of(form, good(subject=value)) == {"subject": [REQUIRED]}


def test_blank_text_for_other_types(form):
    # An HTML form posts "" for an empty input: required → the required message; optional → None.
    assert errors_of(form, good(base_amount="", received_on=" ", reporter_kind="")) == {
        "base_amount": [REQUIRED],
        "received_on": [REQUIRED],
        "reporter_kind": [REQUIRED],
    }
    clean = form.validate(good(age="", match=""))
    assert clean["age"] is None and clean["match"] is None
    assert errors_of(form, {"received_on": ""}, partial=True) == {"received_on": [REQUIRED]}


def test_an_empty_option_value_is_a_choice():
    form = load_form(_form({"type": "select", "key": "k", "values": [{"value": ""}, {"value": "a"}],
                            "validate": {"required": True}}))  # fmt: skip
    assert form.validate({"k": ""}) == {"k": ""}


def test_required_checkbox_must_be_ticked(form):
    assert errors_of(form, good(confirmed=False)) == {"confirmed": ["请勾选此项"]}
    assert errors_of(form, good(confirmed="0")) == {"confirmed": ["请勾选此项"]}


@pytest.mark.parametrize("key", ["_private", "__class__", "typename", "_"])
def test_reserved_keys_are_refused_even_if_not_in_the_form(form, key):
    assert errors_of(form, good(**{key: "x"})) == {
        key: ["不允许的字段名（不能以“_”开头，也不能为 typename）"]
    }


def test_unknown_keys_are_refused(form):
    assert errors_of(form, good(approved_by_head=True)) == {"approved_by_head": ["未知字段：表单中没有此项"]}
    assert errors_of(form, {**good(), 3: "x"}) == {"3": ["未知字段：表单中没有此项"]}


def test_disabled_fields_cannot_be_sent(form):
    assert errors_of(form, good(case_no="CQ-2025-0001")) == {"case_no": ["此项不可填写"]}


def test_data_must_be_an_object(form):
    for data in (None, [], "subject=x", 3):
        assert errors_of(form, data) == {"_schema": ["提交的数据应为对象（键值对）"]}


@pytest.mark.parametrize(
    "value, message",
    [
        (5, "请输入文本"),
        (["a"], "请输入文本"),
        ({"a": 1}, "请输入文本"),
        (True, "请输入文本"),
        ("药", "至少 2 个字符"),
        (" 药 ", "至少 2 个字符"),
        ("药" * 51, "不能超过 50 个字符"),
        ("a\x00b", "包含不允许的字符"),
    ],
)
def test_text_rejections(form, value, message):
    assert errors_of(form, good(subject=value)) == {"subject": [message]}


def test_text_is_capped_by_default(form):
    assert form.validate(good(facts="x" * MAX_TEXT_LENGTH))["facts"] == "x" * MAX_TEXT_LENGTH
    assert errors_of(form, good(facts="x" * (MAX_TEXT_LENGTH + 1))) == {"facts": ["不能超过 10000 个字符"]}


def test_text_cap_can_be_set(definition):
    small = load_form(definition, max_text_length=100)
    assert errors_of(small, good(facts="x" * 101)) == {"facts": ["不能超过 100 个字符"]}
    assert small.fields["subject"].max_length == 50


def test_pattern_and_email(form):
    assert errors_of(form, good(phone="12345")) == {"phone": ["格式不正确"]}
    assert errors_of(form, good(email="not-an-address")) == {"email": ["请输入有效的电子邮箱地址"]}
    assert form.validate(good(phone=""))["phone"] == ""  # an empty optional value is not matched


@pytest.mark.parametrize(
    "value, message",
    [
        ("abc", "请输入数字"),
        (True, "请输入数字"),
        (False, "请输入数字"),
        ("NaN", "请输入数字"),
        ("Infinity", "请输入数字"),
        ("-inf", "请输入数字"),
        (float("nan"), "请输入数字"),
        (float("inf"), "请输入数字"),
        (Decimal("NaN"), "请输入数字"),
        ("1_000", "请输入数字"),
        ("١٢", "请输入数字"),
        ("0x10", "请输入数字"),
        ([1], "请输入数字"),
        ("12,5", "请输入数字"),
        ("-0.01", "不能小于 0"),
        (100000000.01, "不能大于 100000000"),
        ("1e30", "数值超出范围"),
        (10**40, "请输入数字"),
        ("0.00000000001", "小数位数不能超过 10 位"),
        ("12.345", "最多 2 位小数"),
    ],
)
def test_number_rejections(form, value, message):
    assert errors_of(form, good(base_amount=value)) == {"base_amount": [message]}


def test_whole_number_and_range(form):
    assert errors_of(form, good(age="35.5")) == {"age": ["只能是整数"]}
    assert errors_of(form, good(age=17)) == {"age": ["不能小于 18"]}
    assert errors_of(form, good(age=61)) == {"age": ["不能大于 60"]}
    # 以上/以下 include the number (RULES.md §A)
    assert form.validate(good(age=18))["age"] == 18 and form.validate(good(age="60.0"))["age"] == 60
    assert form.validate(good(base_amount=0))["base_amount"] == 0


@pytest.mark.parametrize("value", ["yes", "True", "off", 1, 0, "", [], 2.0])
def test_checkbox_rejections(form, value):
    assert errors_of(form, good(anonymous=value)) == {"anonymous": ["请选择是或否"]}


@pytest.mark.parametrize("value", ["person", "Natural_Person", 1, True, ["natural_person"], {"v": 1}, "x "])
def test_select_rejections(form, value):
    assert errors_of(form, good(reporter_kind=value)) == {"reporter_kind": [CHOICES]}


def test_radio_and_numeric_select_rejections(form):
    assert errors_of(form, good(match="maybe")) == {"match": ["不在可选范围内：full、partial、none"]}
    assert errors_of(form, good(level=3)) == {"level": ["不在可选范围内：1、2"]}
    assert errors_of(form, good(level=True)) == {"level": ["不在可选范围内：1、2"]}
    assert errors_of(form, good(level=1.0)) == {"level": ["不在可选范围内：1、2"]}


@pytest.mark.parametrize(
    "value, message",
    [
        ("web", "请提供选项列表"),
        ({"web": True}, "请提供选项列表"),
        (["web", "fax"], "不在可选范围内：phone、web、mail"),
        (["web", "web"], "选项重复"),
        (["web", "phone", "mail", "web"], "不在可选范围内：phone、web、mail"),
        ([None], "不在可选范围内：phone、web、mail"),
    ],
)
def test_checklist_rejections(form, value, message):
    assert errors_of(form, good(channels=value)) == {"channels": [message]}


@pytest.mark.parametrize(
    "value",
    ["2025/01/24", "2025-1-24", "2025-02-30", "24-01-2025", "2025-01-24T00:00:00", 20250124, " 2025-01-24",
     datetime(2025, 1, 24, 9, 0), "２０２５-01-24"],
)  # fmt: skip
def test_date_rejections(form, value):
    assert errors_of(form, good(received_on=value)) == {"received_on": ["请输入日期（YYYY-MM-DD）"]}


def test_all_problems_are_reported_at_once(form):
    messages = errors_of(
        form, {"subject": 1, "base_amount": "x", "level": 9, "_x": 1, "typename": "a", "extra": 2}
    )
    assert set(messages) == {
        "subject", "base_amount", "level", "_x", "typename", "extra", "confirmed", "reporter_kind", "received_on",
    }  # fmt: skip
    assert all(isinstance(m, list) and all(isinstance(s, str) for s in m) for m in messages.values())
    assert "subject: 请输入文本" in str(ValidationError(messages))


def test_partial_allows_missing_required_but_checks_values(form):
    assert form.validate({"subject": "某某诊所"}, partial=True) == {"subject": "某某诊所"}
    assert form.validate({}, partial=True) == {}
    assert errors_of(form, {"age": "old"}, partial=True) == {"age": ["请输入数字"]}
    assert errors_of(form, {"typename": 1}, partial=True) == {"typename": [
        "不允许的字段名（不能以“_”开头，也不能为 typename）"
    ]}  # fmt: skip


# -- the schema -------------------------------------------------------------------------------


def test_schema_is_built_once_and_raises_on_unknown(form):
    schema = form.schema()
    assert isinstance(schema, marshmallow.Schema)
    assert schema is form.schema()
    assert schema.unknown == marshmallow.RAISE
    assert set(schema.fields) == set(form.fields) - {"case_no"}
    with pytest.raises(marshmallow.ValidationError) as exc:
        schema.load({**good(), "extra": 1})
    assert exc.value.messages == {"extra": ["未知字段：表单中没有此项"]}
    assert schema.load(good())["base_amount"] == Decimal("12345.60")


def test_validation_is_fast(form):
    data = good(channels=["web"], age=30, anonymous=False, facts="x" * 200)
    form.validate(data)
    t0 = time.perf_counter()
    for _ in range(2000):
        form.validate(data)
    assert (time.perf_counter() - t0) / 2000 < 1e-3


# -- broken definitions -----------------------------------------------------------------------


def _form(*components, **top) -> dict:
    return {"type": "default", "components": list(components), **top}


def _problems(definition, form_id="broken") -> list[str]:
    with pytest.raises(PackError) as exc:
        load_form(definition, form_id)
    assert all(p.file == f"{form_id}.form" for p in exc.value.problems)
    return [f"{p.element}: {p.message}" for p in exc.value.problems]


TEXT = {"type": "textfield", "key": "name"}


@pytest.mark.parametrize(
    "components, expected",
    [
        ([TEXT, {"type": "textarea", "key": "name"}], "name: duplicate key 'name'"),
        ([TEXT, {"type": "group", "components": [{"type": "number", "key": "name"}]}], "name: duplicate key"),
        ([{"type": "filepicker", "key": "upload"}], "upload: unknown component type 'filepicker'"),
        ([{"type": "dynamiclist", "key": "rows", "components": []}], "unknown component type 'dynamiclist'"),
        ([{"key": "x"}], "unknown component type None"),
        ([{"type": "select", "key": "kind"}], "kind: a select needs a non-empty values list"),
        ([{"type": "radio", "key": "kind", "values": []}], "kind: a radio needs a non-empty values list"),
        ([{"type": "checklist", "key": "kind", "valuesKey": "kinds"}], "valuesKey"),
        ([{"type": "select", "key": "k", "values": [{"label": "a"}]}], "each entry of values needs a value"),
        ([{"type": "select", "key": "k", "values": [{"value": True}]}], "each entry of values needs a value"),
        ([{"type": "select", "key": "k", "values": [{"value": "1"}, {"value": 1}]}], "listed twice"),
        ([{"type": "textfield", "key": "_secret"}], "_secret: a key must not start with \"_\""),
        ([{"type": "textfield", "key": "typename"}], "typename: the key \"typename\" is reserved"),
        ([{"type": "textfield", "key": "applicant.name"}], "a key must be a letter then"),
        ([{"type": "textfield", "key": "姓名"}], "a key must be a letter then"),
        ([{"type": "textfield", "id": "Field_1"}], "Field_1: a textfield component needs a key"),
        ([{"type": "datetime", "key": "when", "subtype": "datetime"}], "subtype 'datetime' is not supported"),
        ([{"type": "datetime", "key": "when", "subtype": "time"}], "subtype 'time' is not supported"),
        ([{"type": "datetime", "key": "when", "subtype": "date", "disallowPassedDates": True}],
         "disallowPassedDates"),
        ([{"type": "group", "path": "applicant", "components": [TEXT]}], "keys must stay flat"),
        ([{"type": "textfield", "key": "t", "validate": {"pattern": "("}}], "not a valid regular expression"),
        ([{"type": "textfield", "key": "t", "validate": {"minLength": 5, "maxLength": 2}}], "minLength is above"),
        ([{"type": "textfield", "key": "t", "validate": {"maxLength": -1}}], "maxLength must be a whole number"),
        ([{"type": "textfield", "key": "t", "validate": {"validationType": "phone"}}], "'phone' is not supported"),
        ([{"type": "number", "key": "n", "validate": {"min": "low"}}], "validate.min must be a number"),
        ([{"type": "number", "key": "n", "validate": {"min": 5, "max": 1}}], "validate.min is above"),
        ([{"type": "number", "key": "n", "decimalDigits": -1}], "decimalDigits must be"),
        ([{"type": "number", "key": "n", "validate": {"pattern": "x"}}], "validate.pattern is not supported"),
        ([{"type": "checkbox", "key": "c", "validate": {"required": "yes"}}], "required must be true or false"),
        ([{"type": "checkbox", "key": "c", "validate": []}], "validate must be an object"),
        (["textfield"], "a component must be a JSON object"),
    ],
)  # fmt: skip
def test_broken_definitions(components, expected):
    problems = _problems(_form(*components))
    assert any(expected in p for p in problems), problems


def test_every_problem_is_listed():
    problems = _problems(
        _form(
            {"type": "textfield", "key": "_a"},
            {"type": "select", "key": "b"},
            {"type": "nonsense", "key": "c"},
            TEXT,
            TEXT,
        )
    )
    assert len(problems) == 4, problems
    assert isinstance(PackError(), ClueflowError)


@pytest.mark.parametrize(
    "definition, expected",
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ({"type": "default"}, "no components list"),
        ({"type": "default", "components": {}}, "no components list"),
        ({"type": "other", "components": []}, 'type must be "default"'),
    ],
)
def test_broken_documents(definition, expected):
    assert any(expected in p for p in _problems(definition))


def test_deep_nesting_is_refused():
    node: dict = {"type": "group", "components": [TEXT]}
    for _ in range(40):
        node = {"type": "group", "components": [node]}
    assert any("nested deeper" in p for p in _problems(_form(node)))


def test_a_form_with_only_display_components():
    form = load_form(
        _form({"type": "text", "text": "说明"}, {"type": "spacer"}, {"type": "separator"}), "info"
    )
    assert form.fields == {} and form.validate({}) == {}
    assert errors_of(form, {"x": 1}) == {"x": ["未知字段：表单中没有此项"]}
