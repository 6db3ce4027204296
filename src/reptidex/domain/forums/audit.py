"""The audit records of forum changes, staged beside their events in the same unit of work
(``docs/ops.md``). Forum rows belong to users, not organisations: records name no
organisation. A post's record keeps its Markdown source, not the HTML rendered from it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from reptidex.domain.audit import record_change, snapshot
from reptidex.domain.events import Outbox
from reptidex.domain.forums.events import PRODUCER
from reptidex.domain.forums.model import Post


def post_fields(post: Post) -> dict[str, Any]:
    """A post as its records show it."""
    fields = snapshot(post, drop={"id", "html", "hiding"})
    hiding = post.hiding
    fields["hidden_reason"] = None if hiding is None else hiding.reason
    return fields


def audit(
    outbox: Outbox,
    resource_kind: str,
    resource_id: uuid.UUID | str,
    action: str,
    *,
    actor_id: uuid.UUID,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Stage the audit record of one forum change in ``outbox``."""
    record_change(
        outbox,
        service=PRODUCER,
        resource_kind=resource_kind,
        resource_id=resource_id,
        action=action,
        actor_id=actor_id,
        organisation_id=None,
        before=before,
        after=after,
    )
