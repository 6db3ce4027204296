"""The listing's states, every move from every state against the documented machine, with the
exact refusals, and how a gene's name is compared in searches."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

import pytest

from reptidex.domain.commerce.listing_model import (
    AnimalSnapshot,
    Listing,
    ListingState,
    gene_key,
)
from reptidex.domain.commerce.money import Money
from reptidex.domain.errors import Conflict

AT = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(days=2)
S = ListingState

# The machine as the module's docstring documents it.
DOCUMENTED: dict[ListingState, set[ListingState]] = {
    S.DRAFT: {S.AVAILABLE, S.HIDDEN},
    S.AVAILABLE: {S.ON_HOLD, S.SOLD, S.HIDDEN, S.EXPIRED},
    S.ON_HOLD: {S.AVAILABLE, S.SOLD},
    S.HIDDEN: {S.AVAILABLE, S.DRAFT, S.EXPIRED},
    S.EXPIRED: {S.AVAILABLE, S.HIDDEN},
    S.SOLD: set(),
}


def _listing(state: ListingState, expires_at: dt.datetime | None = None) -> Listing:
    snapshot = AnimalSnapshot(uuid.uuid4(), "ball_python", "male", None, "Clown", "Clown")
    return Listing(
        uuid.uuid4(), uuid.uuid4(), snapshot, "Clown", "", Money.of(20000, "EUR"), state, "DE",
        expires_at=expires_at, updated_at=AT,
    )  # fmt: skip


@pytest.mark.parametrize("target", list(ListingState))
@pytest.mark.parametrize("start", list(ListingState))
def test_every_move_from_every_state(start: ListingState, target: ListingState) -> None:
    listing = _listing(start)
    if target in DOCUMENTED[start]:
        assert listing.moved_to(target, LATER) == replace(listing, status=target, updated_at=LATER)
    else:
        with pytest.raises(Conflict) as refused:
            listing.moved_to(target, LATER)
        assert refused.value.detail == (
            f"A listing that is {start.value} cannot become {target.value}."
        )


@pytest.mark.parametrize("state", list(ListingState))
def test_what_may_be_changed_seen_and_ordered_in_each_state(state: ListingState) -> None:
    listing = _listing(state)
    assert listing.is_public() is (state in {S.AVAILABLE, S.ON_HOLD, S.SOLD})
    assert listing.is_open(AT) is (state is S.AVAILABLE)
    if state in {S.DRAFT, S.AVAILABLE, S.HIDDEN, S.EXPIRED}:
        listing.require_editable()  # no conflict
        return
    with pytest.raises(Conflict) as refused:
        listing.require_editable()
    assert refused.value.detail == (
        f"A listing that is {state.value} cannot be changed; "
        "cancel its order first, or list the animal again."
    )


def test_an_available_listing_is_open_until_its_end() -> None:
    ends = _listing(S.AVAILABLE, expires_at=AT)
    assert ends.is_open(AT - dt.timedelta(microseconds=1))
    assert not ends.is_open(AT)
    assert not ends.is_open(LATER)
    assert _listing(S.AVAILABLE).is_open(LATER)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Yellow Belly", "yellowbelly"),
        ("yellow_belly", "yellowbelly"),
        ("YELLOW-BELLY", "yellowbelly"),
        ("Mojave", "mojave"),
        ("Het Red Axanthic 66%", "hetredaxanthic66"),
        ("", ""),
    ],
)
def test_a_gene_key_is_lower_case_letters_and_digits(name: str, key: str) -> None:
    assert gene_key(name) == key
