"""The collection: the list of animals (searched, filtered, paged, with thumbnails), adding
and changing one (the morph read as it is typed), an animal's page (genotype, kept het odds
with their explanation, husbandry log with its weight chart, photos, pedigree chart,
certificate) and the CSV import with its dry run."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter

from reptidex.services.web.api import ServiceAnswer, ServiceProblem
from reptidex.services.web.pages import (
    FORM,
    FieldText,
    FormState,
    QueryText,
    form_values,
    page,
    secured,
    see_other,
)
from reptidex.services.web.visitor import CurrentVisitor, Visitor
from reptidex.services.web.weight_chart import Weighing, weight_chart

LongText = Annotated[str, msgspec.Meta(max_length=2_100_000)]
SPECIES = (("ball_python", "Ball python"),)
"""The species the add form offers (value, label)."""
SEXES = (("male", "Male"), ("female", "Female"), ("unknown", "Unknown"))
STATUSES = (
    ("active", "Active"), ("holdback", "Holdback"), ("for_sale", "For sale"),
    ("sold", "Sold"), ("deceased", "Deceased"), ("on_loan", "On loan"),
)  # fmt: skip
LOG_KINDS = (("weight", "Weight"), ("feeding", "Feeding"), ("shed", "Shed"), ("health", "Health"))
FEEDING_RESULTS = (
    ("accepted", "Accepted"), ("refused", "Refused"), ("regurgitated", "Regurgitated"),
)  # fmt: skip
PAGE_SIZE = 25
"""Animals on one page of the list."""
MULTIPART = Body(media_type=RequestEncodingType.MULTI_PART)
NOTICES = {
    "added": "The animal is added.",
    "hatched": "The hatchlings are added.",
    "changed": "The changes are saved.",
    "logged": "The log entry is added.",
    "photo": "The photo is uploaded.",
    "imported": "The animals are imported.",
}
"""The notices a page shows after a form (``?done=<key>``)."""


class AnimalForm(msgspec.Struct, kw_only=True):
    """Adding an animal."""

    name: FieldText = ""
    species: FieldText = "ball_python"
    sex: FieldText = "unknown"
    morph: FieldText = ""
    hatch_date: FieldText = ""


class AnimalChangeForm(msgspec.Struct, kw_only=True):
    """Changing an animal (the species cannot change)."""

    name: FieldText = ""
    species: FieldText = "ball_python"
    sex: FieldText = "unknown"
    morph: FieldText = ""
    hatch_date: FieldText = ""
    status: FieldText = "active"
    notes: FieldText = ""
    expected_morph: FieldText = ""


class LogForm(msgspec.Struct, kw_only=True):
    """A husbandry log entry: the kind and the fields of that kind."""

    kind: FieldText = "weight"
    occurred_on: FieldText = ""
    grams: FieldText = ""
    prey: FieldText = ""
    result: FieldText = "accepted"
    note: FieldText = ""
    notes: FieldText = ""


class PhotoForm(msgspec.Struct, kw_only=True):
    """A photo of the animal, uploaded from the browser."""

    photo: UploadFile | None = None


class ImportForm(msgspec.Struct, kw_only=True):
    """A CSV collection: a file, or the text checked before; ``step`` is ``check`` (the dry
    run) or ``import``."""

    file: UploadFile | None = None
    csv: LongText = ""
    step: FieldText = "check"


async def morph_reading(
    visitor: Visitor, species: str, sex: str, morph: str
) -> tuple[dict[str, Any] | None, str | None]:
    """How repti-animal reads ``morph`` (the prediction's reading of it as a parent, with
    the notes on ambiguous words), or the reason it cannot read it."""
    if not morph.strip():
        return None, None
    side, other = ("dam", "sire") if sex == "female" else ("sire", "dam")
    body = {"species": species, side: morph, other: "Normal"}
    try:
        predicted = (
            await visitor.call("POST", "animal", "/genetics/predict", json=body, anonymous=True)
        ).json()
    except ServiceProblem as problem:
        return None, problem.field_errors.get(side, problem.detail)
    return {"morph": predicted[side], "notes": predicted.get("notes") or []}, None


def log_details(data: LogForm) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The ``details`` of a log entry from the form, or the errors of fields the page can
    tell are wrong before asking (a weight that is not a number)."""
    if data.kind == "weight":
        try:
            grams = float(data.grams.replace(",", "."))
        except ValueError:
            return None, {"grams": "Enter the weight in grams, e.g. 312.5."}
        return {"kind": "weight", "grams": grams}, {}
    if data.kind == "feeding":
        return {"kind": "feeding", "prey": data.prey.strip(), "result": data.result}, {}
    if data.kind == "shed":
        return {"kind": "shed", "complete": True}, {}
    if data.kind == "health":
        return {"kind": "health", "note": data.note.strip()}, {}
    return None, {"kind": "Choose one of the options."}


