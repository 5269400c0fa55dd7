"""The legal basis as people are shown it (RULES §B.12): a pack's own texts by their code (full title
on first use in a document), another city's text only as the pack's default "参照《…》", internal
references never; every shipped pack names its texts, and a broken texts.json is refused."""

from __future__ import annotations

import pytest

from engine.citations import Regulation, cite, legend, parse_texts
from engine.errors import PackError
from engine.rules import calendars_for, compiled, load_pack, shown_basis
from engine.specs import DEADLINE_RULES, check_pack

CQH = Regulation("CQH", "重庆市医疗保障基金使用监督管理举报处理实施细则", "渝医保发〔2023〕27号", True)
URU = Regulation("URU", "乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则", "乌医保规〔2026〕1号", False)
PACKS = ("national", "chongqing", "urumqi", "heilongjiang", "dali", "sichuan")


def test_own_codes_stay_and_another_citys_text_is_said_to_be_a_default():
    texts = (CQH, URU)
    assert cite("CQH 第十五条", texts) == "CQH 第十五条"
    assert (
        cite("URU 第十四条第一款", texts)
        == "本规则包默认值，参照《乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则》第十四条第一款"
    )
    assert cite("URU 第十五条；RULES B.3", texts).endswith("第十五条")
    assert cite("补发差额（RULES §B.2）", texts) == "补发差额"
    assert cite("CQH-13-5", texts) == "CQH-13-5"  # a ground's identifier is not a citation


def test_a_document_gives_the_full_title_on_first_use():
    text = cite("依据 CQH 第十五条、CQH 第二十二条", (CQH,), document=True)
    assert text == "依据 《重庆市医疗保障基金使用监督管理举报处理实施细则》第十五条、CQH 第二十二条"


def test_every_shipped_pack_names_its_texts_and_no_deadline_basis_cites_another_city_as_its_own():
    for name in PACKS:
        pack = compiled(name)
        assert pack.regulations, name
        assert legend(pack.regulations)
        own = {r.code for r in pack.regulations if r.own}
        for rule in DEADLINE_RULES:
            basis = pack.decisions.evaluate("deadline_rules", {"rule": rule})["basis"] or ""
            shown = shown_basis(name, basis)
            assert "RULES" not in shown, (name, rule, shown)
            for reg in pack.regulations:
                if reg.code in shown:
                    assert reg.code in own, (name, rule, shown)
    assert shown_basis("urumqi", "URU 第十五条") == "URU 第十五条"
    assert "参照《乌鲁木齐" in shown_basis("chongqing", "URU 第十五条")


@pytest.mark.parametrize(
    "content, words",
    [
        (b"not json", "not valid JSON"),
        (b'{"texts": []}', "expected"),
        (b'{"texts": [{"code": "cqh", "title": "x"}]}', "code must be"),
        (b'{"texts": [{"code": "CQH", "title": "\\u300a\\u7ec6\\u5219\\u300b"}]}', "without"),
        (b'{"texts": [{"code": "CQH", "title": "a"}, {"code": "CQH", "title": "b"}]}', "twice"),
        (b'{"texts": [{"code": "CQH", "title": "a", "script": "x"}]}', "only code"),
    ],
)
def test_a_broken_texts_file_is_refused_with_a_reason(content, words):
    with pytest.raises(PackError, match=words):
        parse_texts(content, "test")
    pack = load_pack("chongqing")
    broken = type(pack)(
        pack.info, pack.chain, {**pack.files, "regulations/texts.json": content}, pack.origins
    )
    problems = check_pack(broken, calendars_for())
    assert any(p.file == "regulations/texts.json" and p.severity == "error" for p in problems)


def test_a_code_without_an_article_keeps_its_spacing():
    assert (
        cite("管辖审查（CQH 第十九至二十一条；CQF 第二十三条）", (CQH,))
        == "管辖审查（CQH 第十九至二十一条；CQF 第二十三条）"
    )
    assert cite("参见 CQH。", (CQH,)) == "参见 CQH。"
