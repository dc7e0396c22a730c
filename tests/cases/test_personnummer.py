from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import NamedTuple

import pytest
from django.conf import settings
from django.utils import translation
from hypothesis import assume, given
from hypothesis import strategies as st

from cases.personnummer import (
    MSG_CHECKSUM,
    MSG_DATE,
    MSG_FORMAT,
    MSG_FUTURE,
    InvalidPersonalNumber,
    age_on,
    birth_date,
    is_coordination_number,
    luhn_check_digit,
    normalize,
)

# The messages are lazy; turning them into text needs settings, which may not exist yet.
if not settings.configured:
    settings.configure(USE_I18N=False)

TODAY = date(2025, 6, 15)


def make(yyyymmdd: str, serial: str = "123") -> str:
    """A 12-digit number with the right check digit."""
    return f"{yyyymmdd}{serial}{luhn_check_digit(yyyymmdd[2:] + serial)}"


def luhn_valid(digits: str) -> bool:
    """Reference Luhn validation, written independently of luhn_check_digit."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def completed_years(born: date, on: date) -> int:
    years = on.year - born.year
    return years - 1 if (on.month, on.day) < (born.month, born.day) else years


def rejection(value: str, today: date = TODAY) -> InvalidPersonalNumber:
    with pytest.raises(InvalidPersonalNumber) as excinfo:
        normalize(value, today=today)
    return excinfo.value


class Sample(NamedTuple):
    pnr12: str
    born: date
    coordination: bool
    today: date


@st.composite
def valid_numbers(draw: st.DrawFn) -> Sample:
    today = draw(st.one_of(st.just(TODAY), st.dates(date(1900, 1, 1), date(2099, 12, 31))))
    born = draw(st.dates(date(1900, 1, 1), today))
    serial = draw(st.integers(0, 999))
    coordination = draw(st.booleans())
    day = born.day + 60 if coordination else born.day
    return Sample(make(f"{born:%Y%m}{day:02d}", f"{serial:03d}"), born, coordination, today)


def accepted_formats(sample: Sample) -> list[str]:
    p = sample.pnr12
    if completed_years(sample.born, sample.today) >= 100:
        short = [f"{p[2:8]}+{p[8:]}"]
    else:
        short = [f"{p[2:8]}-{p[8:]}", p[2:]]
    return [p, f"{p[:8]}-{p[8:]}", *short, f"  {short[0]}\t\n"]


@st.composite
def invalid_dates(draw: st.DrawFn) -> tuple[int, int, int]:
    year = draw(st.integers(1900, TODAY.year))
    month = draw(st.one_of(st.integers(1, 12), st.integers(0, 99)))
    day = draw(st.one_of(st.sampled_from([0, 29, 30, 31, 32, 60, 61, 89, 90, 91, 92]), st.integers(0, 99)))
    real_day = day - 60 if day > 60 else day
    valid = 1 <= month <= 12 and 1 <= real_day <= calendar.monthrange(year, month)[1]
    assume(not valid)
    return year, month, day


# Properties


@given(valid_numbers())
def test_every_accepted_format_of_a_number_normalises_to_the_same_twelve_digits(sample: Sample) -> None:
    for value in accepted_formats(sample):
        assert normalize(value, today=sample.today) == sample.pnr12


@given(valid_numbers())
def test_normalising_is_idempotent(sample: Sample) -> None:
    for value in accepted_formats(sample):
        once = normalize(value, today=sample.today)
        assert normalize(once, today=sample.today) == once


@given(valid_numbers())
def test_the_helpers_agree_with_the_generated_birth_date(sample: Sample) -> None:
    assert birth_date(sample.pnr12) == sample.born
    assert is_coordination_number(sample.pnr12) is sample.coordination
    assert age_on(sample.pnr12, sample.today) == completed_years(sample.born, sample.today)


@given(valid_numbers(), st.integers(8, 11), st.integers(1, 9))
def test_changing_one_digit_of_the_serial_or_check_digit_is_rejected(sample: Sample, position: int, shift: int) -> None:
    p = sample.pnr12
    changed = p[:position] + str((int(p[position]) + shift) % 10) + p[position + 1 :]
    assert rejection(changed, sample.today).message == MSG_CHECKSUM


@given(valid_numbers(), st.integers(2, 11), st.integers(1, 9))
def test_changing_any_one_digit_after_the_century_is_rejected(sample: Sample, position: int, shift: int) -> None:
    p = sample.pnr12
    rejection(p[:position] + str((int(p[position]) + shift) % 10) + p[position + 1 :], sample.today)


@given(valid_numbers(), st.integers(8, 10))
def test_swapping_two_adjacent_different_digits_of_the_serial_part_is_rejected(sample: Sample, position: int) -> None:
    p = sample.pnr12
    pair = p[position : position + 2]
    if pair[0] == pair[1] or pair in ("09", "90"):  # Luhn's one blind spot for transpositions
        return
    swapped = p[:position] + pair[::-1] + p[position + 2 :]
    assert rejection(swapped, sample.today).message == MSG_CHECKSUM


@given(invalid_dates(), st.integers(0, 999))
def test_invalid_dates_are_rejected_even_with_a_correct_check_digit(parts: tuple[int, int, int], serial: int) -> None:
    year, month, day = parts
    p = make(f"{year:04d}{month:02d}{day:02d}", f"{serial:03d}")
    assert rejection(p).message == MSG_DATE
    if (month, day % 60) != (2, 29):  # the short form of 1900-02-29 means 2000-02-29, which is real
        assert rejection(f"{p[2:8]}-{p[8:]}").message == MSG_DATE


@given(
    st.one_of(
        st.text(alphabet="0123456789-+ _/.", max_size=16),
        st.from_regex(r"[0-9]{6,8}[-+]?[0-9]{4}", fullmatch=True),
        st.text(max_size=16),
    )
)
def test_the_error_message_never_contains_the_input(value: str) -> None:
    try:
        normalize(value, today=TODAY)
    except InvalidPersonalNumber as exc:
        text = str(exc)
        assert not any(char.isdigit() for char in text)
        assert exc.message in (MSG_FORMAT, MSG_DATE, MSG_CHECKSUM, MSG_FUTURE)


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_the_check_digit_makes_the_ten_digits_pass_luhn(nine: str) -> None:
    check = luhn_check_digit(nine)
    assert 0 <= check <= 9
    assert luhn_valid(nine + str(check))
    assert not luhn_valid(nine + str((check + 1) % 10))


# Examples


def test_the_error_messages_have_the_agreed_text() -> None:
    with translation.override("en"):
        _assert_english_messages()
    with translation.override("sv"):
        assert str(MSG_FORMAT) == "Ange personnumret som ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."


def _assert_english_messages() -> None:
    assert str(MSG_FORMAT) == "Enter a personal identity number as YYYYMMDD-NNNN or YYMMDD-NNNN."
    assert str(MSG_DATE) == "The date part of the personal identity number is not a valid date."
    assert str(MSG_CHECKSUM) == "The check digit of the personal identity number is wrong."
    assert str(MSG_FUTURE) == "The personal identity number is dated in the future."


def test_it_computes_the_check_digits_of_skatteverkets_examples() -> None:
    assert luhn_check_digit("811218987") == 6
    assert luhn_check_digit("640823323") == 4
    assert luhn_check_digit("701063239") == 1


@pytest.mark.parametrize("value", ["19811218-9876", "198112189876", "811218-9876", "8112189876"])
def test_it_accepts_both_formats_of_the_same_number(value: str) -> None:
    assert normalize(value, today=TODAY) == "198112189876"


def test_it_allows_surrounding_whitespace() -> None:
    assert normalize("  19811218-9876\n", today=TODAY) == "198112189876"


def test_it_uses_the_current_date_when_no_date_is_given() -> None:
    assert normalize("811218-9876") == "198112189876"


def test_it_rejects_a_wrong_check_digit() -> None:
    assert rejection("19811218-9875").message == MSG_CHECKSUM
    assert rejection("811218-9875").message == MSG_CHECKSUM


def test_it_keeps_the_sixty_added_to_the_day_of_a_coordination_number() -> None:
    pnr = normalize("701063-2391", today=TODAY)
    assert pnr == "197010632391"
    assert is_coordination_number(pnr)
    assert birth_date(pnr) == date(1970, 10, 3)
    assert age_on(pnr, TODAY) == 54


def test_an_ordinary_number_is_not_a_coordination_number() -> None:
    assert not is_coordination_number("198112189876")
    assert birth_date("198112189876") == date(1981, 12, 18)


def test_a_coordination_number_needs_a_real_day_after_subtracting_sixty() -> None:
    assert rejection(make("19700192")).message == MSG_DATE  # day 32
    assert rejection(make("19700160")).message == MSG_DATE  # day 60 is neither
    assert rejection(make("19700289")).message == MSG_DATE  # 29 Feb 1970


def test_a_plus_sign_means_the_person_is_a_hundred_or_older() -> None:
    assert normalize("121212+1212", today=TODAY) == "191212121212"
    assert normalize("121212-1212", today=TODAY) == "201212121212"


def test_a_short_number_gets_the_most_recent_century_that_is_not_in_the_future() -> None:
    p = make("20250615")
    assert normalize(f"{p[2:8]}-{p[8:]}", today=date(2025, 6, 15)) == p
    assert normalize(f"{p[2:8]}-{p[8:]}", today=date(2025, 6, 14)) == "19" + p[2:]


def test_a_hundredth_birthday_today_is_written_with_a_plus() -> None:
    p = make("19250615")
    assert normalize(f"{p[2:8]}+{p[8:]}", today=TODAY) == p
    assert normalize(f"{p[2:8]}+{p[8:]}", today=TODAY - timedelta(days=1)) == "18" + p[2:]


def test_it_accepts_29_february_only_in_leap_years() -> None:
    assert normalize(make("20000229"), today=TODAY) == make("20000229")
    assert normalize(make("20000229")[2:], today=TODAY) == make("20000229")
    assert rejection(make("19000229")).message == MSG_DATE
    assert rejection(make("20230229")).message == MSG_DATE
    assert rejection(make("20230229")[2:]).message == MSG_DATE
    assert normalize(make("20000289"), today=TODAY) == make("20000289")


def test_someone_born_on_29_february_gets_older_on_1_march_in_other_years() -> None:
    pnr = make("20000229")
    assert age_on(pnr, date(2023, 2, 28)) == 22
    assert age_on(pnr, date(2023, 3, 1)) == 23
    assert age_on(pnr, date(2024, 2, 28)) == 23
    assert age_on(pnr, date(2024, 2, 29)) == 24


def test_age_on_counts_completed_years() -> None:
    assert age_on("198112189876", date(2025, 12, 17)) == 43
    assert age_on("198112189876", date(2025, 12, 18)) == 44
    assert age_on("198112189876", date(1981, 12, 18)) == 0


def test_age_on_refuses_a_date_before_birth() -> None:
    with pytest.raises(ValueError):
        age_on("198112189876", date(1981, 12, 17))


def test_it_rejects_a_number_dated_in_the_future() -> None:
    assert rejection(make("20250616")).message == MSG_FUTURE
    assert rejection(make("20250676")).message == MSG_FUTURE
    assert normalize(make("20250615"), today=TODAY) == make("20250615")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "1981-12-18-9876",
        "19811218_9876",
        "19811218 9876",
        "811218 9876",
        "19811218+9876",
        "19811218--9876",
        "+8112189876",
        "81121-89876",
        "81121898760",
        "1981121898760",
        "198112189876x",
        "\u0661\u0669\u0668\u0661\u0661\u0662\u0661\u0668\u0669\u0668\u0667\u0666",  # Arabic-Indic digits
    ],
)
def test_it_rejects_wrong_formats(value: str) -> None:
    assert rejection(value).message == MSG_FORMAT


@pytest.mark.parametrize("value", ["811218-9876", "19811218-9876", "", "1981121898"])
def test_the_helpers_need_the_normalised_twelve_digits(value: str) -> None:
    for helper in (birth_date, is_coordination_number):
        with pytest.raises(InvalidPersonalNumber):
            helper(value)


@pytest.mark.parametrize("value", ["", "81121898", "8112189876", "81121898a"])
def test_the_check_digit_needs_exactly_nine_digits(value: str) -> None:
    with pytest.raises(ValueError):
        luhn_check_digit(value)
