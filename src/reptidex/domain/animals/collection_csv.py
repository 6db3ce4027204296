"""CSV import (with a dry run that reports every row's problems) and export of a collection.

Columns: ``code, name, species, sex, morph, hatch_date, origin, status, visibility, sire_code,
dam_code, tags, notes`` (only ``species`` is required; ``tags`` are separated by ``;``).
Parents are named by code: an animal of the collection or another row of the file, in any
order. The whole file is checked before anything is written, with the engines' rules (the
morph must parse; a sire must be male, a dam female, of the same species; no cycles); a file
with any problem writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from reptidex.domain.animals.genetics import read_record, species_catalog
from reptidex.domain.animals.model import Animal, AnimalSex, Origin, Status, Visibility
from reptidex.domain.animals.ports import AnimalQuery, AnimalUnitOfWork
from reptidex.domain.animals.use_cases import Actor, AnimalDraft, add_animal, require_writer
from reptidex.domain.errors import InvalidInput
from reptidex.domain.plausible_dates import implausible
from reptidex.domain.spreadsheet_text import defused, restored
from reptidex.engine import pedigree as ped

COLUMNS = (
    "code",
    "name",
    "species",
    "sex",
    "morph",
    "hatch_date",
    "origin",
    "status",
    "visibility",
    "sire_code",
    "dam_code",
    "tags",
    "notes",
)
MAX_ROWS = 5000
_SEXES = {"m": "male", "f": "female", "u": "unknown", "": "unknown", "?": "unknown"}


@dataclass(slots=True)
class RowProblems:
    """The problems of one data row; ``line`` is its row number in the file, the header's
    being 1 (blank rows count; a line break inside a quoted cell does not)."""

    line: int
    code: str | None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import found, and what it wrote (nothing on a dry run or with problems)."""

    rows: int
    dry_run: bool
    problems: list[RowProblems]
    created: list[Animal]

    @property
    def valid(self) -> bool:
        """Whether every row can be imported."""
        return not self.problems


@dataclass(slots=True)
class _Row:
    draft: AnimalDraft
    code: str | None
    sire_code: str | None
    dam_code: str | None
    problems: RowProblems

    @property
    def line(self) -> int:
        """The row's number in the file (see :class:`RowProblems`)."""
        return self.problems.line


def _enum(value: str, kind: type[AnimalSex | Origin | Status | Visibility], default: str) -> str:
    text = value.strip().lower().replace(" ", "_").replace("-", "_") or default
    kind(text)  # raises ValueError for an unknown value
    return text


def _parse_row(line: int, raw: dict[str, str]) -> _Row:
    problems = RowProblems(line, (raw.get("code") or "").strip() or None)
    errors = problems.errors

    def cell(name: str) -> str:
        return restored((raw.get(name) or "").strip())

    species = cell("species")
    sex_text = cell("sex").lower()
    sex = _SEXES.get(sex_text, sex_text)
    values: dict[str, str] = {}
    for name, kind, default in (
        ("sex", AnimalSex, "unknown"),
        ("origin", Origin, "bred"),
        ("status", Status, "active"),
        ("visibility", Visibility, "private"),
    ):
        try:
            values[name] = _enum(sex if name == "sex" else cell(name), kind, default)
        except ValueError:
            allowed = ", ".join(v.value for v in kind)
            errors[name] = f"{cell(name)!r} is not one of {allowed}"
            values[name] = default
    hatch_date = None
    if cell("hatch_date"):
        try:
            hatch_date = dt.date.fromisoformat(cell("hatch_date"))
        except ValueError:
            errors["hatch_date"] = f"{cell('hatch_date')!r} is not a date (YYYY-MM-DD)"
        else:
            reason = implausible(hatch_date)
            if reason is not None:
                errors["hatch_date"] = f"{cell('hatch_date')!r} is {reason}"
                hatch_date = None
    morph = cell("morph") or "Normal"
    if not species:
        errors["species"] = "required"
    else:
        try:
            catalog = species_catalog(species)
            species = catalog.id  # a species written by name ("Ball python") is kept by id
            read_record(catalog, morph, AnimalSex(values["sex"]).genetic, field="morph")
        except InvalidInput as error:
            errors.update(error.field_errors)
    for name, limit in (("code", 60), ("name", 120), ("morph", 300), ("notes", 5000)):
        if len(cell(name)) > limit:
            errors[name] = f"longer than {limit} characters"
    tags = tuple(t.strip() for t in cell("tags").split(";") if t.strip())
    draft = AnimalDraft(
        species=species,
        sex=AnimalSex(values["sex"]),
        morph=morph,
        name=cell("name") or None,
        code=cell("code") or None,
        hatch_date=hatch_date,
        origin=Origin(values["origin"]),
        status=Status(values["status"]),
        visibility=Visibility(values["visibility"]),
        notes=cell("notes") or None,
        tags=tags,
    )
    return _Row(draft, draft.code, cell("sire_code") or None, cell("dam_code") or None, problems)


