"""An organisation's owners and admins configure its lab integrations and import a lab's
results file: a dry run reports each row's outcome and changes nothing; the real import sends
each applicable result to repti-animal (one change per row, conditional on the morph it was
judged against, naming the lab and report), then records the import in the audit trail and
publishes ``integration.lab_results_imported``."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace

from reptidex.domain.audit import record_change
from reptidex.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from reptidex.domain.events import new_event
from reptidex.domain.integrations.events import (
    LAB_CONFIGURED,
    LAB_RESULTS_IMPORTED,
    LabConfigured,
    LabResultsImported,
)
from reptidex.domain.integrations.imports import PRODUCER, record_import
from reptidex.domain.integrations.keys import KeyManagement
from reptidex.domain.integrations.labs.model import (
    COLUMN_ROLES,
    DEFAULT_COLUMNS,
    Finding,
    ImportReport,
    LabAnimal,
    LabIntegration,
    Outcome,
    ResultRow,
    RowReport,
    api_key_context,
)
from reptidex.domain.integrations.labs.ports import (
    AnimalsUnavailable,
    ChangeRefused,
    LabAnimals,
    LabUnitOfWork,
)
from reptidex.domain.integrations.labs.reading import genes_named, read_finding, read_results
from reptidex.domain.integrations.labs.verdicts import judge
from reptidex.domain.integrations.model import SealedSecret
from reptidex.domain.integrations.subscriptions import Manager
from reptidex.engine.genetics import Catalog, load_catalog
from reptidex.engine.genetics.catalog import CatalogError
from reptidex.engine.genetics.model import Allele

MAX_LABS = 20
"""Lab integrations an organisation may have."""
LOOKUPS_AT_ONCE = 8
"""Animals asked of repti-animal side by side."""


def _require_manager(manager: Manager) -> None:
    if not manager.may_manage:
        raise PermissionDenied("Only the organisation's owners and admins manage integrations.")


def _columns(given: Mapping[str, str] | None) -> dict[str, str]:
    columns = dict(DEFAULT_COLUMNS)
    for role, header in (given or {}).items():
        if role not in COLUMN_ROLES:
            raise InvalidInput(
                f"{role!r} is not a column role ({', '.join(COLUMN_ROLES)}).",
                field_errors={f"columns.{role}": "unknown role"},
            )
        columns[role] = header.strip()
    headers = [h.casefold() for h in columns.values()]
    if len(set(headers)) != len(headers):
        raise InvalidInput(
            "Two column roles name the same header.", field_errors={"columns": "duplicate header"}
        )
    return columns


def _audited(integration: LabIntegration) -> dict[str, object]:
    return {"lab": integration.lab, "columns": dict(integration.columns)}


async def configure_lab(
    uow: LabUnitOfWork,
    keys: KeyManagement,
    manager: Manager,
    lab: str,
    columns: Mapping[str, str] | None,
    api_key: str | None,
    now: dt.datetime,
) -> tuple[LabIntegration, bool]:
    """Make the organisation's integration with ``lab``, or change it (its columns, and its
    API key when one is given: sealed through ``keys``); the integration and whether it is
    new. Audited (``lab_integration``, the key withheld) and published, unless nothing
    changes."""
    _require_manager(manager)
    lab = " ".join(lab.split())
    chosen = _columns(columns)
    before = await uow.labs.by_lab(manager.organisation_id, lab)
    if before is not None and before.columns == chosen and api_key is None:
        return before, False  # nothing changes: nothing to record
    if before is None and len(await uow.labs.of(manager.organisation_id)) >= MAX_LABS:
        raise Conflict(f"An organisation has at most {MAX_LABS} lab integrations.")
    integration_id = before.id if before else uuid.uuid4()
    sealed = before.api_key if before else None
    if api_key is not None:
        context = api_key_context(manager.organisation_id, integration_id)
        sealed = SealedSecret(await keys.encrypt(api_key.encode(), context), keys.name, 1)
    after = LabIntegration(
        integration_id,
        manager.organisation_id,
        before.lab if before else lab,
        chosen,
        sealed,
        created_at=before.created_at if before else now,
        updated_at=now,
    )
    if before is None:
        await uow.labs.add(after)
    else:
        await uow.labs.save(after)
    record_change(
        uow.outbox,
        service=PRODUCER,
        resource_kind="lab_integration",
        resource_id=integration_id,
        action="created" if before is None else "updated",
        actor_id=manager.user_id,
        organisation_id=manager.organisation_id,
        occurred_at=now,
        before=None if before is None else _audited(before),
        after=_audited(after),
        changed_secrets=("api_key",) if api_key is not None else (),
    )
    uow.outbox.add(
        new_event(
            LAB_CONFIGURED,
            producer=PRODUCER,
            payload=LabConfigured(str(integration_id), after.lab, chosen, sealed is not None),
            organisation_id=manager.organisation_id,
            actor_id=manager.user_id,
            occurred_at=now,
        )
    )
    await uow.commit()
    return after, before is None


async def list_labs(uow: LabUnitOfWork, manager: Manager) -> list[LabIntegration]:
    """The organisation's lab integrations."""
    _require_manager(manager)
    return await uow.labs.of(manager.organisation_id)


