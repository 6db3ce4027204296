"""A user's notification settings: their phone, language, time zone and quiet hours, their
channel choices per kind, an email unsubscribe, and the verified email repti-core reports."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections.abc import Sequence

from reptidex.domain.audit import record_change, snapshot
from reptidex.domain.errors import InvalidInput
from reptidex.domain.events import new_event
from reptidex.domain.notifications.events import PRODUCER, PreferencesChanged
from reptidex.domain.notifications.model import Channel, Recipient
from reptidex.domain.notifications.ports import NotificationUnitOfWork
from reptidex.domain.notifications.quiet_hours import check_time_zone
from reptidex.domain.notifications.templates import KINDS

PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
"""An E.164 number: ``+`` and up to fifteen digits."""


@dataclasses.dataclass(frozen=True, slots=True)
class SettingsChange:
    """What a user sets (``None`` for quiet hours means none)."""

    phone: str | None
    language: str
    time_zone: str
    quiet_start: dt.time | None
    quiet_end: dt.time | None


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    """One kind on one channel, on or off."""

    kind: str
    channel: Channel
    enabled: bool


def _announce(uow: NotificationUnitOfWork, user_id: uuid.UUID, changed: list[str]) -> None:
    uow.outbox.add(
        new_event(
            "notification.preferences_changed",
            producer=PRODUCER,
            payload=PreferencesChanged(user_id=user_id, changed=changed),
            actor_id=user_id,
        )
    )


def _check(change: SettingsChange) -> None:
    if change.phone is not None and not PHONE.match(change.phone):
        raise InvalidInput(
            "The phone number is not in E.164 form.", field_errors={"phone": "like +4915112345678"}
        )
    check_time_zone(change.time_zone)
    if (change.quiet_start is None) != (change.quiet_end is None):
        raise InvalidInput(
            "Quiet hours need a start and an end.",
            field_errors={"quiet_end": "set both or neither"},
        )


async def update_settings(
    uow: NotificationUnitOfWork, user_id: uuid.UUID, change: SettingsChange
) -> Recipient:
    """Store the user's settings (their email stays what repti-core verified); commit."""
    _check(change)
    before = await uow.recipients.get(user_id)
    recipient = dataclasses.replace(
        before or Recipient(user_id),
        phone=change.phone,
        language=change.language,
        time_zone=change.time_zone,
        quiet_start=change.quiet_start,
        quiet_end=change.quiet_end,
    )
    await uow.recipients.save(recipient)
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="notification_settings",
        resource_id=user_id,
        action="updated" if before else "created",
        actor_id=user_id,
        organisation_id=None,
        before=None if before is None else snapshot(before, drop={"user_id"}),
        after=snapshot(recipient, drop={"user_id"}),
    )
    _announce(uow, user_id, ["settings"])
    await uow.commit()
    return recipient


async def settings_of(uow: NotificationUnitOfWork, user_id: uuid.UUID) -> Recipient:
    """The user's settings (the defaults when they set none)."""
    return await uow.recipients.get(user_id) or Recipient(user_id)


async def choose(
    uow: NotificationUnitOfWork,
    user_id: uuid.UUID,
    choices: Sequence[Choice],
    actor_id: uuid.UUID | None,
) -> None:
    """Store channel choices (kinds checked against the known ones); commit."""
    unknown = sorted({c.kind for c in choices} - set(KINDS))
    if unknown:
        raise InvalidInput(
            f"Unknown notification kinds: {', '.join(unknown)}.",
            field_errors={"kind": ", ".join(KINDS)},
        )
    before = await uow.preferences.of(user_id)
    for choice in choices:
        await uow.preferences.set(user_id, choice.kind, choice.channel, choice.enabled)
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="notification_preferences",
        resource_id=user_id,
        action="updated",
        actor_id=actor_id,
        organisation_id=None,
        before={f"{k}/{c}": v for (k, c), v in before.items()},
        after={
            **{f"{k}/{c}": v for (k, c), v in before.items()},
            **{f"{c.kind}/{c.channel}": c.enabled for c in choices},
        },
    )
    _announce(uow, user_id, [f"{c.kind}/{c.channel}" for c in choices])
    await uow.commit()


async def remember_email(
    uow: NotificationUnitOfWork, user_id: uuid.UUID, email: str, actor_id: uuid.UUID | None
) -> None:
    """Keep the user's verified email (from repti-core's ``user.email_verified``). Does not
    commit (the event consumer's transaction does)."""
    before = await uow.recipients.get(user_id)
    if before is not None and before.email == email:
        return
    recipient = dataclasses.replace(before or Recipient(user_id), email=email)
    await uow.recipients.save(recipient)
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="notification_settings",
        resource_id=user_id,
        action="updated" if before else "created",
        actor_id=actor_id,
        organisation_id=None,
        before=None if before is None else {"email": before.email},
        after={"email": email},
    )