def log_summary(entry: dict[str, Any]) -> str:
    """What a log entry says, in a few words."""
    details = entry.get("details") or {}
    kind = details.get("kind", entry.get("kind"))
    if kind == "weight":
        return f"{details.get('grams'):g} g"
    if kind == "feeding":
        return f"{details.get('prey')}: {details.get('result')}"
    if kind == "shed":
        return "complete shed" if details.get("complete", True) else "incomplete shed"
    if kind == "health":
        return str(details.get("note", ""))
    if kind == "medication":
        return " ".join(str(v) for v in (details.get("drug"), details.get("dose")) if v)
    if kind == "pairing":
        return str(details.get("event", "")).replace("_", " ")
    return ""


async def _animal_page(
    visitor: Visitor,
    animal_id: uuid.UUID,
    *,
    notice: str | None = None,
    log_form: FormState | None = None,
    photo_form: FormState | None = None,
    status_code: int = 200,
) -> Response[Any]:
    """An animal's page, with its log and weights asked for at once."""
    base = f"/animals/{animal_id}"
    shown, logs, growth = await asyncio.gather(
        visitor.call("GET", "animal", base),
        visitor.call("GET", "animal", f"{base}/logs"),
        visitor.call("GET", "animal", f"{base}/growth"),
    )
    animal = shown.json()
    weighings = [Weighing(dt.date.fromisoformat(p["on"]), float(p["grams"])) for p in growth.json()]
    label = f"Weights of {animal.get('name') or animal['code']}"
    entries = [{**entry, "summary": log_summary(entry)} for entry in reversed(logs.json())]
    return page(
        visitor, "collection/animal.html", status_code=status_code, animal=animal,
        notice=notice, logs=entries, growth=growth.json(),
        chart=weight_chart(weighings, label=label),
        log_form=log_form or FormState(values={"occurred_on": dt.date.today().isoformat()}),
        photo_form=photo_form or FormState(), log_kinds=LOG_KINDS, results=FEEDING_RESULTS,
    )  # fmt: skip


def _file_answer(answer: ServiceAnswer, fallback_type: str) -> Response[Any]:
    """A file from repti-media passed on to the browser (with this site's headers)."""
    response = Response(answer.content, media_type=answer.content_type or fallback_type)
    response = secured(response)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