async def read_lab(
    uow: LabUnitOfWork, manager: Manager, integration_id: uuid.UUID
) -> LabIntegration:
    """One of the organisation's lab integrations (:class:`NotFound` otherwise)."""
    _require_manager(manager)
    found = await uow.labs.get(manager.organisation_id, integration_id)
    if found is None:
        raise NotFound(f"No lab integration {integration_id} in this organisation.")
    return found


@dataclass(frozen=True, slots=True)
class LabImport:
    """What an import needs: units of work of the organisation, the collection and the time."""

    unit_of_work: Callable[[uuid.UUID], AbstractAsyncContextManager[LabUnitOfWork]]
    animals: LabAnimals
    clock: Callable[[], dt.datetime]


async def _look_up(
    animals: LabAnimals, rows: list[ResultRow], credential: str | None
) -> dict[str, LabAnimal | None]:
    wanted = list(dict.fromkeys(r.animal for r in rows if r.problem is None))
    found: dict[str, LabAnimal | None] = {}
    gate = asyncio.Semaphore(LOOKUPS_AT_ONCE)

    async def one(reference: str) -> None:
        async with gate:
            found[reference] = await animals.find(reference, credential=credential)

    await asyncio.gather(*(one(reference) for reference in wanted))
    return found


def _catalog(species: str, cache: dict[str, Catalog | None]) -> Catalog | None:
    if species not in cache:
        try:
            cache[species] = load_catalog(species)
        except (CatalogError, KeyError, ValueError, FileNotFoundError):
            cache[species] = None
    return cache[species]


def _gene(catalog: Catalog, row: ResultRow) -> Allele | str:
    """The gene a row tests, or why it names none."""
    in_result = genes_named(catalog, row.result)
    if row.test:
        tested = genes_named(catalog, row.test)
        if not tested:
            return f"unknown gene {row.test!r} for the species"
        if len(tested) > 1:
            return f"the test {row.test!r} names several genes"
        if any(a.id != tested[0].id for a in in_result):
            return f"the result {row.result!r} names another gene than the test {row.test!r}"
        return tested[0]
    if len(in_result) != 1:
        return (
            f"the result {row.result!r} names no gene of the species"
            if not in_result
            else f"the result {row.result!r} names several genes"
        )
    return in_result[0]


def _changed(animal: LabAnimal, gene: str, finding: Finding, morph: str) -> LabAnimal:
    hets = tuple(h for h in animal.hets if h != gene)
    if finding is Finding.HET:
        hets = (*hets, gene)
    possible = {g: p for g, p in animal.possible_hets.items() if g != gene}
    return replace(animal, morph=morph, hets=hets, possible_hets=possible)


