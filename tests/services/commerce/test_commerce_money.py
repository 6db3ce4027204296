"""Money to the minor unit: the arithmetic keeps the currency, a share rounds half up, the
display follows the currency's exponent, and every refusal says what and where."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reptidex.domain.commerce.money import MAX_AMOUNT, MINOR_UNITS, Currency, Money
from reptidex.domain.errors import InvalidInput

CODES = st.sampled_from(sorted(MINOR_UNITS))
AMOUNTS = st.integers(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT)
HALF = st.integers(min_value=-MAX_AMOUNT // 2, max_value=MAX_AMOUNT // 2)


@given(CODES)
def test_a_currency_is_found_by_its_code_in_any_case(code: str) -> None:
    expected = Currency(code, MINOR_UNITS[code])
    assert Currency.of(code) == expected
    assert Currency.of(code.lower()) == expected


def test_the_exponents_breeders_meet() -> None:
    assert [Currency.of(c).exponent for c in ("EUR", "USD", "JPY", "KRW", "KWD", "BHD")] == [
        2, 2, 0, 0, 3, 3,
    ]  # fmt: skip


def test_an_unknown_currency_is_refused_on_the_currency_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        Currency.of("xxx")
    assert refused.value.detail == "'xxx' is not a supported ISO 4217 currency code."
    assert refused.value.field_errors == {"currency": "an ISO 4217 code such as EUR, USD or GBP"}


@given(HALF, HALF, CODES)
def test_sums_and_differences_are_exact_in_the_same_currency(a: int, b: int, code: str) -> None:
    x, y = Money.of(a, code), Money.of(b, code)
    assert x + y == Money(a + b, Currency.of(code))
    assert x - y == Money(a - b, Currency.of(code))
    assert -x == Money(-a, Currency.of(code))


def test_different_currencies_do_not_combine() -> None:
    for combine in (Money.__add__, Money.__sub__):
        with pytest.raises(InvalidInput) as refused:
            combine(Money.of(1, "EUR"), Money.of(1, "USD"))
        assert refused.value.detail == "Cannot combine EUR with USD."
        assert refused.value.field_errors == {"currency": "one currency"}


def test_an_amount_is_at_most_max_amount_either_way() -> None:
    assert Money.of(MAX_AMOUNT, "EUR").amount == 10**13
    assert Money.of(-MAX_AMOUNT, "EUR").amount == -(10**13)
    for amount in (MAX_AMOUNT + 1, -MAX_AMOUNT - 1):
        with pytest.raises(InvalidInput) as refused:
            Money.of(amount, "EUR")
        assert refused.value.detail == "An amount may not exceed 10000000000000 minor units."
        assert refused.value.field_errors == {"amount": "at most 10000000000000"}


@pytest.mark.parametrize("amount", [19.99, True, "1999", None])
def test_an_amount_is_an_integer(amount: object) -> None:
    with pytest.raises(TypeError) as refused:
        Money(amount, Currency.of("EUR"))  # type: ignore[arg-type]
    assert str(refused.value) == "money is an integer number of minor units"


def _half_up(amount: int, basis_points: int) -> int:
    """The share computed with exact fractions, rounded half away from zero."""
    exact = Fraction(abs(amount) * basis_points, 10_000)
    rounded = int(exact + Fraction(1, 2))  # int() truncates a non-negative fraction: floor
    return rounded if amount >= 0 else -rounded


@given(AMOUNTS, st.integers(min_value=0, max_value=10_000))
def test_a_share_is_the_exact_fraction_rounded_half_up(amount: int, basis_points: int) -> None:
    share = Money.of(amount, "EUR").share(basis_points)
    assert share == Money(_half_up(amount, basis_points), Currency.of("EUR"))


@pytest.mark.parametrize(
    ("amount", "basis_points", "share"),
    [
        (1999, 250, 50),  # 49.975 up
        (4999, 1, 0),  # 0.4999 down
        (5000, 1, 1),  # 0.5 up
        (-5000, 1, -1),  # half away from zero
        (-4999, 1, 0),
        (-1999, 250, -50),
        (-7, 10_000, -7),
        (0, 10_000, 0),
        (MAX_AMOUNT, 10_000, MAX_AMOUNT),
    ],
)
def test_a_share_rounds_at_the_half(amount: int, basis_points: int, share: int) -> None:
    assert Money.of(amount, "JPY").share(basis_points) == Money.of(share, "JPY")


@pytest.mark.parametrize("basis_points", [-1, 10_001])
def test_a_share_is_between_nothing_and_everything(basis_points: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        Money.of(100, "EUR").share(basis_points)
    assert refused.value.detail == "A share is between 0 and 10000 basis points."
    assert refused.value.field_errors == {}


@given(AMOUNTS, CODES)
def test_the_display_is_the_amount_in_major_units(amount: int, code: str) -> None:
    exponent = MINOR_UNITS[code]
    major = format(Decimal(amount).scaleb(-exponent), f".{exponent}f")
    assert Money.of(amount, code).display() == f"{major} {code}"


@pytest.mark.parametrize(
    ("amount", "code", "shown"),
    [
        (0, "EUR", "0.00 EUR"),
        (1, "EUR", "0.01 EUR"),
        (-1, "EUR", "-0.01 EUR"),
        (0, "JPY", "0 JPY"),
        (-1999, "JPY", "-1999 JPY"),
        (1005, "KWD", "1.005 KWD"),
        (-100, "USD", "-1.00 USD"),
    ],
)
def test_the_display_of_small_and_zero_amounts(amount: int, code: str, shown: str) -> None:
    assert Money.of(amount, code).display() == shown
