"""The password policy rule by rule, with exact messages: the shipped list, both length bounds
counted in visible characters, the common and guessable passwords and the email address."""

from __future__ import annotations

import pytest

from reptidex.domain.errors import InvalidInput
from reptidex.domain.identity import Email, PasswordPolicy
from reptidex.domain.identity.passwords import common_passwords, normalise_password, visible_text

TOO_SHORT = "Use at least 10 visible characters (invisible ones and extra spaces do not count)."
TOO_LONG = "Use at most 128 characters."
TOO_COMMON = "This password is too common; choose another."
IS_EMAIL = "The password must not be your email address."


def refusal(
    password: str, *, email: str | None = None, policy: PasswordPolicy | None = None
) -> str:
    """The message ``password`` is refused with; fails when it is accepted."""
    with pytest.raises(InvalidInput) as refused:
        (policy or PasswordPolicy()).check(
            password, email=Email.parse(email) if email is not None else None
        )
    assert refused.value.field_errors == {"password": refused.value.detail}
    return refused.value.detail


def test_the_shipped_list_holds_its_entries_and_no_comment() -> None:
    listed = common_passwords()
    assert len(listed) == 379
    assert {"123456", "password", "qwertyuiop", "dragon", "abababab"} <= listed
    assert not any(entry.startswith("#") or entry != entry.strip() for entry in listed)
    assert "" not in listed
    assert listed is common_passwords()


def test_normalising_is_nfkc() -> None:
    assert normalise_password("ｃｏｒｒｅｃｔ ﬁsh") == "correct fish"
    assert normalise_password("e\u0301") == "\u00e9"


def test_visible_text_drops_what_prints_nothing() -> None:
    assert visible_text("pass\u200bword\u00ad\ufeff\x07\u202e") == "password"
    assert visible_text("\u0378ab") == "ab"  # unassigned
    assert visible_text("\ud800ab") == "ab"  # a lone surrogate
    assert visible_text("  correct \t  horse\u2003battery \n ") == "correct horse battery"
    assert visible_text("zürich drache") == "zürich drache"


def test_the_length_counts_visible_characters_from_ten() -> None:
    assert PasswordPolicy().check("kestrel-9b") == "kestrel-9b"
    assert refusal("kestrel-9") == TOO_SHORT
    assert refusal("kestrel-9\u200b") == TOO_SHORT
    assert refusal(" kestrel 9 ") == TOO_SHORT
    assert PasswordPolicy().check("kestrel  9b") == "kestrel  9b"


def test_the_upper_bound_is_128_normalised_characters() -> None:
    longest = "kestrel-9b" * 12 + "zürich-a"
    assert len(longest) == 128
    assert PasswordPolicy().check(longest) == longest
    assert refusal(longest + "x") == TOO_LONG
    # invisible characters count toward the upper bound: they are hashed
    assert refusal(longest[:-1] + "\u200b\u200b") == TOO_LONG


def test_the_bounds_are_the_policys_own() -> None:
    policy = PasswordPolicy(min_length=4, max_length=6)
    assert policy.check("kes9") == "kes9"
    assert refusal("ke9", policy=policy) == (
        "Use at least 4 visible characters (invisible ones and extra spaces do not count)."
    )
    assert refusal("kestrel", policy=policy) == "Use at most 6 characters."


def test_a_common_password_is_refused_bare_or_decorated() -> None:
    assert refusal("qwertyuiop") == TOO_COMMON
    assert refusal("QwertyUIOP") == TOO_COMMON
    assert refusal("2024dragon!!") == TOO_COMMON
    assert refusal("  dragon 2024 ") == TOO_COMMON
    assert refusal("#@dragon2024") == TOO_COMMON
    assert refusal("dragon~?,.=+_-)(*&^%$") == TOO_COMMON
    # decoration is stripped only at the ends, and only what the list names
    assert PasswordPolicy().check("drag2024on!") == "drag2024on!"
    assert PasswordPolicy().check("xdragon2024") == "xdragon2024"


def test_the_list_checked_is_the_policys_own() -> None:
    policy = PasswordPolicy(refused=frozenset({"kestrel"}))
    assert refusal("kestrel2024", policy=policy) == TOO_COMMON
    assert policy.check("qwertyuiop") == "qwertyuiop"


def test_fewer_than_three_different_characters_is_too_common() -> None:
    assert refusal("zzzzzzzzzzzz") == TOO_COMMON
    assert refusal("zyzyzyzyzyzy") == TOO_COMMON
    assert refusal("ZyzYzyzyzyzy") == TOO_COMMON
    assert PasswordPolicy().check("zyxzyxzyxzyx") == "zyxzyxzyxzyx"


def test_the_email_address_is_refused_bare_or_decorated() -> None:
    email = "ann.keeper@example.org"
    assert refusal("ann.keeper@example.org", email=email) == IS_EMAIL
    assert refusal("Ann.Keeper@Example.org", email=email) == IS_EMAIL
    assert refusal("ann.keeper2024", email=email) == IS_EMAIL
    assert refusal("!ann.keeper@example.org1", email=email) == IS_EMAIL
    assert PasswordPolicy().check("ann.keeper-x", email=Email.parse(email)) == "ann.keeper-x"
    assert PasswordPolicy().check("ann.keeper2024") == "ann.keeper2024"


def test_an_address_starting_with_a_digit_is_refused_as_typed() -> None:
    # stripped of its leading digit it is neither the address nor its local part: as typed it is
    email = "1ann.keeper@example.org"
    assert refusal("1ann.keeper@example.org", email=email) == IS_EMAIL
    assert refusal("1ann.keeper", email=email) == IS_EMAIL


def test_the_refusal_names_the_field_given() -> None:
    with pytest.raises(InvalidInput) as refused:
        PasswordPolicy().check("short", field_name="new_password")
    assert refused.value.detail == TOO_SHORT
    assert refused.value.field_errors == {"new_password": TOO_SHORT}
