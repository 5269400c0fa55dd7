"""Amounts in Chinese capitals (大写) as the reward documents write them."""

from decimal import Decimal

import pytest

from engine.capitals import yuan_capitals


@pytest.mark.parametrize(
    "amount, words",
    [
        ("6000", "人民币陆仟元整"),
        ("500", "人民币伍佰元整"),
        ("1000", "人民币壹仟元整"),
        ("200000", "人民币贰拾万元整"),
        ("25500", "人民币贰万伍仟伍佰元整"),
        ("2500.00", "人民币贰仟伍佰元整"),
        ("1234.56", "人民币壹仟贰佰叁拾肆元伍角陆分"),
        ("100.05", "人民币壹佰元零伍分"),
        ("20.30", "人民币贰拾元叁角整"),
        ("0.50", "人民币伍角整"),
        ("10", "人民币壹拾元整"),
        ("101", "人民币壹佰零壹元整"),
        ("1001", "人民币壹仟零壹元整"),
        ("10010", "人民币壹万零壹拾元整"),
        ("105000", "人民币壹拾万伍仟元整"),
        ("1010101", "人民币壹佰零壹万零壹佰零壹元整"),
        ("100001000", "人民币壹亿零壹仟元整"),
        ("0", "人民币零元整"),
    ],
)
def test_amounts_in_capitals(amount, words):
    assert yuan_capitals(Decimal(amount)) == words


def test_fen_are_rounded_half_up_first():
    assert yuan_capitals(Decimal("0.005")) == "人民币壹分"
    assert yuan_capitals(Decimal("99.995")) == "人民币壹佰元整"


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError):
        yuan_capitals(Decimal("-1"))
