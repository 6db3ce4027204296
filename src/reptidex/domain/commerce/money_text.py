"""Amounts as decimal text, as payment providers' JSON APIs take them, derived exactly from
integer minor units (and back), never through a float.

>>> from reptidex.domain.commerce.money import Money
>>> decimal_text(Money.of(19999, "EUR")), decimal_text(Money.of(500, "JPY"))
('199.99', '500')
>>> decimal_text(Money.of(1005, "KWD"))
'1.005'
>>> parse_decimal_text("199.9", "EUR")
Money(amount=19990, currency=Currency(code='EUR', exponent=2))
"""

from __future__ import annotations

import re

from reptidex.domain.commerce.money import Currency, Money
from reptidex.domain.errors import InvalidInput

_DECIMAL = re.compile(r"^(-?)(\d{1,16})(?:\.(\d{1,6}))?$")


def decimal_text(money: Money, places: int | None = None) -> str:
    """``money`` in major units with ``places`` decimals (default: the currency's exponent).

    ``places`` below the exponent (a provider that takes HUF in whole forints) is exact only
    for amounts that are whole in those places; anything else is :class:`InvalidInput`.

    >>> decimal_text(Money.of(150000, "HUF"), places=0)
    '1500'
    """
    exponent = money.currency.exponent
    places = exponent if places is None else places
    sign = "-" if money.amount < 0 else ""
    scale = 10 ** (exponent - places) if places <= exponent else 1
    value, lost = divmod(abs(money.amount), scale)
    if lost:
        raise InvalidInput(
            f"{money.display()} cannot be expressed with {places} decimals.",
            field_errors={"amount": f"a whole number of {money.currency.code} in {places} places"},
        )
    if places > exponent:
        value *= 10 ** (places - exponent)
    whole, minor = divmod(value, 10**places)
    return f"{sign}{whole}" if places == 0 else f"{sign}{whole}.{minor:0{places}d}"


def parse_decimal_text(text: str, currency: str) -> Money:
    """The money a provider's decimal text names in ``currency``; :class:`InvalidInput` for
    text that is not a decimal number or has more decimals than the currency's minor unit."""
    found = _DECIMAL.match(text.strip())
    code = Currency.of(currency)
    if found is None or len(found.group(3) or "") > code.exponent:
        raise InvalidInput(f"{text!r} is not an amount of {code.code}.")
    sign, whole, fraction = found.group(1), found.group(2), found.group(3) or ""
    minor = int(whole) * 10**code.exponent + int(fraction.ljust(code.exponent, "0") or "0")
    return Money(-minor if sign else minor, code)
