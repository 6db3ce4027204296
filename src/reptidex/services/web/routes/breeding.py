"""Breeding: pairs with their predicted clutch, clutches and their hatchlings."""

from __future__ import annotations

import asyncio
import uuid
from fractions import Fraction
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.pages import (
    FORM,
    FieldText,
    FormState,
    QueryText,
    form_values,
    page,
    see_other,
)
from reptidex.services.web.visitor import CurrentVisitor, Visitor

HATCHLING_ROWS = 6
"""Rows of the hatchlings form (blank rows are skipped)."""
PICKABLE = 50
"""Animals of each sex the pair form offers: the newest, or those a search finds."""
HATCHLINGS_SHOWN = 200
"""The most hatchlings a clutch's page lists (repti-animal's collection filtered by the
clutch, in the order they were registered)."""


class PairForm(msgspec.Struct, kw_only=True):
    """Pairing a sire and a dam."""

    sire_id: FieldText = ""
    dam_id: FieldText = ""


class ClutchForm(msgspec.Struct, kw_only=True):
    """Recording a clutch of a pair."""

    laid_on: FieldText = ""
    eggs: FieldText = ""


class HatchlingsForm(msgspec.Struct, kw_only=True):
    """Registering hatchlings: the hatch date and one morph and sex per row."""

    hatched_on: FieldText = ""
    morph: list[FieldText] = msgspec.field(default_factory=list)
    sex: list[FieldText] = msgspec.field(default_factory=list)


def percent(probability: str) -> str:
    """An exact probability as a percentage a breeder reads, to two decimals at most.

    >>> percent("1/4")
    '25%'
    >>> percent("1/3")
    '33.33%'
    """
    value = Fraction(probability) * 100
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


async def _animals(visitor: Visitor, **params: str | int) -> list[dict[str, Any]]:
    """Animals of the collection, the newest first, filtered by ``params``."""
    query: dict[str, str | int] = {"limit": PICKABLE, "sort": "created_at", "order": "desc"}
    found = await visitor.call("GET", "animal", "/animals", params={**query, **params})
    items: list[dict[str, Any]] = found.json()["items"]
    return items


