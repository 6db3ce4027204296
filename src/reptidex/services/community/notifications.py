"""``/notifications``: sending notifications, a user's in-app notifications (paged, unread
counts, marking read, the delivery log, a live stream over Server-Sent Events), their
settings and channel choices, and one-click email unsubscribes."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from reptidex.domain.errors import InvalidInput, RateLimited
from reptidex.domain.notifications.inbox import (
    delivery_log,
    mark_all_read,
    mark_read,
    read_page,
)
from reptidex.domain.notifications.model import Channel, Notification
from reptidex.domain.notifications.preferences import enabled
from reptidex.domain.notifications.sending import Request, send
from reptidex.domain.notifications.settings import (
    Choice,
    SettingsChange,
    choose,
    settings_of,
    update_settings,
)
from reptidex.domain.notifications.templates import KINDS, LANGUAGES, parameters_of
from reptidex.domain.notifications.unsubscribe import MAX_TOKEN_LENGTH, unsubscribe
from reptidex.services.community.notification_access import (
    NotificationDesk,
    NotificationsDependency,
    sender_of,
)
from reptidex.services.community.notification_schemas import (
    ChoiceView,
    DeliveryLogView,
    KindsView,
    MarkedRead,
    NotificationPage,
    NotificationView,
    PreferencesRequest,
    PreferencesView,
    SendRequest,
    SendResult,
    SentItem,
    SettingsRequest,
    SettingsView,
    UnreadCount,
    Unsubscribed,
    log_view,
    notification_view,
    settings_view,
)
from reptidex.services.kernel.auth import BEARER, CurrentPrincipal, requires_auth, requires_user
from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, Problem

MAX_PAGE = 100
MAX_STREAMS = 5
"""Live streams one user may hold open on one process (tabs, devices)."""
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE, description=f"Items per page (1-{MAX_PAGE}).")
]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip.")]
Token = Annotated[
    str,
    QueryParameter(
        min_length=1, max_length=MAX_TOKEN_LENGTH, description="The token of the mailed link."
    ),
]


def _problem(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_MEDIA_TYPE
    )


_USER = {401: _problem("No valid access token."), 403: _problem("Not a user's token.")}
_ONE = {**_USER, 404: _problem("No such notification of the caller's.")}


def _time(text: str | None) -> dt.time | None:
    return None if text is None else dt.time.fromisoformat(text)


def _stream_message(notification: Notification | None) -> ServerSentEventMessage:
    if notification is None:
        return ServerSentEventMessage(data=None, comment="heartbeat")
    return ServerSentEventMessage(
        data=msgspec.json.encode(notification_view(notification)).decode(),
        event="notification",
        id=str(notification.id),
    )


async def _preferences(notifications: NotificationDesk, user_id: uuid.UUID) -> PreferencesView:
    async with notifications.unit_of_work(user_id) as uow:
        stored = await uow.preferences.of(user_id)
    return PreferencesView(
        [
            ChoiceView(kind, channel.value, enabled(stored, kind, channel))
            for kind in KINDS
            for channel in Channel
        ]
    )


class NotificationController(Controller):
    """Notifications: sending, and the caller's own."""

    path = "/notifications"
    tags = ("notifications",)

    @post(
        "/send",
        status_code=201,
        security=BEARER,
        guards=[requires_auth],
        summary="Send a notification to users",
        description="Services (their token) and platform administrators notify any users; a "
        "user notifies only themselves (to try their channels). Each user gets the kind's "
        "message in their language, stored in-app and queued on each channel they take "
        "(email, SMS, push; held through their quiet hours). One notification per user and "
        "`event_id`: sending the same event again gives the first back (`created: false`).",
        responses={
            401: _problem("No valid access token."),
            403: _problem("A user notifying someone else."),
            422: _problem("An unknown kind or a missing parameter."),
        },
    )
    async def send_notification(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        data: JSONBody[SendRequest],
    ) -> SendResult:
        """Send."""
        event_id = data.event_id or uuid.uuid4()
        request = Request(data.kind, data.parameters, event_id, data.link)
        async with notifications.unit_of_work(None) as uow:
            results = await send(
                uow,
                sender_of(principal),
                data.user_ids,
                request,
                notifications.channels,
                notifications.clock(),
            )
        return SendResult(
            event_id,
            [SentItem(n.user_id, n.id, created) for n, created in results],
        )

    @get(
        "/kinds",
        summary="The kinds of notification",
        description="Each kind's template parameters, and the languages messages are written in.",
    )
    async def kinds(self) -> KindsView:
        """The kinds."""
        return KindsView({kind: sorted(parameters_of(kind)) for kind in KINDS}, list(LANGUAGES))

    @get(
        "/",
        security=BEARER,
        guards=[requires_user],
        summary="The caller's notifications",
        description="Newest first, with the total and the unread count.",
        responses=_USER,
    )
    async def list_notifications(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        unread: Annotated[bool, QueryParameter(description="Only unread ones.")] = False,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> NotificationPage:
        """A page."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            found, total, unread_count = await read_page(uow, user_id, unread, limit, offset)
        return NotificationPage(
            [notification_view(n) for n in found], total, unread_count, limit, offset
        )

    @get(
        "/unread-count",
        security=BEARER,
        guards=[requires_user],
        summary="How many of the caller's notifications are unread",
        responses=_USER,
    )
    async def unread_count(
        self, principal: CurrentPrincipal, notifications: NotificationsDependency
    ) -> UnreadCount:
        """The count."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            return UnreadCount(await uow.notifications.unread_count(user_id))

    @post(
        "/read-all",
        status_code=200,
        security=BEARER,
        guards=[requires_user],
        summary="Mark all the caller's notifications read",
        description="Up to 1000 a call; `marked` says how many.",
        responses=_USER,
    )
    async def read_all(
        self, principal: CurrentPrincipal, notifications: NotificationsDependency
    ) -> MarkedRead:
        """Mark all read."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            return MarkedRead(await mark_all_read(uow, user_id, notifications.clock()))

    @post(
        "/{notification_id:uuid}/read",
        status_code=200,
        security=BEARER,
        guards=[requires_user],
        summary="Mark a notification read",
        responses=_ONE,
    )
    async def read_one(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        notification_id: FromPath[uuid.UUID],
    ) -> NotificationView:
        """Mark read."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            found = await mark_read(uow, user_id, notification_id, notifications.clock())
        return notification_view(found)

    @get(
        "/{notification_id:uuid}/log",
        security=BEARER,
        guards=[requires_user],
        summary="A notification's delivery log",
        description="Oldest first: stored (`sent` in-app), `queued` on a channel (and until "
        "when quiet hours hold it), `sent` or `failed` on it (each failed attempt, with its "
        "error and next attempt, and the last), `read`.",
        responses=_ONE,
    )
    async def log(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        notification_id: FromPath[uuid.UUID],
    ) -> DeliveryLogView:
        """The log."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            entries = await delivery_log(uow, user_id, notification_id)
        return DeliveryLogView(notification_id, [log_view(e) for e in entries])

    @get(
        "/stream",
        security=BEARER,
        guards=[requires_user],
        summary="The caller's notifications, live (Server-Sent Events)",
        description="`text/event-stream`: each new notification as an event `notification` "
        "(its id the notification's, its data the notification as JSON), a comment now and "
        "then as a heartbeat. With `Last-Event-ID` the stream starts after that notification "
        "(nothing missed across a reconnect); without, from now. The server ends a stream "
        "after ten minutes; clients reconnect. At most five streams of one user at once.",
        responses={**_USER, 429: _problem("Five streams of the caller are open already.")},
    )
    async def stream(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        last_event_id: Annotated[
            str | None, HeaderParameter(name="Last-Event-ID", required=False, max_length=64)
        ] = None,
    ) -> ServerSentEvent:
        """Stream."""
        user_id = principal.require_user()
        try:
            after = None if not last_event_id else uuid.UUID(last_event_id)
        except ValueError as exc:
            raise InvalidInput("Last-Event-ID is not a notification id.") from exc
        if notifications.feed.streams_of(user_id) >= MAX_STREAMS:
            raise RateLimited(
                f"At most {MAX_STREAMS} live streams at once; close one.", retry_after=10
            )

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            opened = False
            async for notification in notifications.feed.follow(user_id, after):
                if not opened:  # the first item says the stream is open
                    opened = True
                    yield ServerSentEventMessage(data=None, comment="connected")
                    continue
                yield _stream_message(notification)

        return ServerSentEvent(messages(), headers={"Cache-Control": "no-store"})

    @get(
        "/settings",
        security=BEARER,
        guards=[requires_user],
        summary="The caller's notification settings",
        responses=_USER,
    )
    async def read_settings(
        self, principal: CurrentPrincipal, notifications: NotificationsDependency
    ) -> SettingsView:
        """The settings."""
        user_id = principal.require_user()
        async with notifications.unit_of_work(user_id) as uow:
            return settings_view(await settings_of(uow, user_id))

    @put(
        "/settings",
        security=BEARER,
        guards=[requires_user],
        summary="Change the caller's notification settings",
        description="Language, time zone, phone (for SMS) and quiet hours. The email is the "
        "one repti-core verified.",
        responses={
            **_USER,
            422: _problem(
                "An unknown time zone, a malformed phone number, or quiet hours with one end only."
            ),
        },
    )
    async def write_settings(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        data: JSONBody[SettingsRequest],
    ) -> SettingsView:
        """Change the settings."""
        user_id = principal.require_user()
        change = SettingsChange(
            data.phone,
            data.language,
            data.time_zone,
            _time(data.quiet_start),
            _time(data.quiet_end),
        )
        async with notifications.unit_of_work(user_id) as uow:
            return settings_view(await update_settings(uow, user_id, change))

    @get(
        "/preferences",
        security=BEARER,
        guards=[requires_user],
        summary="Which kinds reach the caller on which channels",
        description="Every kind on every channel as it applies now: the caller's choice, else "
        "the default (in-app and email on, SMS and push off).",
        responses=_USER,
    )
    async def read_preferences(
        self, principal: CurrentPrincipal, notifications: NotificationsDependency
    ) -> PreferencesView:
        """The choices."""
        return await _preferences(notifications, principal.require_user())

    @put(
        "/preferences",
        security=BEARER,
        guards=[requires_user],
        summary="Turn kinds on or off on channels",
        responses={**_USER, 422: _problem("An unknown kind.")},
    )
    async def write_preferences(
        self,
        principal: CurrentPrincipal,
        notifications: NotificationsDependency,
        data: JSONBody[PreferencesRequest],
    ) -> PreferencesView:
        """Store choices."""
        user_id = principal.require_user()
        choices = [Choice(c.kind, Channel(c.channel), c.enabled) for c in data.choices]
        async with notifications.unit_of_work(user_id) as uow:
            await choose(uow, user_id, choices, user_id)
        return await _preferences(notifications, user_id)

    @get(
        "/unsubscribe",
        summary="The page of a mailed unsubscribe link",
        description="An HTML page with one button that unsubscribes (a `GET` changes nothing: "
        "mail scanners open links).",
        media_type="text/html",
    )
    async def unsubscribe_page(self, token: Token) -> Response[str]:
        """The confirmation page."""
        action = f"/notifications/unsubscribe?token={html.escape(token, quote=True)}"
        page = (
            "<!doctype html><meta charset=utf-8><title>Unsubscribe</title>"
            f'<form method="post" action="{action}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            "<p>Stop these emails?</p><button>Unsubscribe</button></form>"
        )
        return Response(page, media_type="text/html")

    @post(
        "/unsubscribe",
        status_code=200,
        summary="Unsubscribe in one click (RFC 8058)",
        description="What a mail client posts (`List-Unsubscribe=One-Click`) to the "
        "`List-Unsubscribe` URL of a notification email: turns that kind off on email for "
        "its recipient. No login: the signed token is the proof.",
        responses={422: _problem("A token this service did not sign.")},
    )
    async def unsubscribe_now(
        self, notifications: NotificationsDependency, token: Token
    ) -> Unsubscribed:
        """Unsubscribe."""
        async with notifications.unit_of_work(None) as uow:
            what = await unsubscribe(uow, notifications.unsubscribe_key, token)
        return Unsubscribed(what.kind, what.channel.value)