def read_rows(text: str) -> list[_Row]:
    r"""Parse the CSV text into rows with their field problems; :class:`InvalidInput` for a
    file that cannot be read at all (no header, unknown columns, too many rows, text the CSV
    reader refuses).

    >>> read_rows("species,notes\nball_python," + "x" * 200_000)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: The CSV cannot be read at line 2: field larger than ...
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        return _read(reader)
    except csv.Error as error:
        raise InvalidInput(
            f"The CSV cannot be read at line {reader.line_num}: {error}.",
            field_errors={"csv": f"at line {reader.line_num}: {error}"},
        ) from error


def _read(reader: Iterator[list[str]]) -> list[_Row]:
    header = [h.strip() for h in next(reader, [])]
    if "species" not in header:
        raise InvalidInput(
            "The CSV needs a header row with at least a species column.",
            field_errors={"csv": f"columns: {', '.join(COLUMNS)}"},
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"Unknown columns: {', '.join(unknown)}.",
            field_errors={"csv": f"columns: {', '.join(COLUMNS)}"},
        )
    rows: list[_Row] = []
    for number, cells in enumerate(reader, start=2):  # a blank row keeps its number
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(
                f"At most {MAX_ROWS} rows per import.", field_errors={"csv": "too many rows"}
            )
        raw = dict(zip(header, cells, strict=False))
        if len(cells) > len(header):
            problems = RowProblems(number, (raw.get("code") or "").strip() or None)
            problems.errors["row"] = "more cells than columns"
            rows.append(_Row(AnimalDraft(species=""), None, None, None, problems))
            continue
        rows.append(_parse_row(number, raw))
    return rows


async def _check_collection(
    uow: AnimalUnitOfWork, actor: Actor, rows: list[_Row]
) -> dict[str, Animal]:
    """Cross-row checks: codes unique, parents resolvable and fit, no cycles. Returns the
    collection's animals that the file names (by code)."""
    codes = [r.code for r in rows if r.code]
    parents = [c for r in rows for c in (r.sire_code, r.dam_code) if c]
    existing = await uow.animals.get_by_codes(actor.organisation_id, [*codes, *parents])
    seen: dict[str, _Row] = {}
    for row in rows:
        if row.code is None:
            continue
        if row.code in existing:
            row.problems.errors["code"] = f"{row.code} is already in the collection"
        elif row.code in seen:
            row.problems.errors["code"] = f"{row.code} is also on line {seen[row.code].line}"
        else:
            seen[row.code] = row
    for row in rows:
        for column, code, sex in (
            ("sire_code", row.sire_code, AnimalSex.MALE),
            ("dam_code", row.dam_code, AnimalSex.FEMALE),
        ):
            if code is None:
                continue
            parent_row = seen.get(code)
            parent = existing.get(code)
            if parent_row is None and parent is None:
                row.problems.errors[column] = f"no animal {code} in the collection or the file"
                continue
            parent_sex = parent_row.draft.sex if parent_row else parent.sex  # type: ignore[union-attr]
            parent_species = parent_row.draft.species if parent_row else parent.species  # type: ignore[union-attr]
            if parent_sex is not sex:
                row.problems.errors[column] = f"{code} is {parent_sex.value}, not {sex.value}"
            elif parent_species != row.draft.species:
                row.problems.errors[column] = f"{code} is a {parent_species}"
    records = [
        ped.Animal(
            row.code or f"line {row.line}",
            row.sire_code,
            row.dam_code,
            ped.Sex(row.draft.sex.value),
            row.draft.hatch_date,
        )
        for row in rows
    ]
    records += [
        ped.Animal(a.code, None, None, ped.Sex(a.sex.value), a.hatch_date)
        for a in existing.values()
        if a.code not in seen
    ]
    by_name = {row.code or f"line {row.line}": row for row in rows}
    for problem in ped.find_problems(records):
        if problem.code in ("duplicate-id", "sex-mismatch", "sire-and-dam"):
            continue  # reported above, on the offspring's parent columns
        for name in problem.animals:
            if name in by_name:
                by_name[name].problems.errors.setdefault("parents", problem.message)
    return existing