def _source(integration: LabIntegration, row: ResultRow, gene: str) -> dict[str, str | None]:
    return {
        "lab": integration.lab,
        "report_id": row.report_id or (f"sample {row.sample}" if row.sample else "unnamed"),
        "test": gene,
        "report_date": None if row.report_date is None else row.report_date.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class _Plan:
    """A row read against its animal and the species' catalog (``problem`` when it cannot
    be used)."""

    row: ResultRow
    animal: LabAnimal | None = None
    gene: Allele | None = None
    finding: Finding | None = None
    problem: str = ""

    @property
    def key(self) -> tuple[uuid.UUID, str] | None:
        """The animal and gene the row is about."""
        return None if self.animal is None or self.gene is None else (self.animal.id, self.gene.id)


def _plan(
    row: ResultRow, animals: Mapping[str, LabAnimal | None], catalogs: dict[str, Catalog | None]
) -> _Plan:
    if row.problem:
        return _Plan(row, problem=row.problem)
    animal = animals.get(row.animal)
    if animal is None:
        return _Plan(row, problem=f"no animal {row.animal!r} in the organisation's collection")
    catalog = _catalog(animal.species, catalogs)
    if catalog is None:
        return _Plan(row, animal, problem=f"no gene catalog for {animal.species}")
    gene = _gene(catalog, row)
    if isinstance(gene, str):
        return _Plan(row, animal, problem=gene)
    finding = read_finding(row.result)
    if finding is None:
        return _Plan(
            row,
            animal,
            gene,
            problem=f"the result {row.result!r} is ambiguous: "
            "say het (carrier), negative or visual",
        )
    return _Plan(row, animal, gene, finding)


async def import_results(
    desk: LabImport,
    manager: Manager,
    integration_id: uuid.UUID,
    text: str,
    *,
    dry_run: bool,
    credential: str | None,
) -> ImportReport:
    """Read a results file of the integration's lab and report every row's outcome; unless
    ``dry_run``, apply each applicable row in repti-animal and record the import.

    A file over the bounds (size, rows) or without its columns is an :class:`InvalidInput`
    before any animal is asked. Rows for one animal are judged in order, each against the
    record as the earlier rows left it; two rows of the file saying different things of one
    animal's gene are both bad."""
    _require_manager(manager)
    async with desk.unit_of_work(manager.organisation_id) as uow:
        integration = await read_lab(uow, manager, integration_id)
    rows = read_results(text, integration.columns)
    animals = await _look_up(desk.animals, rows, credential)
    catalogs: dict[str, Catalog | None] = {}
    judged = [_plan(row, animals, catalogs) for row in rows]
    findings: dict[tuple[uuid.UUID, str], set[Finding]] = {}
    for plan in judged:
        if plan.key is not None and plan.finding is not None:
            findings.setdefault(plan.key, set()).add(plan.finding)
    reports: list[RowReport] = []
    current: dict[uuid.UUID, LabAnimal] = {}
    for plan in judged:
        row, animal, gene, finding = plan.row, plan.animal, plan.gene, plan.finding
        why = plan.problem
        if not why and plan.key is not None and len(findings[plan.key]) > 1:
            why = "another row of the file says otherwise of this animal's gene"
        if why or animal is None or gene is None or finding is None:
            reports.append(
                RowReport(
                    row.line,
                    Outcome.BAD,
                    why,
                    row.animal,
                    None if animal is None else animal.id,
                    None if gene is None else gene.name,
                    finding,
                    row.report_id,
                )
            )
            continue
        state = current.get(animal.id, animal)
        catalog = catalogs[animal.species]
        assert catalog is not None  # a plan without a catalog has a problem
        verdict = judge(catalog, state, gene, finding)
        report = RowReport(
            row.line,
            verdict.outcome,
            verdict.detail,
            row.animal,
            animal.id,
            gene.name,
            finding,
            row.report_id,
            state.morph,
            verdict.morph,
        )
        if verdict.outcome is Outcome.APPLIED and verdict.morph is not None:
            if not dry_run:
                try:
                    await desk.animals.change_morph(
                        animal.id,
                        verdict.morph,
                        expected_morph=state.morph,
                        source=_source(integration, row, gene.name),
                        credential=credential,
                    )
                except (ChangeRefused, AnimalsUnavailable) as refused:
                    reports.append(
                        replace(
                            report, outcome=Outcome.FAILED, detail=str(refused), morph_after=None
                        )
                    )
                    continue
            current[animal.id] = _changed(state, gene.name, finding, verdict.morph)
        reports.append(report)
    result = ImportReport(integration.id, integration.lab, dry_run, reports)
    if not dry_run:
        await _record(desk, manager, integration, result)
    return result


async def _record(
    desk: LabImport, manager: Manager, integration: LabIntegration, report: ImportReport
) -> None:
    summary = report.summary()
    await record_import(
        desk.unit_of_work(manager.organisation_id),
        manager,
        desk.clock(),
        resource_kind="lab_import",
        event_type=LAB_RESULTS_IMPORTED,
        details={"integration_id": str(integration.id), "lab": integration.lab, **summary},
        payload=lambda import_id: LabResultsImported(
            str(import_id), str(integration.id), integration.lab, summary
        ),
    )
