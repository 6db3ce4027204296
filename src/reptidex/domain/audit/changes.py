"""What an audit record may say about a change: the changed fields' values before and after,
never a secret.

A field is *withheld* when its name is on the declared deny-list :data:`WITHHELD_FIELDS` or
names a secret (:func:`~reptidex.domain.secret_names.is_secret_name`: passwords, hashes,
tokens, keys, digests) and is not a time or a count about one (``password_changed_at``): the
record says that it changed, never its value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from reptidex.domain.secret_names import is_secret_name

WITHHELD_FIELDS: frozenset[str] = frozenset(
    {
        "password",
        "password_hash",
        "new_password",
        "current_password",
        "token",
        "token_digest",
        "refresh_token",
        "access_token",
        "secret",
        "signing_key",
        "private_key",
        "api_key",
        "card_number",
        "cvc",
        "iban",
        "webhook_secret",
    }
)
"""Fields whose values no audit record ever holds, whatever their name looks like."""


_ABOUT_A_SECRET = ("_at", "_on", "_count", "_ttl")
"""Endings of names that say when or how often a secret changed, not what it is."""


def is_withheld(name: str, extra: Collection[str] = ()) -> bool:
    """Whether the value of the field ``name`` stays out of audit records.

    >>> [is_withheld(n) for n in ("password_hash", "stripe_customer_secret", "name", "iban")]
    [True, True, False, True]
    >>> is_withheld("password_changed_at")
    False
    """
    if name.lower() in WITHHELD_FIELDS or name in extra:
        return True
    return is_secret_name(name) and not name.endswith(_ABOUT_A_SECRET)


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """The fields of a change: values before and after (JSON-ready), and the withheld ones."""

    before: dict[str, Any]
    after: dict[str, Any]
    withheld: tuple[str, ...]


def snapshot(value: object, *, drop: Collection[str] = ()) -> dict[str, Any]:
    """The fields of a dataclass, msgspec Struct or mapping as JSON-ready values, without
    ``drop`` (derived or bulky fields a record need not repeat).

    >>> import datetime as dt, uuid
    >>> @dataclasses.dataclass
    ... class Pair:
    ...     id: uuid.UUID
    ...     season: str
    ...     laid: dt.date
    >>> snapshot(Pair(uuid.UUID(int=1), "2026", dt.date(2026, 3, 1)), drop={"id"})
    {'season': '2026', 'laid': '2026-03-01'}
    """
    fields: Mapping[str, Any]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif isinstance(value, msgspec.Struct):
        fields = {name: getattr(value, name) for name in value.__struct_fields__}
    elif isinstance(value, Mapping):
        fields = value
    else:
        raise TypeError(f"cannot take a snapshot of {type(value).__name__}")
    built: dict[str, Any] = msgspec.to_builtins(
        {k: v for k, v in fields.items() if k not in drop}, str_keys=True
    )
    return built


def diff(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    withhold: Collection[str] = (),
) -> Change:
    """The fields that differ between two snapshots (all of one side for a creation or a
    deletion), with withheld fields (:func:`is_withheld`, or named in ``withhold``) listed by
    name only.

    >>> change = diff({"name": "Ann", "password_hash": "$argon2id$x", "sex": "f"},
    ...               {"name": "Bo", "password_hash": "$argon2id$y", "sex": "f"})
    >>> change.before, change.after, change.withheld
    ({'name': 'Ann'}, {'name': 'Bo'}, ('password_hash',))
    >>> diff(None, {"code": "A1", "secret": "s"})
    Change(before={}, after={'code': 'A1'}, withheld=('secret',))
    """
    old = dict(before or {})
    new = dict(after or {})
    names = sorted(
        name
        for name in old.keys() | new.keys()
        if old.get(name) != new.get(name) or (name in old) != (name in new)
    )
    kept = [name for name in names if not is_withheld(name, withhold)]
    return Change(
        before={name: old[name] for name in kept if name in old},
        after={name: new[name] for name in kept if name in new},
        withheld=tuple(name for name in names if is_withheld(name, withhold)),
    )
