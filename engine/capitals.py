"""Amounts of money in Chinese capitals (大写), as financial documents write them.

A pure function: 6000 → 人民币陆仟元整, 1234.56 → 人民币壹仟贰佰叁拾肆元伍角陆分,
100.05 → 人民币壹佰元零伍分. Amounts are Decimal yuan, rounded half-up to the fen first.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
BIG_UNITS = ("", "万", "亿", "万亿")


def _four(group: int) -> str:
    """0..9999 in capitals, with 零 for inner gaps and no leading or trailing 零."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def yuan_capitals(amount: Decimal | int | str) -> str:
    """The amount written in Chinese capitals, prefixed 人民币 (negative amounts are refused)."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("a reward amount cannot be negative")
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan >= 10**16:
        raise ValueError("amount too large")
    integer = ""
    groups = []
    rest = yuan
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(integer)
            continue
        if integer and (need_zero or group < 1000):
            integer += "零"
        integer += _four(group) + BIG_UNITS[index]
        need_zero = False
    if not integer and not jiao and not fen:
        return "人民币零元整"
    text = "人民币" + (integer + "元" if integer else "")
    if not jiao and not fen:
        return text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif integer:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return text