async def import_collection(
    uow: AnimalUnitOfWork, actor: Actor, text: str, *, dry_run: bool
) -> ImportReport:
    """Check a CSV collection and, unless ``dry_run`` or a row has a problem, add every
    animal (parents first) and commit them together."""
    require_writer(actor)
    rows = read_rows(text)
    existing = await _check_collection(uow, actor, rows)
    problems = [r.problems for r in rows if r.problems.errors]
    if dry_run or problems:
        return ImportReport(len(rows), dry_run, problems, [])
    created: dict[str, Animal] = {}

    def parent(code: str | None) -> uuid.UUID | None:
        if code is None:
            return None
        return (created.get(code) or existing[code]).id

    pending = list(rows)
    made: list[Animal] = []
    while pending:
        ready = [
            r
            for r in pending
            if all(
                c is None or c in created or c not in {p.code for p in pending}
                for c in (r.sire_code, r.dam_code)
            )
        ]
        for row in ready:
            animal = await add_animal(
                uow,
                actor,
                AnimalDraft(
                    **{
                        **{f: getattr(row.draft, f) for f in row.draft.__dataclass_fields__},
                        "sire_id": parent(row.sire_code),
                        "dam_id": parent(row.dam_code),
                    }
                ),
            )
            made.append(animal)
            if row.code:
                created[row.code] = animal
        pending = [r for r in pending if r not in ready]
    await uow.commit()
    return ImportReport(len(rows), False, [], made)


async def export_collection(uow: AnimalUnitOfWork, actor: Actor) -> str:
    """The collection as CSV text (the import's columns), in code order; text a spreadsheet
    would run as a formula gets a leading apostrophe, which the import takes off again."""
    animals: list[Animal] = []
    offset = 0
    while True:
        page, total = await uow.animals.search(
            actor.organisation_id, AnimalQuery(sort="code", limit=500, offset=offset)
        )
        animals.extend(page)
        offset += len(page)
        if not page or offset >= total:
            break
    codes: dict[uuid.UUID | None, str] = {a.id: a.code for a in animals}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for a in animals:
        writer.writerow(
            [
                defused(a.code),
                defused(a.name or ""),
                a.species,
                a.sex.value,
                defused(a.genotype.morph),
                a.hatch_date.isoformat() if a.hatch_date else "",
                a.origin.value,
                a.status.value,
                a.visibility.value,
                defused(codes.get(a.sire_id) or ""),  # no parent, or one outside: empty
                defused(codes.get(a.dam_id) or ""),
                defused(";".join(a.tags)),
                defused(a.notes or ""),
            ]
        )
    return out.getvalue()


def report_errors(report: ImportReport) -> dict[str, str]:
    """The report's problems as field errors (``line 3: morph``)."""
    return {
        f"line {p.line}: {name}": message
        for p in report.problems
        for name, message in p.errors.items()
    }
