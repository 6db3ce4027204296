"""The audit trail's producer side, shared by every service: an :class:`AuditRecord` of each
data change (who, what, when, and the changed fields before and after, secrets withheld),
staged in the change's own outbox as an ``audit.recorded`` event (see :func:`record_change`).
repti-ops consumes those events and keeps the tamper-evident trail (``docs/ops.md``).
"""

from reptidex.domain.audit.chain import (
    GENESIS,
    Break,
    ChainedRecord,
    ChainPoint,
    chain_hash,
    verify_chain,
)
from reptidex.domain.audit.changes import WITHHELD_FIELDS, Change, diff, is_withheld, snapshot
from reptidex.domain.audit.correlation import current_request_id
from reptidex.domain.audit.record import (
    ACCESSED,
    AUDIT_EVENT,
    AuditRecord,
    audit_event,
    record_of,
)
from reptidex.domain.audit.trail import record_access, record_change

__all__ = [
    "ACCESSED",
    "AUDIT_EVENT",
    "GENESIS",
    "WITHHELD_FIELDS",
    "AuditRecord",
    "Break",
    "ChainPoint",
    "ChainedRecord",
    "Change",
    "audit_event",
    "chain_hash",
    "current_request_id",
    "diff",
    "is_withheld",
    "record_access",
    "record_change",
    "record_of",
    "snapshot",
    "verify_chain",
]
