"""The campaign rules without a database: each bound of a campaign's terms, targeting and
boosted listings at its edge and one past it, with the field and the words a refusal names;
when a campaign runs; and what an impression costs."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from reptidex.domain.ads.campaigns import (
    BoostKind,
    Campaign,
    CampaignStatus,
    CampaignTerms,
    Targeting,
    check_boost,
    check_targeting,
    check_terms,
    cost_of_impression,
    to_millis,
)
from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import InvalidInput

DAY = dt.date(2026, 12, 6)
TERMS = CampaignTerms(
    name="Spring",
    daily_budget=Money.of(100, "EUR"),
    total_budget=Money.of(1000, "EUR"),
    cpm=50,
    starts_on=DAY,
    ends_on=DAY,
)
KEY = "a catalog key such as ball_python (lower case, digits, _)"
COUNTRY = "an ISO 3166 alpha-2 code such as DE"


def _eur(amount: int) -> Money:
    return Money.of(amount, "EUR")


def _refusal(check: object, *args: object) -> tuple[str, dict[str, str]]:
    with pytest.raises(InvalidInput) as refused:
        check(*args)  # type: ignore[operator]
    return refused.value.detail, refused.value.field_errors


@pytest.mark.parametrize(
    "terms",
    [
        replace(TERMS, name="x" * 120),
        replace(TERMS, daily_budget=_eur(1), total_budget=_eur(1), cpm=1000),
        replace(TERMS, daily_budget=_eur(10**9), total_budget=_eur(10**11), cpm=100_000),
        replace(TERMS, total_budget=_eur(100)),  # one day's budget
        replace(TERMS, cpm=1),
        replace(TERMS, ends_on=DAY + dt.timedelta(days=365)),
        replace(TERMS, targeting=Targeting(("a" * 64,), ("b",), ("DE",))),
        replace(TERMS, targeting=Targeting(tuple(f"s{i}" for i in range(20)))),
    ],
)
def test_terms_at_their_bounds_are_kept_as_given(terms: CampaignTerms) -> None:
    assert check_terms(terms, DAY) == terms


@pytest.mark.parametrize(
    ("terms", "detail", "field", "message"),
    [
        (replace(TERMS, name=" "), "A campaign needs a name.", "name", "1 to 120 characters"),
        (
            replace(TERMS, name="x" * 121),
            "A campaign needs a name.",
            "name",
            "1 to 120 characters",
        ),
        (
            replace(TERMS, total_budget=Money.of(1000, "USD")),
            "Use one currency.",
            "total_budget",
            "the daily budget's currency",
        ),
        (
            replace(TERMS, daily_budget=_eur(0)),
            "The daily budget is out of range.",
            "daily_budget",
            "1 to 1000000000 minor units",
        ),
        (
            replace(TERMS, daily_budget=_eur(10**9 + 1), total_budget=_eur(10**10)),
            "The daily budget is out of range.",
            "daily_budget",
            "1 to 1000000000 minor units",
        ),
        (
            replace(TERMS, total_budget=_eur(99)),
            "The total budget must cover at least one day's budget.",
            "total_budget",
            "at least the daily budget, at most 100000000000 minor units",
        ),
        (
            replace(TERMS, total_budget=_eur(10**11 + 1)),
            "The total budget must cover at least one day's budget.",
            "total_budget",
            "at least the daily budget, at most 100000000000 minor units",
        ),
        (
            replace(TERMS, cpm=0),
            "The bid per thousand impressions is out of range.",
            "cpm",
            "1 to 100000 minor units, within a thousand times the daily budget",
        ),
        (
            replace(TERMS, daily_budget=_eur(10**6), total_budget=_eur(10**6), cpm=100_001),
            "The bid per thousand impressions is out of range.",
            "cpm",
            "1 to 100000 minor units, within a thousand times the daily budget",
        ),
        (
            replace(TERMS, daily_budget=_eur(1), total_budget=_eur(1), cpm=1001),
            "The bid per thousand impressions is out of range.",
            "cpm",
            "1 to 100000 minor units, within a thousand times the daily budget",
        ),
        (
            replace(TERMS, ends_on=DAY - dt.timedelta(days=1)),
            "The campaign ends before it starts.",
            "ends_on",
            "on or after starts_on",
        ),
        (
            replace(TERMS, ends_on=DAY + dt.timedelta(days=366)),
            "The campaign runs too long.",
            "ends_on",
            "within 366 days",
        ),
        (
            replace(TERMS, targeting=Targeting(species=("Ball_Python",))),
            "'Ball_Python' is not " + KEY + ".",
            "species",
            KEY,
        ),
    ],
)
def test_terms_past_a_bound_are_refused_naming_the_field(
    terms: CampaignTerms, detail: str, field: str, message: str
) -> None:
    assert _refusal(check_terms, terms, DAY) == (detail, {field: message})


def test_an_end_before_today_is_refused_only_when_today_is_given() -> None:
    assert check_terms(TERMS, DAY) == TERMS
    assert check_terms(TERMS) == TERMS
    late = DAY + dt.timedelta(days=1)
    past = ("The campaign would end in the past.", {"ends_on": "today or later"})
    assert _refusal(check_terms, TERMS, late) == past


def test_a_name_is_kept_without_its_surrounding_blanks() -> None:
    kept = check_terms(replace(TERMS, name="  Spring sale "))
    assert kept == replace(TERMS, name="Spring sale")


@pytest.mark.parametrize(
    ("targeting", "detail", "field", "message"),
    [
        (
            Targeting(species=tuple(f"s{i}" for i in range(21))),
            "Target at most 20 species.",
            "species",
            "at most 20",
        ),
        (
            Targeting(genes=tuple(f"g{i}" for i in range(21))),
            "Target at most 20 genes.",
            "genes",
            "at most 20",
        ),
        (
            Targeting(countries=("DE",) * 21),
            "Target at most 20 countries.",
            "countries",
            "at most 20",
        ),
        (
            Targeting(genes=("clown", "clown")),
            "A value of genes is given twice.",
            "genes",
            "no value twice",
        ),
        (
            Targeting(species=("ball_python", "ball_python")),
            "A value of species is given twice.",
            "species",
            "no value twice",
        ),
        (
            Targeting(countries=("DE", "DE")),
            "A value of countries is given twice.",
            "countries",
            "no value twice",
        ),
        (Targeting(species=("_ball",)), "'_ball' is not " + KEY + ".", "species", KEY),
        (Targeting(species=("a" * 65,)), f"'{'a' * 65}' is not {KEY}.", "species", KEY),
        (Targeting(genes=("pastel", "Clown")), "'Clown' is not " + KEY + ".", "genes", KEY),
        (Targeting(countries=("de",)), "'de' is not " + COUNTRY + ".", "countries", COUNTRY),
        (
            Targeting(countries=("DEU",)),
            "'DEU' is not " + COUNTRY + ".",
            "countries",
            COUNTRY,
        ),
    ],
)
def test_targeting_lists_are_bounded_unique_and_well_formed(
    targeting: Targeting, detail: str, field: str, message: str
) -> None:
    assert _refusal(check_targeting, targeting) == (detail, {field: message})


def test_good_targeting_is_kept() -> None:
    targeting = Targeting(tuple(f"s{i}" for i in range(20)), ("clown", "pastel_2"), ("DE", "AT"))
    assert check_targeting(targeting) is targeting


def test_a_listings_campaign_boosts_one_to_twenty_distinct_listings() -> None:
    twenty = tuple(uuid.uuid4() for _ in range(20))
    assert check_boost(BoostKind.LISTINGS, twenty) == twenty
    assert check_boost(BoostKind.LISTINGS, twenty[:1]) == twenty[:1]
    refused = (
        "A listings campaign names the listings it boosts.",
        {"listing_ids": "1 to 20 distinct listings"},
    )
    for listings in ((), (*twenty, uuid.uuid4()), (twenty[0], twenty[0])):
        assert _refusal(check_boost, BoostKind.LISTINGS, listings) == refused


def test_a_breeder_campaign_boosts_no_listing() -> None:
    assert check_boost(BoostKind.BREEDER, ()) == ()
    refused = (
        "A breeder campaign boosts no listing.",
        {"listing_ids": "none for a breeder campaign"},
    )
    assert _refusal(check_boost, BoostKind.BREEDER, (uuid.uuid4(),)) == refused


def _campaign(status: CampaignStatus = CampaignStatus.ACTIVE) -> Campaign:
    terms = replace(TERMS, ends_on=DAY + dt.timedelta(days=2))
    return Campaign(uuid.uuid4(), uuid.uuid4(), BoostKind.BREEDER, (), terms, status)


def test_a_campaign_runs_from_its_first_to_its_last_day_unless_paused() -> None:
    campaign = _campaign()
    days = [DAY + dt.timedelta(days=n) for n in range(-1, 4)]
    assert [campaign.runs_on(day) for day in days] == [False, True, True, True, False]
    assert not any(_campaign(CampaignStatus.PAUSED).runs_on(day) for day in days)
    assert campaign.currency == "EUR"


def test_an_impression_costs_the_bid_in_millis() -> None:
    # a bid per thousand impressions in minor units is one impression's cost in thousandths
    assert cost_of_impression(250) == 250
    assert to_millis(Money.of(1999, "EUR")) == 1_999_000
    assert to_millis(Money.of(7, "JPY")) == 7000


def test_targeting_meets_each_non_empty_list() -> None:
    targeting = Targeting(species=("ball_python",), genes=("clown", "pastel"))
    assert targeting.matches("ball_python", frozenset({"pastel"}), None)
    assert not targeting.matches("corn_snake", frozenset({"pastel"}), "DE")
    assert not targeting.matches(None, frozenset({"clown"}), None)
    assert not targeting.matches("ball_python", frozenset({"piebald"}), None)
    assert not targeting.matches("ball_python", frozenset(), None)
    countries = Targeting(countries=("DE",))
    assert countries.matches(None, frozenset(), "DE")
    assert not countries.matches("ball_python", frozenset({"clown"}), "AT")
    assert not countries.matches(None, frozenset(), None)
    assert Targeting(genes=("clown",)).matches(None, frozenset({"clown"}), None)
