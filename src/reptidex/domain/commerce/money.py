"""Money in integer minor units of an ISO 4217 currency; never a float.

A :class:`Currency` knows its minor-unit exponent (2 for EUR: cents; 0 for JPY; 3 for KWD), so
an amount of ``1999`` EUR is 19.99 and of ``1999`` JPY is 1,999 yen.

>>> price = Money.of(1999, "EUR")
>>> price.display()
'19.99 EUR'
>>> (price + Money.of(1, "EUR")).amount
2000
>>> Money.of(500, "JPY").display()
'500 JPY'
"""

from __future__ import annotations

from dataclasses import dataclass

from reptidex.domain.errors import InvalidInput

MINOR_UNITS: dict[str, int] = {
    # ISO 4217 codes with their minor-unit exponent (the currencies breeders trade in)
    "AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0,
    "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2,
    "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2,
    "NOK": 2, "NZD": 2, "OMR": 3, "PEN": 2, "PHP": 2, "PLN": 2, "RON": 2, "SAR": 2, "SEK": 2,
    "SGD": 2, "THB": 2, "TND": 3, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip
"""The supported currencies and how many decimal places their minor unit has."""

MAX_AMOUNT = 10**13
"""The largest amount in minor units (a hundred billion of a two-decimal currency): it keeps
every sum of a ledger inside a 64-bit integer column."""


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency and its minor-unit exponent."""

    code: str
    exponent: int

    @classmethod
    def of(cls, code: str) -> Currency:
        """The currency with this code (case-insensitive); :class:`InvalidInput` for a code
        that is not ISO 4217 or not supported.

        >>> Currency.of("kwd")
        Currency(code='KWD', exponent=3)
        """
        upper = code.upper()
        if upper not in MINOR_UNITS:
            raise InvalidInput(
                f"{code!r} is not a supported ISO 4217 currency code.",
                field_errors={"currency": "an ISO 4217 code such as EUR, USD or GBP"},
            )
        return cls(upper, MINOR_UNITS[upper])


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units of a currency (negative in ledger entries)."""

    amount: int
    currency: Currency

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise TypeError("money is an integer number of minor units")
        if abs(self.amount) > MAX_AMOUNT:
            raise InvalidInput(
                f"An amount may not exceed {MAX_AMOUNT} minor units.",
                field_errors={"amount": f"at most {MAX_AMOUNT}"},
            )

    @classmethod
    def of(cls, amount: int, currency: str) -> Money:
        """``amount`` minor units of the currency with code ``currency``."""
        return cls(amount, Currency.of(currency))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(
                f"Cannot combine {self.currency.code} with {other.currency.code}.",
                field_errors={"currency": "one currency"},
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def share(self, basis_points: int) -> Money:
        """``basis_points`` hundredths of a percent of this amount, rounded half up to a whole
        minor unit.

        >>> Money.of(1999, "EUR").share(250).amount  # 2.5 % of 19.99 is 0.49975
        50
        """
        if not 0 <= basis_points <= 10_000:
            raise InvalidInput("A share is between 0 and 10000 basis points.")
        sign = -1 if self.amount < 0 else 1
        return Money(sign * ((abs(self.amount) * basis_points + 5_000) // 10_000), self.currency)

    def display(self) -> str:
        """The amount in major units with the currency code, e.g. ``19.99 EUR``."""
        sign = "-" if self.amount < 0 else ""
        whole, minor = divmod(abs(self.amount), 10**self.currency.exponent)
        if self.currency.exponent == 0:
            return f"{sign}{whole} {self.currency.code}"
        return f"{sign}{whole}.{minor:0{self.currency.exponent}d} {self.currency.code}"
