"""The rules of the collection CSV import and export, on in-memory fakes (no database, no app):
each column's reading and its messages, row numbers, limits, the cross-row checks (codes,
parents, pedigree), what a dry run and a refused file write (nothing), and the export."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

import pytest
from test_animal_use_cases import FakeAnimals, FakeUnitOfWork

from reptidex.domain.animals import collection_csv
from reptidex.domain.animals.collection_csv import (
    ImportReport,
    RowProblems,
    export_collection,
    import_collection,
    read_rows,
    report_errors,
)
from reptidex.domain.animals.model import Animal, AnimalSex, Origin, Status, Visibility
from reptidex.domain.animals.ports import AnimalQuery
from reptidex.domain.animals.use_cases import Actor, AnimalDraft, add_animal
from reptidex.domain.errors import InvalidInput, PermissionDenied
from reptidex.domain.plausible_dates import implausible

ORG = uuid.uuid4()
ACTOR = Actor(ORG, uuid.uuid4())
HEADER = (
    "code,name,species,sex,morph,hatch_date,origin,status,visibility,sire_code,dam_code,tags,notes"
)
ALL_COLUMNS = ", ".join(HEADER.split(","))


def errors_of(text: str) -> list[dict[str, str]]:
    """Each row's field problems, in file order."""
    return [row.problems.errors for row in read_rows(text)]