class CollectionPages(Controller):
    """The collection's pages."""

    path = "/animals"
    include_in_schema = False

    @get("/")
    async def animals(
        self,
        visitor: CurrentVisitor,
        q: QueryText = "",
        species: QueryText = "",
        sex: Annotated[Literal["male", "female", "unknown", ""], QueryParameter()] = "",
        wanted_status: Annotated[str, QueryParameter(name="status", max_length=40)] = "",
        gene: QueryText = "",
        morph: QueryText = "",
        page_number: Annotated[int, QueryParameter(name="page", ge=1, le=100_000)] = 1,
        done: QueryText = "",
    ) -> Response[Any]:
        """The organisation's animals, searched and filtered as repti-animal's list allows,
        a page at a time."""
        filters = {"q": q.strip(), "species": species, "sex": sex, "status": wanted_status,
                   "gene": gene.strip(), "morph": morph.strip()}  # fmt: skip
        params: dict[str, str | int] = {k: v for k, v in filters.items() if v}
        if params.get("morph") and "species" not in params:
            params["species"] = SPECIES[0][0]  # the visual filter needs a species
        params |= {"limit": PAGE_SIZE, "offset": (page_number - 1) * PAGE_SIZE}
        try:
            listed = (await visitor.call("GET", "animal", "/animals", params=params)).json()
        except ServiceProblem as problem:
            if problem.status >= 500 or problem.status in (401, 403):
                raise
            form = FormState.refused(filters, problem, filters.keys())
            return page(
                visitor, "collection/animals.html", status_code=problem.status, form=form,
                animals=[], total=0, pages={}, filtered=True, species=SPECIES, sexes=SEXES, statuses=STATUSES,
                notice=None,
            )  # fmt: skip
        total = int(listed["total"])
        last = max(1, -(-total // PAGE_SIZE))
        kept = {k: v for k, v in filters.items() if v}

        def link(number: int) -> str:
            return "/animals?" + urlencode({**kept, "page": number})

        pages = {
            "number": page_number, "last": last,
            "first_shown": (page_number - 1) * PAGE_SIZE + 1 if listed["items"] else 0,
            "last_shown": (page_number - 1) * PAGE_SIZE + len(listed["items"]),
            "previous": link(page_number - 1) if page_number > 1 else None,
            "next": link(page_number + 1) if page_number < last else None,
        }  # fmt: skip
        return page(
            visitor, "collection/animals.html", form=FormState(values=filters),
            animals=listed["items"], total=total, pages=pages, filtered=bool(kept),
            species=SPECIES, sexes=SEXES, statuses=STATUSES, notice=NOTICES.get(done),
        )  # fmt: skip

    @get("/new")
    async def new_form(self, visitor: CurrentVisitor) -> Response[Any]:
        """The form for a new animal."""
        visitor.session  # noqa: B018 - signed-in breeders only
        return page(
            visitor, "collection/new.html", species=SPECIES, sexes=SEXES, reading=None, error=None
        )

    @get("/morph-reading")
    async def reading(
        self,
        visitor: CurrentVisitor,
        morph: QueryText = "",
        species: QueryText = "ball_python",
        sex: Annotated[Literal["male", "female", "unknown", ""], QueryParameter()] = "",
    ) -> Response[Any]:
        """The partial under the morph field: how the morph typed so far is read."""
        reading, error = await morph_reading(visitor, species, sex, morph)
        return page(visitor, "collection/_morph_reading.html", reading=reading, error=error)

    @post("/", status_code=200)
    async def add(
        self, visitor: CurrentVisitor, data: Annotated[AnimalForm, FORM]
    ) -> Response[Any]:
        """Add the animal; on a refusal, the form again with each message by its field."""
        body: dict[str, Any] = {
            "species": data.species,
            "sex": data.sex,
            "morph": data.morph.strip() or "Normal",
        }
        if data.name.strip():
            body["name"] = data.name.strip()
        if data.hatch_date:
            body["hatch_date"] = data.hatch_date
        try:
            added = (await visitor.call("POST", "animal", "/animals", json=body)).json()
        except ServiceProblem as problem:
            form = FormState.refused(
                form_values(data), problem, ("name", "species", "sex", "morph", "hatch_date")
            )
            reading, _ = await morph_reading(visitor, data.species, data.sex, data.morph)
            return page(
                visitor, "collection/new.html", status_code=problem.status, form=form,
                species=SPECIES, sexes=SEXES, reading=reading, error=None,
            )  # fmt: skip
        return see_other(visitor, f"/animals/{added['id']}?done=added")

    @get("/{animal_id:uuid}")
    async def animal(
        self, visitor: CurrentVisitor, animal_id: FromPath[uuid.UUID], done: QueryText = ""
    ) -> Response[Any]:
        """An animal's page: genotype, kept het odds, log and weights, photos, pedigree."""
        return await _animal_page(visitor, animal_id, notice=NOTICES.get(done))

    @get("/{animal_id:uuid}/edit")
    async def edit_form(
        self, visitor: CurrentVisitor, animal_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """The form to change an animal, filled with what it is."""
        animal = (await visitor.call("GET", "animal", f"/animals/{animal_id}")).json()
        values = {
            "name": animal.get("name") or "", "species": animal["species"], "sex": animal["sex"],
            "morph": animal["genotype"]["morph"], "hatch_date": animal.get("hatch_date") or "",
            "status": animal["status"], "notes": animal.get("notes") or "",
            "expected_morph": animal["genotype"]["morph"],
        }  # fmt: skip
        reading, _ = await morph_reading(visitor, values["species"], values["sex"], values["morph"])
        return page(
            visitor, "collection/edit.html", animal=animal, form=FormState(values=values),
            sexes=SEXES, statuses=STATUSES, reading=reading, error=None,
        )  # fmt: skip

    @post("/{animal_id:uuid}/edit", status_code=200)
    async def change(
        self,
        visitor: CurrentVisitor,
        animal_id: FromPath[uuid.UUID],
        data: Annotated[AnimalChangeForm, FORM],
    ) -> Response[Any]:
        """Change the animal (PATCH); a new morph only if it was still the one the form
        showed; on a refusal, the form again with each message by its field."""
        morph = data.morph.strip() or "Normal"
        body: dict[str, Any] = {
            "name": data.name.strip() or None, "sex": data.sex, "morph": morph,
            "hatch_date": data.hatch_date or None, "status": data.status,
            "notes": data.notes.strip() or None,
        }  # fmt: skip
        if data.expected_morph and morph != data.expected_morph:
            body["expected_morph"] = data.expected_morph
        try:
            await visitor.call("PATCH", "animal", f"/animals/{animal_id}", json=body)
        except ServiceProblem as problem:
            fields = {name: name for name in body} | {"expected_morph": "morph"}
            form = FormState.refused(form_values(data), problem, fields)
            animal, (reading, _) = await asyncio.gather(
                visitor.call("GET", "animal", f"/animals/{animal_id}"),
                morph_reading(visitor, data.species, data.sex, data.morph),
            )
            return page(
                visitor, "collection/edit.html", status_code=problem.status, form=form,
                animal=animal.json(), sexes=SEXES, statuses=STATUSES, reading=reading, error=None,
            )  # fmt: skip
        return see_other(visitor, f"/animals/{animal_id}?done=changed")

    @post("/{animal_id:uuid}/logs", status_code=200)
    async def add_log(
        self,
        visitor: CurrentVisitor,
        animal_id: FromPath[uuid.UUID],
        data: Annotated[LogForm, FORM],
    ) -> Response[Any]:
        """Add a husbandry log entry; on a refusal, the page again with the message by the
        field."""
        details, errors = log_details(data)
        if details is None:
            form = FormState(values=form_values(data), errors=errors)
            return await _animal_page(visitor, animal_id, log_form=form, status_code=422)
        body: dict[str, Any] = {"occurred_on": data.occurred_on, "details": details}
        if data.notes.strip():
            body["notes"] = data.notes.strip()
        try:
            await visitor.call("POST", "animal", f"/animals/{animal_id}/logs", json=body)
        except ServiceProblem as problem:
            fields = ("occurred_on", "kind", "grams", "prey", "result", "note", "notes")
            form = FormState.refused(form_values(data), problem, fields)
            return await _animal_page(visitor, animal_id, log_form=form, status_code=problem.status)
        return see_other(visitor, f"/animals/{animal_id}?done=logged#log")

    @post("/{animal_id:uuid}/photos", status_code=200)
    async def upload_photo(
        self,
        visitor: CurrentVisitor,
        animal_id: FromPath[uuid.UUID],
        data: Annotated[PhotoForm, MULTIPART],
    ) -> Response[Any]:
        """Upload a photo to repti-media with the animal's id, then add it to the animal's
        photos; on a refusal, the page again with the message by the field."""
        content = await data.photo.read() if data.photo is not None else b""
        if not content:
            form = FormState(errors={"photo": "Choose a photo to upload."})
            return await _animal_page(visitor, animal_id, photo_form=form, status_code=422)
        assert data.photo is not None
        upload = (data.photo.filename or "photo", content, data.photo.content_type)
        try:
            stored = (
                await visitor.call(
                    "POST", "media", "/upload", files={"file": upload},
                    form={"animal_id": str(animal_id)},
                )
            ).json()  # fmt: skip
            animal = (await visitor.call("GET", "animal", f"/animals/{animal_id}")).json()
            photos = [*animal.get("photo_ids", []), stored["id"]]
            await visitor.call(
                "PATCH", "animal", f"/animals/{animal_id}",
                json={"photo_ids": list(dict.fromkeys(photos))},
            )  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused({}, problem, {"file": "photo", "photo_ids": "photo"})
            return await _animal_page(
                visitor, animal_id, photo_form=form, status_code=problem.status
            )
        return see_other(visitor, f"/animals/{animal_id}?done=photo#photos")

    @get("/{animal_id:uuid}/photos/{file_id:uuid}")
    async def photo(
        self,
        visitor: CurrentVisitor,
        animal_id: FromPath[uuid.UUID],
        file_id: FromPath[uuid.UUID],
        variant: Annotated[
            Literal["original", "thumb-128", "thumb-256", "thumb-512"], QueryParameter()
        ] = "thumb-256",
    ) -> Response[Any]:
        """A photo's bytes (or a thumbnail's) from repti-media, with the breeder's rights;
        only images (a PDF kept in repti-media is not served as a photo of this site)."""
        visitor.session  # noqa: B018 - signed-in breeders only
        answer = await visitor.call(
            "GET", "media", f"/media/{file_id}", params={"variant": variant}
        )
        if not answer.content_type.startswith("image/"):
            raise NotFoundException("This file is not a photo.")
        return _file_answer(answer, "image/jpeg")

    @get("/{animal_id:uuid}/pedigree.svg")
    async def pedigree(
        self,
        visitor: CurrentVisitor,
        animal_id: FromPath[uuid.UUID],
        generations: Annotated[int, QueryParameter(ge=2, le=8)] = 4,
    ) -> Response[Any]:
        """The animal's pedigree chart, drawn by repti-media as SVG (shown as an image, so
        nothing in it runs)."""
        answer = await visitor.call(
            "GET", "media", f"/render/pedigree/{animal_id}",
            params={"format": "svg", "generations": generations},
        )  # fmt: skip
        return _file_answer(answer, "image/svg+xml")

    @get("/{animal_id:uuid}/certificate")
    async def certificate(
        self, visitor: CurrentVisitor, animal_id: FromPath[uuid.UUID]
    ) -> Response[bytes]:
        """The animal's certificate (PDF from repti-media), as a download."""
        answer = await visitor.call(
            "GET", "media", f"/render/certificate/{animal_id}", params={"format": "pdf"}
        )
        name = answer.filename or f"certificate-{animal_id}.pdf"
        response = Response(
            answer.content,
            media_type=answer.content_type or "application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
        return secured(response)

    @get("/import")
    async def import_form(self, visitor: CurrentVisitor) -> Response[Any]:
        """The CSV import's form."""
        visitor.session  # noqa: B018 - signed-in breeders only
        return page(visitor, "collection/import.html", report=None, csv="")

    @post("/import", status_code=200)
    async def import_csv(
        self, visitor: CurrentVisitor, data: Annotated[ImportForm, MULTIPART]
    ) -> Response[Any]:
        """Check the CSV (repti-animal's dry run: every row's problems) or, after a clean
        check, import it."""
        text = data.csv
        if data.file is not None:
            content = await data.file.read()
            if content:
                try:
                    text = content.decode("utf-8-sig")
                except UnicodeDecodeError:
                    form = FormState(errors={"file": "The file is not UTF-8 text; save the "
                                                     "CSV as UTF-8."})  # fmt: skip
                    return page(visitor, "collection/import.html", status_code=422, form=form,
                                report=None, csv="")  # fmt: skip
        if not text.strip():
            form = FormState(errors={"file": "Choose a CSV file."})
            return page(visitor, "collection/import.html", status_code=422, form=form,
                        report=None, csv="")  # fmt: skip
        dry_run = data.step != "import"
        try:
            report = (
                await visitor.call(
                    "POST", "animal", "/animals/import", json={"csv": text, "dry_run": dry_run}
                )
            ).json()
        except ServiceProblem as problem:
            form = FormState.refused({}, problem, {"csv": "file", "file": "file"})
            return page(visitor, "collection/import.html", status_code=problem.status,
                        form=form, report=None, csv=text)  # fmt: skip
        if not dry_run:
            return see_other(visitor, "/animals?done=imported")
        return page(visitor, "collection/import.html", report=report, csv=text)
