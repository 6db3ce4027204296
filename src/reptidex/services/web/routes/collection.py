"""The collection: the list of animals, adding one (the morph read as it is typed), an animal's
page and its certificate."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath, QueryParameter

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.pages import (
    FORM,
    FormState,
    QueryText,
    form_values,
    page,
    secured,
    see_other,
)
from reptidex.services.web.visitor import CurrentVisitor, Visitor

Text = Annotated[str, msgspec.Meta(max_length=1024)]
SPECIES = (("ball_python", "Ball python"),)
"""The species the add form offers (value, label)."""
SEXES = (("male", "Male"), ("female", "Female"), ("unknown", "Unknown"))


class AnimalForm(msgspec.Struct, kw_only=True):
    """Adding an animal."""

    name: Text = ""
    species: Text = "ball_python"
    sex: Text = "unknown"
    morph: Text = ""
    hatch_date: Text = ""


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


class CollectionPages(Controller):
    """The collection's pages."""

    path = "/animals"
    include_in_schema = False

    @get("/")
    async def animals(self, visitor: CurrentVisitor) -> Response[Any]:
        """The organisation's animals."""
        listed = (await visitor.call("GET", "animal", "/animals", params={"limit": 100})).json()
        return page(visitor, "collection/animals.html", animals=listed["items"])

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
        """An animal's page: its genotype as read, its parents, what can be done with it."""
        shown = (await visitor.call("GET", "animal", f"/animals/{animal_id}")).json()
        notice = {"added": "The animal is added.", "hatched": "The hatchlings are added."}
        return page(visitor, "collection/animal.html", animal=shown, notice=notice.get(done))

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