def refusal(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read_rows(text)
    return caught.value


async def stored(
    uow: FakeUnitOfWork,
    code: str,
    sex: AnimalSex,
    *,
    species: str = "ball_python",
    hatch_date: dt.date | None = None,
    actor: Actor = ACTOR,
) -> Animal:
    """An animal already in the collection (added without a commit)."""
    draft = AnimalDraft(species, sex, code=code, hatch_date=hatch_date)
    return await add_animal(uow, actor, draft)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


async def problems_by_line(uow: FakeUnitOfWork, text: str) -> dict[int, dict[str, str]]:
    report = await import_collection(uow, ACTOR, text, dry_run=True)
    return {p.line: p.errors for p in report.problems}


# --- reading one row -------------------------------------------------------------------------


def test_every_column_is_read_trimmed_and_case_insensitively() -> None:
    text = (
        f"{HEADER}\n"
        " K1 , Zeus , ball_python , M , Pastel het Clown , 2024-05-01 , Bought , For Sale ,"
        " lineage-only , S1 , D1 , a ; ;b ;a , Calm \n"
    )
    (row,) = read_rows(text)
    assert row.draft == AnimalDraft(
        species="ball_python",
        sex=AnimalSex.MALE,
        morph="Pastel het Clown",
        name="Zeus",
        code="K1",
        hatch_date=dt.date(2024, 5, 1),
        origin=Origin.BOUGHT,
        status=Status.FOR_SALE,
        visibility=Visibility.LINEAGE_ONLY,
        notes="Calm",
        tags=("a", "b", "a"),
    )
    assert (row.line, row.code, row.sire_code, row.dam_code) == (2, "K1", "S1", "D1")
    assert row.problems == RowProblems(2, "K1", {})


@pytest.mark.parametrize(
    "text",
    [
        f"{HEADER}\n,,ball_python,,,,,,,,,,\n",
        "species\nball_python\n",
        "code,species,name,notes,tags\n,ball_python\n",  # a short row: the missing cells are empty
        " species \n ball_python \n",
    ],
)
def test_empty_cells_take_the_defaults(text: str) -> None:
    (row,) = read_rows(text)
    assert row.draft == AnimalDraft(species="ball_python")
    assert row.draft.morph == "Normal"
    assert (row.code, row.sire_code, row.dam_code) == (None, None, None)
    assert row.problems == RowProblems(2, None, {})


@pytest.mark.parametrize(
    ("cell", "sex"),
    [
        ("M", AnimalSex.MALE),
        ("m", AnimalSex.MALE),
        ("Male", AnimalSex.MALE),
        ("F", AnimalSex.FEMALE),
        ("female", AnimalSex.FEMALE),
        ("FEMALE", AnimalSex.FEMALE),
        ("u", AnimalSex.UNKNOWN),
        ("U", AnimalSex.UNKNOWN),
        ("?", AnimalSex.UNKNOWN),
        ("", AnimalSex.UNKNOWN),
        ("Unknown", AnimalSex.UNKNOWN),
    ],
)
def test_sex_letters_and_words(cell: str, sex: AnimalSex) -> None:
    (row,) = read_rows(f"species,sex\nball_python,{cell}\n")
    assert (row.draft.sex, row.problems.errors) == (sex, {})


@pytest.mark.parametrize(
    ("column", "cell", "value"),
    [
        ("origin", "External", Origin.EXTERNAL),
        ("origin", "bred", Origin.BRED),
        ("status", "on loan", Status.ON_LOAN),
        ("status", "ON-LOAN", Status.ON_LOAN),
        ("status", "Holdback", Status.HOLDBACK),
        ("visibility", "Lineage Only", Visibility.LINEAGE_ONLY),
        ("visibility", "PUBLIC", Visibility.PUBLIC),
    ],
)
def test_enumerations_accept_spaces_hyphens_and_any_case(
    column: str, cell: str, value: Origin | Status | Visibility
) -> None:
    (row,) = read_rows(f"species,{column}\nball_python,{cell}\n")
    assert (getattr(row.draft, column), row.problems.errors) == (value, {})


def test_unknown_values_name_the_allowed_ones_and_fall_back_to_defaults() -> None:
    (row,) = read_rows(
        "code,species,sex,origin,status,visibility\nK1,ball_python, Mal ,stolen,lost,friends\n"
    )
    assert row.problems.errors == {
        "sex": "'Mal' is not one of male, female, unknown",
        "origin": "'stolen' is not one of bred, bought, external",
        "status": "'lost' is not one of active, holdback, for_sale, sold, deceased, on_loan",
        "visibility": "'friends' is not one of private, lineage_only, public",
    }
    assert row.problems.code == "K1"
    assert row.draft == AnimalDraft(species="ball_python", code="K1")


@pytest.mark.parametrize("cell", ["2024-13-01", "01/05/2024", "yesterday"])
def test_a_hatch_date_must_be_iso(cell: str) -> None:
    (row,) = read_rows(f"species,hatch_date\nball_python,{cell}\n")
    assert row.problems.errors == {"hatch_date": f"{cell!r} is not a date (YYYY-MM-DD)"}
    assert row.draft.hatch_date is None


@pytest.mark.parametrize("cell", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_hatch_date_must_be_plausible(cell: str) -> None:
    (row,) = read_rows(f"species,hatch_date\nball_python,{cell}\n")
    reason = implausible(dt.date.fromisoformat(cell))
    assert reason is not None
    assert reason.startswith("not a plausible date: use one from 1900-01-01 to ")
    assert row.problems.errors == {"hatch_date": f"{cell!r} is {reason}"}
    assert row.draft.hatch_date is None


def test_the_earliest_plausible_hatch_date_is_kept() -> None:
    (row,) = read_rows("species,hatch_date\nball_python,1900-01-01\n")
    assert row.problems.errors == {}
    assert row.draft.hatch_date == dt.date(1900, 1, 1)


def test_species_is_required_and_must_be_known() -> None:
    missing, unknown = errors_of("species,morph\n,Pastle\ndragon,Pastle\n")
    assert missing == {"species": "required"}  # no species: the morph is not read
    assert list(unknown) == ["species"]
    assert unknown["species"].startswith("unknown species 'dragon'; known species: ball_python")


def test_the_morph_is_read_with_the_rows_sex() -> None:
    misspelt, unsexed, male, female, maker, unsexed_misspelt = errors_of(
        "species,sex,morph\nball_python,m,Pastle\nball_python,,Banana\n"
        "ball_python,m,Banana\nball_python,f,Banana\nball_python,f,Banana male maker\n"
        "ball_python,,Banana Pastle\n"
    )
    assert list(misspelt) == ["morph"]
    assert misspelt["morph"].startswith("unknown word 'pastle' (did you mean Pastel")
    # an animal of unknown sex records its sex-linked genes (resolved once its sex is set)
    assert unsexed == male == female == {}
    assert list(maker) == ["morph"]
    assert unsexed_misspelt["morph"] == misspelt["morph"].replace("'Pastle'", "'Banana Pastle'")


@pytest.mark.parametrize(
    ("column", "limit", "value"),
    [
        ("code", 60, lambda n: "K" * n),
        ("name", 120, lambda n: "N" * n),
        ("morph", 300, lambda n: "Pastel" + " " * (n - 11) + "Clown"),
        ("notes", 5000, lambda n: "n" * n),
    ],
)
def test_cell_lengths_are_limited(column: str, limit: int, value: Any) -> None:
    at_limit, over = errors_of(
        f"species,{column}\nball_python,{value(limit)}\nball_python,{value(limit + 1)}\n"
    )
    assert at_limit == {}
    assert over == {column: f"longer than {limit} characters"}


def test_the_header_is_trimmed_and_a_byte_order_mark_ignored() -> None:
    (row,) = read_rows("\ufeff code , species ,name\nK1,ball_python,Zeus\n")
    assert (row.code, row.draft.species, row.draft.name) == ("K1", "ball_python", "Zeus")


# --- reading the file ------------------------------------------------------------------------


def test_rows_are_numbered_as_in_the_file_with_the_header_as_one() -> None:
    text = (
        "code,species,notes\n"
        "A,ball_python\n"
        "\n"  # a blank line
        'B,ball_python,"two\nlines"\n'  # one row over two lines
        " , ,\n"  # a row of blank cells
        "C,dragon\n"
    )
    rows = read_rows(text)
    assert [(r.line, r.code) for r in rows] == [(2, "A"), (4, "B"), (6, "C")]
    assert rows[1].draft.notes == "two\nlines"
    assert [(p.line, p.code, list(p.errors)) for p in (r.problems for r in rows)] == [
        (2, "A", []),
        (4, "B", []),
        (6, "C", ["species"]),
    ]


def test_line_breaks_inside_quotes_are_kept_as_written() -> None:
    (row,) = read_rows('species,name\r\nball_python,"Ze\r\nus"\r\n')
    assert row.draft.name == "Ze\r\nus"


def test_a_row_with_more_cells_than_columns_is_a_problem_not_skipped() -> None:
    rows = read_rows("code,species\n K1 ,ball_python,extra\n,ball_python,x\n,,y\n")
    assert [(r.problems.line, r.problems.code, r.problems.errors) for r in rows] == [
        (2, "K1", {"row": "more cells than columns"}),
        (3, None, {"row": "more cells than columns"}),
        (4, None, {"row": "more cells than columns"}),
    ]
    assert {(r.code, r.sire_code, r.dam_code, r.draft) for r in rows} == {
        (None, None, None, AnimalDraft(species=""))
    }


@pytest.mark.parametrize("text", ["", "\n", "\nspecies\nball_python\n", "code,name\nK1,Zeus\n"])
def test_a_file_without_a_species_column_is_refused(text: str) -> None:
    error = refusal(text)
    assert error.detail == "The CSV needs a header row with at least a species column."
    assert error.field_errors == {"csv": f"columns: {ALL_COLUMNS}"}


def test_unknown_columns_are_refused_by_name() -> None:
    error = refusal("X-ray,species,colour\nA,ball_python,red\n")
    assert error.detail == "Unknown columns: X-ray, colour."
    assert error.field_errors == {"csv": f"columns: {ALL_COLUMNS}"}


def test_text_the_csv_reader_refuses_is_invalid_input_with_its_line() -> None:
    error = refusal("species,notes\nball_python,ok\nball_python," + "x" * 200_000 + "\nmore\n")
    limit = "field larger than field limit (131072)"
    assert error.detail == f"The CSV cannot be read at line 3: {limit}."
    assert error.field_errors == {"csv": f"at line 3: {limit}"}


def test_the_number_of_rows_is_limited_and_blank_rows_do_not_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(collection_csv, "MAX_ROWS", 3)
    three = "species\n" + "ball_python\n" * 3
    assert len(read_rows(three)) == 3
    assert len(read_rows(three + ",\n\n  \n")) == 3  # a spreadsheet's trailing empty rows
    error = refusal(three + "\nball_python\n")
    assert error.detail == "At most 3 rows per import."
    assert error.field_errors == {"csv": "too many rows"}


# --- checking the collection -----------------------------------------------------------------


async def test_codes_must_be_new_and_unique_in_the_file(uow: FakeUnitOfWork) -> None:
    await stored(uow, "K1", AnimalSex.MALE)
    await stored(uow, "K3", AnimalSex.MALE, actor=Actor(uuid.uuid4()))  # another collection's
    text = (
        "code,species\n"
        ",ball_python\n"  # a row without a code checks nothing, and stops nothing
        "K1,ball_python\n"
        "K2,ball_python\n"
        "K2,ball_python\n"
        "K3,ball_python\n"
        "K2,ball_python\n"
    )
    assert await problems_by_line(uow, text) == {
        3: {"code": "K1 is already in the collection"},
        5: {"code": "K2 is also on line 4"},
        7: {"code": "K2 is also on line 4"},
    }


async def test_parents_come_from_the_file_or_the_collection_with_the_right_sex_and_species(
    uow: FakeUnitOfWork,
) -> None:
    await stored(uow, "CS", AnimalSex.MALE)
    await stored(uow, "CD", AnimalSex.FEMALE)
    await stored(uow, "CF", AnimalSex.FEMALE)
    await stored(uow, "CC", AnimalSex.MALE, species="corn_snake")
    text = (
        "code,species,sex,sire_code,dam_code\n"
        "S1,ball_python,m,,\n"
        "D1,ball_python,f,,\n"
        "U1,ball_python,,,\n"
        "C1,corn_snake,m,,\n"
        "A1,ball_python,,S1,D1\n"  # parents from the file
        "A2,ball_python,,CS,CD\n"  # parents from the collection
        "A3,ball_python,,Z9,Z8\n"
        "A4,ball_python,,D1,S1\n"
        "A5,ball_python,,U1,U1\n"
        "A6,ball_python,,C1,CD\n"
        "A7,ball_python,,CF,CS\n"
        "A8,ball_python,,CC,\n"
    )
    assert await problems_by_line(uow, text) == {
        8: {
            "sire_code": "no animal Z9 in the collection or the file",
            "dam_code": "no animal Z8 in the collection or the file",
        },
        9: {"sire_code": "D1 is female, not male", "dam_code": "S1 is male, not female"},
        10: {"sire_code": "U1 is unknown, not male", "dam_code": "U1 is unknown, not female"},
        11: {"sire_code": "C1 is a corn_snake"},
        12: {"sire_code": "CF is female, not male", "dam_code": "CS is male, not female"},
        13: {"sire_code": "CC is a corn_snake"},
    }


async def test_a_parent_used_as_sire_and_as_dam_is_reported_once_on_the_wrong_column(
    uow: FakeUnitOfWork,
) -> None:
    text = "code,species,sex,sire_code,dam_code\nP,ball_python,m,,\nA,ball_python,,P,\nB,ball_python,,,P\n"
    assert await problems_by_line(uow, text) == {4: {"dam_code": "P is male, not female"}}


async def test_pedigree_problems_are_reported_on_every_row_involved(uow: FakeUnitOfWork) -> None:
    text = (
        "code,species,sex,sire_code,dam_code\n"
        "K2,ball_python,m,,\n"
        "K2,ball_python,m,,\n"  # a duplicate, reported on its code only
        "A,ball_python,m,B,\n"
        "B,ball_python,m,A,\n"
        "O,ball_python,m,O,\n"
        "F,ball_python,f,,G\n"
        "G,ball_python,f,,F\n"
        "P,ball_python,f,,P\n"
    )
    assert await problems_by_line(uow, text) == {
        3: {"code": "K2 is also on line 2"},
        4: {"parents": "cycle: A -> B -> A (each has the next as a parent)"},
        5: {"parents": "cycle: A -> B -> A (each has the next as a parent)"},
        6: {"parents": "O is recorded as its own parent"},
        7: {"parents": "cycle: F -> G -> F (each has the next as a parent)"},
        8: {"parents": "cycle: F -> G -> F (each has the next as a parent)"},
        9: {"parents": "P is recorded as its own parent"},
    }


async def test_a_parent_must_be_older_than_its_offspring(uow: FakeUnitOfWork) -> None:
    await stored(uow, "CS", AnimalSex.MALE, hatch_date=dt.date(2024, 6, 1))
    text = (
        "code,species,sex,sire_code,dam_code,hatch_date\n"
        "S1,ball_python,m,,,2024-01-01\n"
        ",ball_python,f,S1,,2023-01-01\n"  # without a code, named by its line
        "K1,ball_python,f,CS,,2024-01-01\n"
        "K2,ball_python,f,S1,,2024-01-02\n"
        "K3,ball_python,f,CS,,2024-06-02\n"
        "D1,ball_python,f,,,2024-03-01\n"
        "K4,ball_python,f,,D1,2024-03-01\n"
    )
    older = "is not older than its offspring"
    assert await problems_by_line(uow, text) == {
        2: {"parents": f"S1 (sire, hatched 2024-01-01) {older} line 3 (hatched 2023-01-01)"},
        3: {"parents": f"S1 (sire, hatched 2024-01-01) {older} line 3 (hatched 2023-01-01)"},
        4: {"parents": f"CS (sire, hatched 2024-06-01) {older} K1 (hatched 2024-01-01)"},
        7: {"parents": f"D1 (dam, hatched 2024-03-01) {older} K4 (hatched 2024-03-01)"},
        8: {"parents": f"D1 (dam, hatched 2024-03-01) {older} K4 (hatched 2024-03-01)"},
    }


async def test_a_row_in_two_pedigree_problems_shows_the_first(uow: FakeUnitOfWork) -> None:
    text = "code,species,sex,sire_code,hatch_date\nA,ball_python,m,B,2020-01-01\nB,ball_python,m,A,2021-01-01\n"
    first = "B (sire, hatched 2021-01-01) is not older than its offspring A (hatched 2020-01-01)"
    assert await problems_by_line(uow, text) == {2: {"parents": first}, 3: {"parents": first}}


# --- importing -------------------------------------------------------------------------------

FAMILY = (
    "code,name,species,sex,morph,hatch_date,origin,status,visibility,sire_code,dam_code,tags,notes\n"
    "G1,Grandkid,ball_python,f,Normal,2025-01-01,,,,C1,CD,,\n"  # before its parents
    "C1,Kid,ball_python,m,Pastel,2024-05-01,bought,holdback,public,S1,D1,a;b,calm\n"
    ",Nameless,ball_python,f,,,,,,S1,D1,,\n"
    "\n"
    "S1,Sire,ball_python,m,Pastel het Clown,2019-01-01,,,,,,,\n"
    "D1,Dam,ball_python,f,het Clown,2019-02-01,,,,,,,\n"
    "E1,,ball_python,m,,,,,,,CD,,\n"
)


async def test_a_dry_run_reports_and_writes_nothing(uow: FakeUnitOfWork) -> None:
    await stored(uow, "CD", AnimalSex.FEMALE)
    before = dict(uow.animals.rows)
    report = await import_collection(uow, ACTOR, FAMILY, dry_run=True)
    assert report == ImportReport(6, True, [], [])
    assert report.valid
    assert (uow.animals.rows, uow.commits) == (before, 0)


async def test_an_import_adds_every_row_parents_first_and_commits_once(
    uow: FakeUnitOfWork,
) -> None:
    cd = await stored(uow, "CD", AnimalSex.FEMALE)
    staged = len(uow.outbox.events)
    report = await import_collection(uow, ACTOR, FAMILY, dry_run=False)
    assert (report.rows, report.dry_run, report.problems, report.valid) == (6, False, [], True)
    assert uow.commits == 1
    assert len(uow.outbox.events) > staged
    made = {a.name: a for a in report.created}
    assert [a.name for a in report.created] == ["Sire", "Dam", None, "Kid", "Nameless", "Grandkid"]
    assert len(uow.animals.rows) == 7
    assert all(uow.animals.rows[a.id] == a for a in report.created)
    sire, dam, kid = made["Sire"], made["Dam"], made["Kid"]
    assert (kid.sire_id, kid.dam_id) == (sire.id, dam.id)
    assert (made["Nameless"].sire_id, made["Nameless"].dam_id) == (sire.id, dam.id)
    assert (made["Grandkid"].sire_id, made["Grandkid"].dam_id) == (kid.id, cd.id)
    assert (made[None].code, made[None].sire_id, made[None].dam_id) == ("E1", None, cd.id)
    assert (sire.sire_id, sire.dam_id) == (None, None)
    assert (kid.code, kid.species, kid.sex, kid.genotype.morph) == (
        "C1",
        "ball_python",
        AnimalSex.MALE,
        "Pastel",
    )
    assert (kid.hatch_date, kid.origin, kid.status, kid.visibility) == (
        dt.date(2024, 5, 1),
        Origin.BOUGHT,
        Status.HOLDBACK,
        Visibility.PUBLIC,
    )
    assert (kid.tags, kid.notes) == (("a", "b"), "calm")
    assert made["Nameless"].code  # the collection's next code
    assert made["Nameless"].code not in {"G1", "C1", "S1", "D1", "E1", "CD"}


async def test_a_file_with_any_problem_writes_nothing_even_for_real(uow: FakeUnitOfWork) -> None:
    text = FAMILY + "K9,Bad,ball_python,m,Pastle,,,,,,,,\n"
    report = await import_collection(uow, ACTOR, text, dry_run=False)
    assert (report.rows, report.dry_run, report.created, report.valid) == (7, False, [], False)
    assert [(p.line, p.code, list(p.errors)) for p in report.problems] == [
        (2, "G1", ["dam_code"]),  # CD is not in this collection
        (8, "E1", ["dam_code"]),
        (9, "K9", ["morph"]),
    ]
    assert (uow.animals.rows, uow.commits, uow.outbox.events) == ({}, 0, [])


async def test_a_viewer_cannot_import_not_even_a_dry_run(uow: FakeUnitOfWork) -> None:
    viewer = Actor(ORG, uuid.uuid4(), may_write=False)
    with pytest.raises(PermissionDenied):
        await import_collection(uow, viewer, "species\nball_python\n", dry_run=True)
    with pytest.raises(PermissionDenied):
        await import_collection(uow, viewer, "not a csv", dry_run=False)


async def test_report_errors_name_the_line_and_the_column(uow: FakeUnitOfWork) -> None:
    text = "code,species,sex\nK1,ball_python,x\n\nK1,,\n"
    report = await import_collection(uow, ACTOR, text, dry_run=True)
    assert report_errors(report) == {
        "line 2: sex": "'x' is not one of male, female, unknown",
        "line 4: species": "required",
        "line 4: code": "K1 is also on line 2",
    }
    assert report_errors(ImportReport(1, True, [], [])) == {}


# --- exporting -------------------------------------------------------------------------------


class PagedAnimals(FakeAnimals):
    """The fake repository, recording each search it answers; ``extra`` overstates the total."""

    def __init__(self, extra: int = 0) -> None:
        super().__init__()
        self.queries: list[tuple[uuid.UUID, AnimalQuery]] = []
        self.extra = extra

    async def search(
        self, organisation_id: uuid.UUID, query: AnimalQuery
    ) -> tuple[list[Animal], int]:
        self.queries.append((organisation_id, query))
        page, total = await super().search(organisation_id, query)
        return page, total + self.extra


def paged_uow(extra: int = 0) -> tuple[FakeUnitOfWork, PagedAnimals]:
    uow = FakeUnitOfWork()
    uow.animals = animals = PagedAnimals(extra)
    return uow, animals


async def test_the_export_writes_the_import_columns_in_code_order() -> None:
    uow, _ = paged_uow()
    sire = await stored(uow, "A1", AnimalSex.MALE)
    draft = AnimalDraft(
        "ball_python",
        AnimalSex.FEMALE,
        "Pastel het Clown",
        name="Bee",
        code="B1",
        hatch_date=dt.date(2024, 5, 1),
        origin=Origin.BOUGHT,
        status=Status.FOR_SALE,
        visibility=Visibility.PUBLIC,
        notes='calm, "sweet"',
        tags=("x", "y"),
        sire_id=sire.id,
    )
    bee = await add_animal(uow, ACTOR, draft)
    uow.animals.rows[bee.id] = dataclasses.replace(bee, dam_id=uuid.uuid4())  # not in it
    outside = await stored(uow, "Z1", AnimalSex.MALE, actor=Actor(uuid.uuid4()))
    kid = await add_animal(uow, ACTOR, AnimalDraft("ball_python", code="C1", dam_id=bee.id))
    uow.animals.rows[kid.id] = dataclasses.replace(kid, sire_id=outside.id)
    assert await export_collection(uow, ACTOR) == (
        f"{HEADER}\n"
        "A1,,ball_python,male,Normal,,bred,active,private,,,,\n"
        'B1,Bee,ball_python,female,Pastel het Clown,2024-05-01,bought,for_sale,public,A1,,x;y,"calm, ""sweet"""\n'
        "C1,,ball_python,unknown,Normal,,bred,active,private,,B1,,\n"
    )


@pytest.mark.parametrize(
    ("animals", "extra", "offsets"),
    [
        (0, 0, [0]),
        (3, 0, [0]),
        (500, 0, [0]),
        (1001, 0, [0, 500, 1000]),
        (3, 10, [0, 3]),  # a total larger than the rows: an empty page ends the export
    ],
)
async def test_the_export_reads_the_collection_page_by_page(
    animals: int, extra: int, offsets: list[int]
) -> None:
    uow, repository = paged_uow(extra)
    if animals:
        template = await stored(uow, "T", AnimalSex.MALE)
        uow.animals.rows = {}
        for n in range(animals):
            animal = dataclasses.replace(template, id=uuid.uuid4(), code=f"K{n:04}")
            uow.animals.rows[animal.id] = animal
    lines = (await export_collection(uow, ACTOR)).splitlines()
    assert lines[0] == HEADER
    assert [line.split(",")[0] for line in lines[1:]] == [f"K{n:04}" for n in range(animals)]
    assert repository.queries == [
        (ORG, AnimalQuery(sort="code", limit=500, offset=offset)) for offset in offsets
    ]


async def test_formula_looking_text_is_defused_in_the_export_and_restored_on_import() -> None:
    """A name, code, tag or note a spreadsheet would run as a formula (CSV injection) is
    exported with a leading apostrophe; importing the export gives the text back."""
    uow, _ = paged_uow()
    draft = AnimalDraft(
        "ball_python",
        AnimalSex.MALE,
        "Pastel",
        name='=HYPERLINK("https://evil.example","Zeus")',
        code="+K1",
        notes="@SUM(A1)",
        tags=("-cheap",),
    )
    await add_animal(uow, ACTOR, draft)
    text = await export_collection(uow, ACTOR)
    row = text.splitlines()[1]
    assert row.startswith("'+K1,\"'=HYPERLINK(")
    assert row.endswith(",'-cheap,'@SUM(A1)")
    again = FakeUnitOfWork()
    report = await import_collection(again, ACTOR, text, dry_run=False)
    (made,) = report.created
    assert (made.name, made.code, made.notes, made.tags) == (
        draft.name,
        "+K1",
        "@SUM(A1)",
        ("-cheap",),
    )