class BreedingPages(Controller):
    """The breeding pages."""

    path = "/breeding"
    include_in_schema = False

    @get("/pairs")
    async def pairs(
        self, visitor: CurrentVisitor, sire_q: QueryText = "", dam_q: QueryText = ""
    ) -> Response[Any]:
        """The organisation's pairs, and the form pairing two of its animals: the newest
        males and females, or those the searches (name, code or morph) find."""
        return await self._pairs_page(visitor, FormState(), sire_q=sire_q, dam_q=dam_q)

    async def _pairs_page(
        self,
        visitor: Visitor,
        form: FormState,
        status_code: int = 200,
        *,
        sire_q: str = "",
        dam_q: str = "",
    ) -> Response[Any]:
        def search(sex: str, text: str) -> dict[str, str]:
            return {"sex": sex, "q": text.strip()} if text.strip() else {"sex": sex}

        males, females, paired = await asyncio.gather(
            _animals(visitor, **search("male", sire_q)),
            _animals(visitor, **search("female", dam_q)),
            visitor.call("GET", "animal", "/breeding/pairs"),
        )
        pairs = paired.json()
        return page(
            visitor, "breeding/pairs.html", status_code=status_code, form=form, pairs=pairs,
            animals={str(a["id"]): a for a in (*males, *females)}, males=males, females=females,
            sire_q=sire_q, dam_q=dam_q, pickable=PICKABLE,
        )  # fmt: skip

    @post("/pairs", status_code=200)
    async def pair(self, visitor: CurrentVisitor, data: Annotated[PairForm, FORM]) -> Response[Any]:
        """Pair the sire and the dam; their page shows the predicted clutch."""
        try:
            paired = (
                await visitor.call(
                    "POST", "animal", "/breeding/pairs",
                    json={"sire_id": data.sire_id, "dam_id": data.dam_id},
                )
            ).json()  # fmt: skip
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("sire_id", "dam_id"))
            return await self._pairs_page(visitor, form, problem.status)
        return see_other(visitor, f"/breeding/pairs/{paired['id']}")

    @get("/pairs/{pair_id:uuid}")
    async def pair_page(
        self, visitor: CurrentVisitor, pair_id: FromPath[uuid.UUID], done: QueryText = ""
    ) -> Response[Any]:
        """A pair: its parents, the predicted clutch (exact odds and percentages), its
        clutches, and the form recording a clutch."""
        return await self._pair_page(visitor, pair_id, FormState())

    async def _pair_page(
        self,
        visitor: Visitor,
        pair_id: uuid.UUID,
        form: FormState,
        status_code: int = 200,
    ) -> Response[Any]:
        pair = (await visitor.call("GET", "animal", f"/breeding/pairs/{pair_id}")).json()
        answers = await asyncio.gather(
            visitor.call("GET", "animal", f"/animals/{pair['sire_id']}"),
            visitor.call("GET", "animal", f"/animals/{pair['dam_id']}"),
            visitor.call("GET", "animal", "/breeding/clutches", params={"pair_id": str(pair_id)}),
        )
        sire, dam, clutches = (answer.json() for answer in answers)
        return page(
            visitor, "breeding/pair.html", status_code=status_code, form=form, pair=pair,
            sire=sire, dam=dam, prediction=pair.get("prediction"), percent=percent,
            clutches=clutches if isinstance(clutches, list) else clutches.get("items", []),
        )  # fmt: skip

    @post("/pairs/{pair_id:uuid}/clutches", status_code=200)
    async def record_clutch(
        self,
        visitor: CurrentVisitor,
        pair_id: FromPath[uuid.UUID],
        data: Annotated[ClutchForm, FORM],
    ) -> Response[Any]:
        """Record a clutch of the pair."""
        body: dict[str, Any] = {"pair_id": str(pair_id), "laid_on": data.laid_on}
        if data.eggs.strip():
            body["eggs"] = int(data.eggs) if data.eggs.strip().isdigit() else data.eggs
        try:
            clutch = (await visitor.call("POST", "animal", "/breeding/clutches", json=body)).json()
        except ServiceProblem as problem:
            form = FormState.refused(form_values(data), problem, ("laid_on", "eggs"))
            return await self._pair_page(visitor, pair_id, form, problem.status)
        return see_other(visitor, f"/breeding/clutches/{clutch['id']}")

    @get("/clutches/{clutch_id:uuid}")
    async def clutch(
        self, visitor: CurrentVisitor, clutch_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        """A clutch, its hatchlings and the form registering hatchlings."""
        return await self._clutch_page(visitor, clutch_id, FormState())

    async def _clutch_page(
        self,
        visitor: Visitor,
        clutch_id: uuid.UUID,
        form: FormState,
        status_code: int = 200,
    ) -> Response[Any]:
        clutch = (await visitor.call("GET", "animal", f"/breeding/clutches/{clutch_id}")).json()
        hatchlings = await _animals(
            visitor, clutch_id=str(clutch_id), limit=HATCHLINGS_SHOWN, order="asc"
        )
        return page(
            visitor, "breeding/clutch.html", status_code=status_code, form=form, clutch=clutch,
            hatchlings=hatchlings, rows=range(HATCHLING_ROWS),
        )  # fmt: skip

    @post("/clutches/{clutch_id:uuid}/hatchlings", status_code=200)
    async def hatch(
        self,
        visitor: CurrentVisitor,
        clutch_id: FromPath[uuid.UUID],
        data: Annotated[HatchlingsForm, FORM],
    ) -> Response[Any]:
        """Register the rows with a morph or a sex as hatchlings of the clutch."""
        rows = [
            {"morph": morph.strip() or "Normal", "sex": sex or "unknown"}
            for morph, sex in zip(data.morph, data.sex + [""] * len(data.morph), strict=False)
            if morph.strip()
        ]
        body = {"hatched_on": data.hatched_on, "hatchlings": rows}
        try:
            await visitor.call(
                "POST", "animal", f"/breeding/clutches/{clutch_id}/hatchlings", json=body
            )
        except ServiceProblem as problem:
            values = {"hatched_on": data.hatched_on, "morph": data.morph, "sex": data.sex}
            form = FormState.refused(values, problem, ("hatched_on", "hatchlings", "morph"))
            return await self._clutch_page(visitor, clutch_id, form, problem.status)
        return see_other(visitor, f"/breeding/clutches/{clutch_id}")
