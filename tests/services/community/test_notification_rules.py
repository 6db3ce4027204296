"""The notification rules without a database: quiet hours across midnight and daylight
saving, templates and their fallback language, unsubscribe tokens, channel defaults, and
who may send."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import string
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
        _refused(key, forged)
    _refused(b"j" * 32, token)


def _refused(key: bytes, token: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        verify(key, token)
    assert refused.value.detail == "This unsubscribe link is not valid."


def _unpadded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _documented_token(key: bytes, payload: str) -> str:
    """``<payload>.<signature>`` as the module's docstring writes it, built without it."""
    data = payload.encode()
    return f"{_unpadded(data)}.{_unpadded(hmac.new(key, data, hashlib.sha256).digest())}"


def test_unsubscribe_tokens_keep_their_documented_form_so_mailed_links_keep_working() -> None:
    key, user = b"k" * 32, uuid.UUID(int=7)
    for kind in KINDS:
        for channel in Channel:
            what = Unsubscription(user, kind, channel)
            token = _documented_token(key, f"v1|{user}|{kind}|{channel.value}")
            assert sign(key, what) == token
            assert verify(key, token) == what


def test_only_the_very_token_signed_unsubscribes() -> None:
    key, user = b"k" * 32, uuid.UUID(int=5)
    payload, mac = sign(key, Unsubscription(user, "order.paid", Channel.EMAIL)).split(".")
    # both parts end in a character with unused low bits: the next one decodes the same
    assert len(payload) % 4 == len(mac) % 4 == 3
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"

    def unused_bit_set(part: str) -> str:
        return part[:-1] + alphabet[alphabet.index(part[-1]) ^ 1]

    for forged in (
        f"{payload}=.{mac}",  # padded
        f"{payload}.{mac}=",
        f"{unused_bit_set(payload)}.{mac}",
        f"{payload}.{unused_bit_set(mac)}",
        f"{payload[:8]} {payload[8:]}.{mac}",  # a stray character
    ):
        _refused(key, forged)
    # signed with the key, but not a kind this service sends, or not version 1
    _refused(key, sign(key, Unsubscription(user, "no.such.kind", Channel.EMAIL)))
    _refused(key, _documented_token(key, f"v2|{user}|order.paid|email"))
    assert verify(key, _documented_token(key, f"v1|{user}|order.paid|email")).user_id == user


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
