"""The notification rules without a database: quiet hours across midnight and daylight
saving, templates and their fallback language, unsubscribe tokens, channel defaults, and
who may send."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from reptidex.domain.errors import InvalidInput, PermissionDenied
from reptidex.domain.notifications.model import Channel, DeliveryPolicy
from reptidex.domain.notifications.preferences import enabled
from reptidex.domain.notifications.quiet_hours import check_time_zone, quiet_until
from reptidex.domain.notifications.sending import NotificationSender
from reptidex.domain.notifications.templates import KINDS, LANGUAGES, TEMPLATES, render
from reptidex.domain.notifications.unsubscribe import Unsubscription, sign, verify

UTC = dt.UTC
NIGHT = (dt.time(22), dt.time(7))


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (dt.datetime(2026, 1, 10, 20, 59, tzinfo=UTC), None),  # 21:59 in Berlin (winter)
        (dt.datetime(2026, 1, 10, 21, 0, tzinfo=UTC), dt.datetime(2026, 1, 11, 6, 0, tzinfo=UTC)),
        (dt.datetime(2026, 1, 11, 3, 0, tzinfo=UTC), dt.datetime(2026, 1, 11, 6, 0, tzinfo=UTC)),
        (dt.datetime(2026, 1, 11, 6, 0, tzinfo=UTC), None),  # 07:00: the quiet has ended
        # The night the clocks spring forward (29 March 2026, 02:00 -> 03:00): 07:00 is UTC+2.
        (dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), dt.datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        # The night they fall back (25 October 2026): 07:00 is UTC+1 again.
        (dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC), dt.datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
    ],
)
def test_quiet_hours_across_midnight_in_the_users_time_zone(
    now: dt.datetime, until: dt.datetime | None
) -> None:
    assert quiet_until(now, "Europe/Berlin", *NIGHT) == until


def test_quiet_hours_within_a_day_and_none() -> None:
    noon = dt.datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
    assert quiet_until(noon, "UTC", dt.time(11), dt.time(13)) == noon.replace(hour=13)
    assert quiet_until(noon, "UTC", dt.time(13), dt.time(14)) is None
    assert quiet_until(noon, "UTC", None, None) is None
    assert quiet_until(noon, "UTC", dt.time(12), dt.time(12)) is None


def test_an_end_in_the_spring_forward_gap_is_read_on_the_clock_before_it() -> None:
    # Quiet 01:00-02:30 the night 02:00-03:00 does not exist: 02:30 CET is 03:30 CEST, and
    # the quiet never ends before it began.
    now = dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    ends = quiet_until(now, "Europe/Berlin", dt.time(1), dt.time(2, 30))
    assert ends == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_unknown_time_zones_are_refused() -> None:
    assert str(check_time_zone("America/New_York")) == "America/New_York"
    for name in ("Mars/Olympus", "../../etc/passwd", ""):
        with pytest.raises(InvalidInput):
            check_time_zone(name)


def test_every_kind_is_written_in_every_language_with_the_same_parameters() -> None:
    for kind in KINDS:
        assert set(TEMPLATES[kind]) == set(LANGUAGES), kind


def test_templates_fall_back_to_english_and_never_read_parameters_as_templates() -> None:
    german = render("order.paid", "de", {"order_id": "A1", "price": "€120"})
    assert (german.title, german.language) == ("Bestellung bezahlt", "de")
    french = render("order.paid", "fr", {"order_id": "A1", "price": "€120"})
    assert (french.title, french.language) == ("Order paid", "en")
    hostile = render("announcement", "en", {"title": "{body.__class__}", "body": "{0}"})
    assert (hostile.title, hostile.body) == ("{body.__class__}", "{0}")
    with pytest.raises(InvalidInput, match="price"):
        render("order.paid", "en", {"order_id": "A1"})
    with pytest.raises(InvalidInput):
        render("no.such.kind", "en", {})


def test_unsubscribe_tokens_verify_only_as_signed() -> None:
    key = b"k" * 32
    what = Unsubscription(uuid.uuid4(), "order.paid", Channel.EMAIL)
    token = sign(key, what)
    assert verify(key, token) == what
    payload, mac = token.split(".")
    other = sign(key, Unsubscription(what.user_id, "thread.reply", Channel.EMAIL))
    for forged in (
        f"{other.split('.')[0]}.{mac}",  # another kind under this signature
        f"{payload}.{mac[:-2]}",
        token + "x",
        "",
        "a.b.c",
        "x" * 500,
    ):
        with pytest.raises(InvalidInput):
            verify(key, forged)
    with pytest.raises(InvalidInput):
        verify(b"j" * 32, token)


def test_channel_defaults_and_choices() -> None:
    assert enabled({}, "thread.reply", Channel.IN_APP)
    assert not enabled({}, "thread.reply", Channel.PUSH)
    assert enabled({("thread.reply", Channel.PUSH): True}, "thread.reply", Channel.PUSH)


def test_who_may_send() -> None:
    me, you = uuid.uuid4(), uuid.uuid4()
    NotificationSender(None, service="commerce").check_may_send([me, you])
    NotificationSender(me, platform_admin=True).check_may_send([you])
    NotificationSender(me).check_may_send([me])
    with pytest.raises(PermissionDenied):
        NotificationSender(me).check_may_send([me, you])
    with pytest.raises(PermissionDenied):
        NotificationSender(None).check_may_send([you])


def test_backoff_doubles_up_to_the_longest() -> None:
    policy = DeliveryPolicy(first=30, longest=3600, attempts=8)
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 8)] == [30, 60, 120, 3600]
