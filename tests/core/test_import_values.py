"""Values as people write them in Chinese sheets, turned into what the models store."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy

from aidtrack.core.imports.reading import Formula
from aidtrack.core.imports.values import (
    clean_text,
    match_choice,
    normalise_code,
    parse_amount,
    parse_boolean,
    parse_date,
    parse_decimal,
    parse_integer,
)
from cadres.choices import DeploymentStatus

FORMULA = Formula("=SUM(A1:A3)")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def error_of(function, value, **options) -> str:
    with pytest.raises(ValueError) as caught:
        function(value, **options)
    return str(caught.value)


# -- text and codes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        ("  张三\u3000", "张三"),
        ("\xa0贵州省 六盘水市\u200b", "贵州省 六盘水市"),
        ("\ufeff名称", "名称"),
        ("第一行\n第二行", "第一行\n第二行"),
        (12, "12"),
        (Decimal("12.50"), "12.5"),
        (Decimal("1E+3"), "1000"),
        (12.0, "12"),
        (0.1, "0.1"),
        (True, "TRUE"),
        (date(2023, 5, 1), "2023-05-01"),
        (datetime(2023, 5, 1, 9, 30), "2023-05-01 09:30:00"),
        (time(9, 30), "09:30:00"),
    ],
)
def test_clean_text(value, text):
    assert clean_text(value) == text


def test_a_formula_is_never_a_value():
    message = (
        "This cell holds a formula (=SUM(A1:A3)), which is not imported; enter the value itself."
    )
    for function in (clean_text, normalise_code, parse_date, parse_integer, parse_decimal):
        assert error_of(function, FORMULA) == message
    assert error_of(parse_boolean, FORMULA) == message
    assert error_of(parse_amount, FORMULA, unit="yuan") == message
    assert error_of(match_choice, FORMULA, choices=DeploymentStatus.choices) == message


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("５２０２０１１９９００１０１１２３Ｘ", "52020119900101123X"),
        (" 5202 0119 9001 0112 3X ", "52020119900101123X"),
        ("９１５２０２００ＭＡ６ＤＮ７ＸＸ３Ｐ", "91520200MA6DN7XX3P"),
        ("XM－２０２３－００１", "XM-2023-001"),
        (520201, "520201"),
        (Decimal("520201"), "520201"),
        (520201.0, "520201"),
        (None, ""),
        ("\u3000", ""),
    ],
)
def test_normalise_code(value, code):
    assert normalise_code(value) == code


# -- dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2023-5-1",
        "2023-05-01",
        "2023/05/01",
        "2023/5/1",
        "2023.5.1",
        "2023年5月1日",
        "2023 年 5 月 1 日",
        "2023年05月01号",
        "2023年5月1",
        "20230501",
        "２０２３年５月１日",
        "２０２３－０５－０１",
        "2023-05-01 00:00:00",
        "2023-05-01T08:30",
        " 2023-5-1\u3000",
        date(2023, 5, 1),
        datetime(2023, 5, 1, 23, 59),
        45047,
        Decimal("45047"),
        Decimal("45047.99"),
        45047.0,
        20230501,
    ],
)
def test_parse_date_as_people_write_it(value):
    assert parse_date(value) == date(2023, 5, 1)


def test_excel_serials_in_the_1900_calendar_and_its_phantom_leap_day():
    assert parse_date(1) == date(1900, 1, 1)
    assert parse_date(59) == date(1900, 2, 28)
    assert parse_date(61) == date(1900, 3, 1)
    assert error_of(parse_date, 60) == "60 is not a day of the calendar."


@pytest.mark.parametrize("value", [None, "", "  ", "\u3000"])
def test_a_blank_date_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "2023-5/1",
        "5/1/2023",
        "2023年5月",
        "23-5-1",
        "明天",
        "2023-05",
        True,
        time(9),
        0,
        -5,
        3_000_000,
    ],
)
def test_what_is_no_date(value):
    assert error_of(parse_date, value) == "Enter a date such as 2023-05-01 or 2023年5月1日."


@pytest.mark.parametrize("value", ["2023-02-29", "2023年2月30日", "20231301", 20230230])
def test_a_date_that_is_no_day_says_so(value):
    assert error_of(parse_date, value) == f"{value} is not a day of the calendar."


# -- amounts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "yuan"),
    [
        ("1234.5", "yuan", "1234.50"),
        ("1,234.50", "yuan", "1234.50"),
        ("１２３", "yuan", "123.00"),
        ("１，２３４．５", "yuan", "1234.50"),
        ("¥1,000", "yuan", "1000.00"),
        ("￥1,000", "yuan", "1000.00"),
        ("RMB 1000", "yuan", "1000.00"),
        ("1000元", "yuan", "1000.00"),
        ("50万元", "yuan", "500000.00"),
        ("50万", "yuan", "500000.00"),
        ("-300", "yuan", "-300.00"),
        ("12.5", "wan", "125000.00"),
        ("12.3456", "wan", "123456.00"),
        ("0.000001", "wan", "0.01"),
        ("3,000元", "wan", "3000.00"),
        ("12.5万元", "wan", "125000.00"),
        (" 1 234 ", "yuan", "1234.00"),
        (1234, "yuan", "1234.00"),
        (Decimal("1234.56"), "yuan", "1234.56"),
        (Decimal("1234.5600000000002"), "yuan", "1234.56"),
        (0.1 + 0.2, "yuan", "0.30"),
        (12.5, "wan", "125000.00"),
        (Decimal("0.0001"), "wan", "1.00"),
    ],
)
def test_parse_amount_in_yuan_or_wan(value, unit, yuan):
    amount = parse_amount(value, unit=unit)
    assert amount == Decimal(yuan)
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize("value", [None, "", " ", "\u3000"])
def test_a_blank_amount_is_none(value):
    assert parse_amount(value, unit="yuan") is None


def test_an_amount_finer_than_the_fen_is_refused_not_rounded():
    message = "Amounts are in yuan to the fen (two decimals); 1.234 yuan has more."
    assert error_of(parse_amount, "1.234", unit="yuan") == message
    message = "Amounts are in yuan to the fen (two decimals); 12345.678 yuan has more."
    assert error_of(parse_amount, Decimal("1.2345678"), unit="wan") == message


@pytest.mark.parametrize("value", ["abc", "1.2.3", "12%", "1e5", "--1", "¥", "万元", True])
def test_what_is_no_amount(value):
    assert (
        error_of(parse_amount, value, unit="yuan") == "Enter an amount in yuan, such as 1,234.50."
    )
    assert error_of(parse_amount, value, unit="wan") == (
        "Enter an amount in 10,000 yuan (万元), such as 12.5."
    )


def test_an_amount_too_large_for_a_decimal_is_refused():
    assert "Enter an amount" in error_of(parse_amount, "9" * 40, unit="yuan")
    assert "Enter an amount" in error_of(parse_amount, float("inf"), unit="yuan")


def test_an_unknown_unit_is_a_programming_error_not_a_cells():
    with pytest.raises(TypeError):
        parse_amount("1", unit="元")


# -- numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("12", 12),
        (12, 12),
        (Decimal("12"), 12),
        ("１２", 12),
        ("1,200", 1200),
        (12.0, 12),
        ("-3", -3),
    ],
)
def test_parse_integer(value, number):
    assert parse_integer(value) == number
    assert type(parse_integer(value)) is int


@pytest.mark.parametrize("value", ["12.5", Decimal("12.5"), 12.5, "十二", "1 2 a"])
def test_what_is_no_whole_number(value):
    assert error_of(parse_integer, value) == "Enter a whole number, such as 12."


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("12.5", "12.5"),
        ("１２．５", "12.5"),
        ("1,234.5", "1234.5"),
        (12, "12"),
        (0.1 + 0.2, "0.3"),
        (Decimal("0.125"), "0.125"),
        ("-0.5", "-0.5"),
    ],
)
def test_parse_decimal(value, number):
    assert parse_decimal(value) == Decimal(number)
    assert str(parse_decimal(value)) == number


@pytest.mark.parametrize("function", [parse_integer, parse_decimal])
def test_blank_numbers_are_none(function):
    assert function(None) is None
    assert function(" ") is None


def test_what_is_no_number():
    assert error_of(parse_decimal, "abc") == "Enter a number, such as 12.5."
    assert error_of(parse_decimal, True) == "Enter a number, such as 12.5."


# -- yes or no ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["是", "Y", "y", "yes", "YES", "true", "TRUE", "1", "√", "✓", "Ｙ", 1, True]
)
def test_yes(value):
    assert parse_boolean(value) is True


@pytest.mark.parametrize("value", ["否", "N", "no", "No", "false", "0", "×", 0, Decimal(0), False])
def test_no(value):
    assert parse_boolean(value) is False


def test_yes_or_no_blank_and_neither():
    assert parse_boolean(None) is None
    assert parse_boolean(" ") is None
    assert error_of(parse_boolean, "也许") == "Enter 是 or 否 (yes or no)."
    assert error_of(parse_boolean, 2) == "Enter 是 or 否 (yes or no)."


# -- choices ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("on_post", "on_post"),
        ("在岗", "on_post"),
        (" 在岗\u3000", "on_post"),
        ("On post", "on_post"),
        ("ON POST", "on_post"),
        ("ｏｎ ｐｏｓｔ", "on_post"),
        ("期满返回", "completed"),
        ("Recalled", "recalled"),
        (None, None),
        ("", None),
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_choice_by_its_code_or_its_label_in_either_language(value, code, language):
    with translation.override(language):
        assert match_choice(value, DeploymentStatus.choices) == code


def test_an_unknown_choice_lists_the_labels_in_the_users_language():
    assert error_of(match_choice, "休假", choices=DeploymentStatus.choices) == (
        "Choose one of: Planned / On post / Completed / Recalled."
    )
    with translation.override("zh-hans"):
        message = error_of(match_choice, "休假", choices=DeploymentStatus.choices)
    assert "拟派 / 在岗 / 期满返回 / 提前召回" in message


def test_choices_as_plain_pairs_and_the_same_codes_with_other_labels():
    class Grade(models.TextChoices):
        GOOD = "good", gettext_lazy("Good")
        POOR = "poor", "较差"

    assert match_choice("good", Grade.choices) == "good"
    assert match_choice("较差", Grade.choices) == "poor"
    assert match_choice("好", [("good", "好"), ("poor", "差")]) == "good"
    assert match_choice("good", [(1, "good")]) == 1
    assert match_choice("1", [(1, "good")]) == 1
    with pytest.raises(ValueError):
        match_choice("较差", [("good", "好"), ("poor", "差")])


def test_a_code_is_matched_before_a_label():
    # "a" is one choice's code and another's label: the code wins.
    assert match_choice("a", [("a", "甲"), ("b", "a")]) == "a"
