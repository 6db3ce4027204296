"""The advertising rules without a database: campaign terms, pacing, targeting, tokens, and
the tables the migration makes matching the models."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable

import msgspec
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from reptidex.adapters.sql.bases import service_metadata
from reptidex.adapters.sql.migrations import upgrade
from reptidex.domain.ads.campaigns import MAX_DAYS, CampaignTerms, Targeting, check_terms
from reptidex.domain.ads.pacing import allowed_by
from reptidex.domain.ads.tokens import MAX_TOKEN, AdTicket, TicketSigner
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


def test_pacing_counts_every_second_of_the_day_in_whole_millis() -> None:
    at = dt.datetime(2026, 12, 6, 12, 34, 56, tzinfo=dt.UTC)  # 45,296 s into the day
    assert allowed_by(86_400_000, 1, at) == 45_296_000 + 4_320_000
    # rounded down to integers: 1010 // 20 + 1010 * 1 // 86400
    allowed = allowed_by(1_010, 1, dt.datetime(2026, 12, 6, 0, 0, 1, tzinfo=dt.UTC))
    assert (allowed, type(allowed)) == (50, int)


def test_pacing_follows_the_utc_day_whatever_the_servers_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "XST-14")  # POSIX for UTC+14: local 02:00 the next day
    time.tzset()
    try:
        noon = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)
        assert allowed_by(1_000_000, 250, noon) == 550_000
    finally:
        monkeypatch.undo()
        time.tzset()


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
        _refused(TicketSigner(b"k" * 16), broken)
    with pytest.raises(ValueError, match=r"^an ad token key has at least 16 bytes$"):
        TicketSigner(b"short")


KEY = b"k" * 16


def _refused(signer: TicketSigner, token: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        signer.read(token)
    assert refused.value.detail == "The ad token is not valid."
    assert refused.value.field_errors == {"token": "invalid"}


def _unpadded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _mac(text: str) -> str:
    return _unpadded(hmac.new(KEY, text.encode(), hashlib.sha256).digest())


def _ticket(target: str = "t", kind: str = "impression") -> AdTicket:
    return AdTicket(kind, "c", "o", 0, target, 10)  # type: ignore[arg-type]


def test_tokens_have_the_documented_form_at_every_length() -> None:
    # the compact JSON in unpadded base64url, a dot, the HMAC-SHA256 of that text; targets of
    # 0 to 19 characters give bodies of every length modulo 3, 4 and 5
    signer = TicketSigner(KEY)
    for size in range(20):
        ticket = _ticket("t" * size)
        body = _unpadded(msgspec.json.encode(ticket))
        assert signer.sign(ticket) == f"{body}.{_mac(body)}"
        assert signer.read(f"{body}.{_mac(body)}") == ticket


def test_a_signature_holds_for_its_own_body_only() -> None:
    signer = TicketSigner(KEY)
    impression = signer.sign(_ticket(kind="impression"))
    click = signer.sign(_ticket(kind="click"))
    _refused(signer, f"{click.partition('.')[0]}.{impression.partition('.')[2]}")


def test_a_token_is_cut_at_its_first_dot() -> None:
    # a body is base64url, which has no dot: a text with one is no body, even under a MAC
    # made with the key (the decoder would skip the dot)
    signer = TicketSigner(KEY)
    body = next(
        b for n in range(4) if len(b := signer.sign(_ticket("t" * n)).split(".")[0]) % 4 == 0
    )
    dotted = f"{body[:8]}.{body[8:]}"
    _refused(signer, f"{dotted}.{_mac(dotted)}")


def test_the_longest_token_is_read_and_a_longer_one_refused() -> None:
    signer = TicketSigner(KEY)
    tokens = {len(t): t for t in (signer.sign(_ticket("t" * n)) for n in range(300, 340))}
    assert signer.read(tokens[MAX_TOKEN]).target.startswith("t")
    _refused(signer, tokens[min(n for n in tokens if n > MAX_TOKEN)])


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
