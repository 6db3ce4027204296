"""The personal-data inventory and what the compliance report counts as personal data: which
records, and which are about one user."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from reptidex.adapters.sql.commerce.personal_data import _NAMING_USERS
from reptidex.domain.audit import AuditRecord
from reptidex.domain.audit.compliance import PERSONAL_KINDS, concerns, is_personal_data
from reptidex.domain.audit.pseudonyms import PERSONAL_FIELDS
from reptidex.domain.privacy.inventory import CONTACT_FIELDS, PERSONAL_DATA
from reptidex.services.kernel.catalog import SERVICES

USER = uuid.UUID(int=42)


def record(
    service: str,
    kind: str,
    resource_id: str,
    *,
    action: str = "updated",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditRecord:
    return AuditRecord(
        id=uuid.uuid4(),
        occurred_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        service=service,
        resource_kind=kind,
        resource_id=resource_id,
        action=action,
        before=before or {},
        after=after or {},
    )


def test_the_inventory_names_each_kind_once_in_a_real_service() -> None:
    assert len(PERSONAL_KINDS) == len(set(PERSONAL_KINDS))
    assert {kind.service for kind in PERSONAL_DATA} <= {spec.name for spec in SERVICES}
    assert {"email", "display_name", "phone"} <= CONTACT_FIELDS
    assert PERSONAL_FIELDS == CONTACT_FIELDS  # erasure replaces what the inventory names


def test_which_records_are_personal_data() -> None:
    account = record("core", "user", str(USER), after={"suspended_at": "2026-03-01"})
    assert is_personal_data(account)  # anything about an account
    created = record("commerce", "listing", "l1", after={"created_by": str(USER), "title": "x"})
    assert is_personal_data(created)
    repriced = record("commerce", "listing", "l1", before={"price": 1}, after={"price": 2})
    assert not is_personal_data(repriced)  # a listing's terms are not a person's data
    invited = record("core", "invitation", "i1", after={"email": "ann@example.org"})
    assert is_personal_data(invited)
    assert not is_personal_data(record("animal", "animal", "a1", after={"morph": "Pastel"}))
    read = record("ops", "user", str(USER), action="accessed", after={"read": ["core"]})
    assert is_personal_data(read)  # every access is a read of personal data
    assert not is_personal_data(record("core", "organisation", "o1", after={"name": "Sunny"}))


def test_which_records_are_about_one_user() -> None:
    other = str(uuid.UUID(int=7))
    assert concerns(record("core", "user", str(USER)), USER)
    assert not concerns(record("core", "user", other), USER)
    saved = record("community", "saved_listing", f"{USER}:{uuid.uuid4()}", action="created")
    assert concerns(saved, USER)  # keyed by the user's id
    order = record("commerce", "order", "o1", after={"buyer_user_id": str(USER)})
    assert concerns(order, USER)
    assert not concerns(record("commerce", "order", "o1", after={"buyer_user_id": other}), USER)
    member = record("core", "membership", "m1", before={"user_id": str(USER), "role": "owner"})
    assert concerns(member, USER)  # a removal names them on the side before
    assert not concerns(record("animal", "animal", "a1", after={"owner": str(USER)}), USER)


def test_commerce_names_users_by_the_fields_the_inventory_names() -> None:
    columns = {part: column.key for part, column in _NAMING_USERS}
    for kind in PERSONAL_DATA:
        if kind.service == "commerce":
            assert columns[kind.export] == kind.names, kind.resource_kind
