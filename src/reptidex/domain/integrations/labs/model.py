"""A genetics lab integration of an organisation, and what a results file's row says."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field
from fractions import Fraction

from reptidex.domain.integrations.model import SealedSecret

COLUMN_ROLES = ("animal", "test", "result", "report_id", "report_date", "sample")
"""What a column of a results file holds; ``animal`` and ``result`` are required."""
DEFAULT_COLUMNS: dict[str, str] = {role: role for role in COLUMN_ROLES}
"""The header of each role when a configuration names none."""


@dataclass(frozen=True, slots=True)
class LabIntegration:
    """How an organisation reads one lab's results files: the header of each column role
    (``animal`` holds an animal's id or code), and the lab's sealed API key if it has one."""

    id: uuid.UUID
    organisation_id: uuid.UUID
    lab: str
    columns: dict[str, str]
    api_key: SealedSecret | None = None
    created_at: dt.datetime | None = field(default=None, compare=False)
    updated_at: dt.datetime | None = field(default=None, compare=False)


def api_key_context(organisation_id: uuid.UUID, integration_id: uuid.UUID) -> dict[str, str]:
    """The encryption context of a lab integration's API key."""
    return {
        "purpose": "lab_api_key",
        "organisation_id": str(organisation_id),
        "integration_id": str(integration_id),
    }


class Finding(enum.StrEnum):
    """What a lab found for one gene."""

    HET = "het"
    NEGATIVE = "negative"
    VISUAL = "visual"


class Outcome(enum.StrEnum):
    """What became of a row: applied (a dry run: would be), unchanged (the record already
    says it), conflict (the record says otherwise: reported, not overwritten), bad (the row
    cannot be used), failed (repti-animal refused the change)."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    BAD = "bad"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of a results file as read: its line (the header is line 1) and cells."""

    line: int
    animal: str
    test: str
    result: str
    report_id: str
    report_date: dt.date | None
    sample: str
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class LabAnimal:
    """An animal as repti-animal shows it to the caller: what a lab result is checked against."""

    id: uuid.UUID
    code: str
    species: str
    sex: str
    morph: str
    traits: tuple[str, ...]
    hets: tuple[str, ...]
    possible_hets: dict[str, Fraction]
    certain_phenotype: bool = True


@dataclass(frozen=True, slots=True)
class RowReport:
    """A row's outcome: the animal and gene it names, the finding, the morph before and
    after (a change), and why (``detail``)."""

    line: int
    outcome: Outcome
    detail: str
    animal: str
    animal_id: uuid.UUID | None = None
    gene: str | None = None
    finding: Finding | None = None
    report_id: str = ""
    morph_before: str | None = None
    morph_after: str | None = None


@dataclass(frozen=True, slots=True)
class ImportReport:
    """A results file's rows and how many ended each way."""

    integration_id: uuid.UUID
    lab: str
    dry_run: bool
    rows: list[RowReport]

    def count(self, outcome: Outcome) -> int:
        """How many rows ended with ``outcome``."""
        return sum(1 for row in self.rows if row.outcome is outcome)

    def summary(self) -> dict[str, int]:
        """Rows in all and per outcome."""
        return {"rows": len(self.rows), **{o.value: self.count(o) for o in Outcome}}
