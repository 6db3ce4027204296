"""Which channels a kind of notification reaches a user on: their stored choices, else the
defaults (in-app and email on, SMS and push off until the user turns them on)."""

from __future__ import annotations

from collections.abc import Mapping

from reptidex.domain.notifications.model import Channel

DEFAULT_ON: frozenset[Channel] = frozenset({Channel.IN_APP, Channel.EMAIL})
"""The channels every kind uses unless the user says otherwise."""


def enabled(choices: Mapping[tuple[str, Channel], bool], kind: str, channel: Channel) -> bool:
    """Whether ``kind`` goes out on ``channel`` for a user with ``choices``.

    >>> enabled({}, "order.paid", Channel.EMAIL), enabled({}, "order.paid", Channel.SMS)
    (True, False)
    >>> enabled({("order.paid", Channel.EMAIL): False}, "order.paid", Channel.EMAIL)
    False
    """
    return choices.get((kind, channel), channel in DEFAULT_ON)
