"""Which records are personal data: the one inventory of the kinds of resource that hold a
user's personal data, by service, each with the part of the service's GDPR export
(:class:`~reptidex.domain.privacy.ports.PersonalDataHolder`) that holds it.

The GDPR exports say what each service holds about a user; this inventory says the same in the
audit trail's terms (service, resource kind, the fields that name the person), so that the
compliance report (:mod:`reptidex.domain.audit.compliance`) and the erasure's pseudonyms
(:mod:`reptidex.domain.audit.pseudonyms`) read personal data the way the exports do. A test
holds the two together: every part named here is one its service's export holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PersonalDataKind:
    """A kind of resource that holds a user's personal data.

    ``export`` is the part of the service's GDPR export that holds it. ``whole``: every record
    of the resource is about one person (an account, a membership); otherwise only records
    that carry ``names`` (the field naming the person: a listing's creator) or a ``contact``
    field are. ``names`` is ``None`` when the resource's id is the person's user id.
    """

    service: str
    resource_kind: str
    export: str
    whole: bool
    names: str | None = None
    contact: frozenset[str] = frozenset()


def _kind(
    service: str,
    resource_kind: str,
    export: str,
    *,
    whole: bool,
    names: str | None = None,
    contact: tuple[str, ...] = (),
) -> PersonalDataKind:
    return PersonalDataKind(service, resource_kind, export, whole, names, frozenset(contact))


PERSONAL_DATA: tuple[PersonalDataKind, ...] = (
    _kind("core", "user", "account", whole=True, contact=("email", "display_name")),
    _kind("core", "membership", "memberships", whole=True, names="user_id"),
    _kind("core", "invitation", "invitations", whole=True, names="invited_by", contact=("email",)),
    _kind("core", "organisation", "organisations_created", whole=False, names="created_by"),
    _kind("commerce", "listing", "listings", whole=False, names="created_by"),
    _kind("commerce", "order", "orders", whole=False, names="buyer_user_id"),
    _kind("commerce", "supply", "supplies", whole=False, names="created_by"),
    _kind(
        "commerce", "supply_reservation", "supply_reservations", whole=False, names="buyer_user_id"
    ),
    _kind("media", "file", "uploads", whole=False, names="uploaded_by"),
    _kind("community", "forum_member", "forums", whole=True, contact=("handle",)),
    _kind("community", "forum_thread", "forums", whole=False, names="author_id"),
    _kind("community", "forum_post", "forums", whole=False, names="author_id"),
    _kind("community", "forum_reaction", "forums", whole=True, names="user_id"),
    _kind("community", "forum_follow", "forums", whole=True, names="user_id"),
    _kind("community", "forum_report", "forums", whole=False, names="reporter_id"),
    _kind(
        "community",
        "notification_settings",
        "notifications",
        whole=True,
        contact=("email", "phone"),
    ),
    _kind("community", "notification_preferences", "notifications", whole=True),
    _kind("community", "notification", "notifications", whole=True, names="user_id"),
    _kind("community", "notification_delivery", "notifications", whole=True, names="user_id"),
    _kind("community", "push_subscription", "notifications", whole=True, names="user_id"),
    _kind("community", "saved_listing", "notifications", whole=True),
    _kind("community", "ad_campaign", "advertising", whole=False, names="created_by"),
)
"""Every kind of resource that holds personal data, as the audit trail names it."""

CONTACT_FIELDS: frozenset[str] = frozenset(name for kind in PERSONAL_DATA for name in kind.contact)
"""Fields whose values are a person's contact details (an address, a name, a phone)."""

_BY_KIND: dict[tuple[str, str], PersonalDataKind] = {
    (kind.service, kind.resource_kind): kind for kind in PERSONAL_DATA
}


def personal_kind(service: str, resource_kind: str) -> PersonalDataKind | None:
    """The inventory's entry for a resource kind of a service, or ``None``.

    >>> personal_kind("core", "user").export
    'account'
    >>> personal_kind("animal", "animal") is None
    True
    """
    return _BY_KIND.get((service, resource_kind))


def exported_parts(service: str) -> frozenset[str]:
    """The parts of ``service``'s GDPR export that the inventory names.

    >>> sorted(exported_parts("media"))
    ['uploads']
    """
    return frozenset(kind.export for kind in PERSONAL_DATA if kind.service == service)


def is_personal_change(
    kind: PersonalDataKind, before: Mapping[str, Any], after: Mapping[str, Any]
) -> bool:
    """Whether a change of a resource of ``kind`` (its changed fields) is personal data.

    >>> listing = personal_kind("commerce", "listing")
    >>> is_personal_change(listing, {}, {"title": "Pastel", "created_by": "u1"})
    True
    >>> is_personal_change(listing, {"price_amount": 1}, {"price_amount": 2})
    False
    """
    if kind.whole:
        return True
    fields = before.keys() | after.keys()
    return (kind.names is not None and kind.names in fields) or bool(fields & kind.contact)


def names_person(
    kind: PersonalDataKind,
    resource_id: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    user_id: str,
) -> bool:
    """Whether a record of a resource of ``kind`` is about the user ``user_id``: the resource is
    their account or is keyed by it (``<user id>:…``), or a recorded value of ``names`` is
    theirs.

    >>> names_person(personal_kind("commerce", "order"), "o1", {}, {"buyer_user_id": "u1"}, "u1")
    True
    >>> names_person(personal_kind("core", "user"), "u2", {}, {"email": "b@x.org"}, "u1")
    False
    """
    if resource_id == user_id or resource_id.startswith(f"{user_id}:"):
        return True
    if kind.names is None:
        return False
    return user_id in (str(before.get(kind.names)), str(after.get(kind.names)))
