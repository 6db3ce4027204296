"""The advertising rules without a database: campaign terms, pacing, targeting, tokens, and
the tables the migration makes matching the models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reptidex.adapters.sql.bases import service_metadata
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.ads.campaigns import MAX_DAYS, CampaignTerms, Targeting, check_terms
from reptidex.domain.ads.pacing import allowed_by
from reptidex.domain.ads.tokens import AdTicket, TicketSigner
from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import InvalidInput
from reptidex.services.kernel.settings import Settings

AD_TABLES = {
    "ad_campaign",
    "ad_campaign_day",
    "ad_credit_account",
    "ad_credit_purchase",
    "ad_sighting",
}
DAY = dt.date(2026, 12, 6)


def _terms(**fields: object) -> CampaignTerms:
    values: dict[str, object] = {
        "name": "Spring",
        "daily_budget": Money.of(100, "EUR"),
        "total_budget": Money.of(1000, "EUR"),
        "cpm": 50,
        "starts_on": DAY,
        "ends_on": DAY,
    }
    values.update(fields)
    return CampaignTerms(**values)  # type: ignore[arg-type]


def test_terms_at_their_bounds_are_kept() -> None:
    longest = _terms(ends_on=DAY + dt.timedelta(days=MAX_DAYS - 1), cpm=100_000)
    assert check_terms(longest, DAY) == longest
    assert check_terms(_terms(name="  Spring  ")).name == "Spring"
    with pytest.raises(InvalidInput, match="too long"):
        check_terms(_terms(ends_on=DAY + dt.timedelta(days=MAX_DAYS)))
    with pytest.raises(InvalidInput, match="one currency"):
        check_terms(_terms(total_budget=Money.of(1000, "USD")))
    with pytest.raises(InvalidInput, match="name"):
        check_terms(_terms(name="   "))
    with pytest.raises(InvalidInput, match="past"):
        check_terms(_terms(), DAY + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("hour", "minute", "allowed"),
    [(0, 0, 50_000), (6, 0, 300_000), (12, 0, 550_000), (23, 0, 1_000_000)],
)
def test_pacing_spreads_the_day_with_a_burst(hour: int, minute: int, allowed: int) -> None:
    at = dt.datetime(2026, 12, 6, hour, minute, tzinfo=dt.UTC)
    assert allowed_by(1_000_000, 250, at) == allowed


def test_the_burst_is_at_least_one_impression() -> None:
    midnight = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)
    assert allowed_by(1000, 400, midnight) == 400
    elsewhere = dt.datetime(2026, 12, 6, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert allowed_by(1_000_000, 250, elsewhere) == 550_000  # noon UTC


def test_targeting_needs_every_non_empty_list_met() -> None:
    targeting = Targeting(species=("ball_python",), genes=("clown",), countries=("DE", "AT"))
    assert targeting.matches("ball_python", frozenset({"clown", "pastel"}), "AT")
    assert not targeting.matches("ball_python", frozenset({"clown"}), "FR")
    assert not targeting.matches("ball_python", frozenset({"clown"}), None)
    assert Targeting().matches(None, frozenset(), None)


def test_tokens_hold_only_under_their_key() -> None:
    ticket = AdTicket("click", "c", "o", 1, "t", 10)
    token = TicketSigner(b"k" * 16).sign(ticket)
    with pytest.raises(InvalidInput):
        TicketSigner(b"j" * 16).read(token)
    body, mac = token.split(".")
    for broken in ("", ".", "abc", body + mac, "e30." + mac, f"{body}.é{mac[1:]}", "ü.ü"):
        with pytest.raises(InvalidInput):
            TicketSigner(b"k" * 16).read(broken)
    with pytest.raises(ValueError, match="16 bytes"):
        TicketSigner(b"short")


def test_migrations_match_the_models(make_settings: Callable[..., Settings]) -> None:
    url = make_settings().database_url("community")
    upgrade("community", url)
    engine = sa.create_engine(url.replace("+aiosqlite", ""))
    metadata = service_metadata("community")
    assert set(metadata.tables) >= AD_TABLES
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            if any(table in repr(d) for table in AD_TABLES)
        ]
    engine.dispose()
    assert differences == []
