"""The public genetics calculator: a cross of two morphs with exact odds, suggestions of the
species' genes as a morph is typed, clutch-size odds and proving out a possible het.

Every page here is a GET form: its address holds the question, so a link reproduces the
answer. Nothing needs an account; the calls are repti-animal's public ``/genetics`` and
``/taxonomy`` operations.
"""

from __future__ import annotations

import asyncio
import math
import re
from fractions import Fraction
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Response, get
from litestar.params import QueryParameter

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.pages import FormState, QueryText, page
from reptidex.services.web.routes.breeding import percent
from reptidex.services.web.visitor import CurrentVisitor, Visitor

SHOWN_WHEN_CAPPED = 100
"""Outcomes a pairing too big for one prediction is shown with (its most likely ones)."""
SUGGESTIONS = 12
"""Completions offered under a morph field at most."""
GENES_PER_SPECIES = 500
"""Genes of a species asked for at once (repti-animal's largest page)."""
OffspringText = Annotated[str, QueryParameter(max_length=20_000)]
_COUNTED = re.compile(r"^(\d{1,3})\s*[x×]\s+(.+)$", re.IGNORECASE)


def possible_het(gene: str, probability: str) -> str:
    """A possible het as breeders write it: the percentage cut to a whole number, then the
    exact odds.

    >>> possible_het("Clown", "2/3")
    '66% het Clown (2/3)'
    >>> possible_het("Pied", "1/2")
    '50% het Pied (1/2)'
    >>> possible_het("Clown", "1")
    'het Clown'
    """
    odds = Fraction(probability)
    if odds >= 1:
        return f"het {gene}"
    return f"{math.floor(odds * 100)}% het {gene} ({probability})"


def completions(typed: str, names: list[str], most: int = SUGGESTIONS) -> list[str]:
    """Morphs completing the last word(s) of ``typed`` with a gene name (case-insensitive),
    the words before kept as typed.

    >>> completions("Pastel het Cl", ["Clown", "Cinnamon", "Pastel"])
    ['Pastel het Clown']
    >>> completions("yellow b", ["Yellow Belly", "Banana"])
    ['Yellow Belly', 'yellow Banana']
    >>> completions("", ["Clown"])
    []
    """
    words = typed.split()
    if not words or typed.endswith(" "):
        return []
    found: list[str] = []
    for take in range(min(3, len(words)), 0, -1):
        head, tail = words[:-take], " ".join(words[-take:]).lower()
        for name in names:
            if name.lower().startswith(tail) and name.lower() != tail:
                proposed = " ".join([*head, name])
                if proposed not in found:
                    found.append(proposed)
    return found[:most]


def offspring_list(text: str) -> list[str]:
    """The hatchlings of the het-proof form: one morph a line, or ``6 x Normal`` for six.

    >>> offspring_list("Normal\\n2 x Clown\\n\\n")
    ['Normal', 'Clown', 'Clown']
    """
    hatchlings: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        counted = _COUNTED.match(line)
        if counted:
            hatchlings += [counted.group(2).strip()] * int(counted.group(1))
        elif line:
            hatchlings.append(line)
    return hatchlings


def _number(text: str) -> int | str:
    """A whole number as typed, or the text for the service to refuse beside its field."""
    return int(text) if text.strip().isdigit() else text.strip()


async def species_options(visitor: Visitor) -> list[tuple[str, str]]:
    """The species with a gene catalog (id, name)."""
    found = await visitor.call(
        "GET", "animal", "/taxonomy/species", params={"limit": 50}, anonymous=True
    )
    return [(s["id"], s["name"]) for s in found.json()["items"]]


async def gene_names(visitor: Visitor, species: str) -> list[str]:
    """The names of a species' genes and of their super forms (none for an unknown species)."""
    try:
        found = await visitor.call(
            "GET", "animal", f"/taxonomy/species/{quote(species, safe='')}/genes",
            params={"limit": GENES_PER_SPECIES}, anonymous=True,
        )  # fmt: skip
    except ServiceProblem:
        return []
    names: list[str] = []
    for gene in found.json()["items"]:
        names += [gene["name"]] + ([gene["super_name"]] if gene.get("super_name") else [])
    return names


async def predict(
    visitor: Visitor, body: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """repti-animal's prediction of ``body``; a pairing with more outcomes than one prediction
    lists comes back as its most likely ones, with the service's reason as the second value."""
    try:
        answer = await visitor.call(
            "POST", "animal", "/genetics/predict", json=body, anonymous=True
        )
        return answer.json(), None
    except ServiceProblem as problem:
        if "top" not in problem.field_errors or problem.status != 422:
            raise
        capped = problem.detail.split(". Ask")[0].rstrip(".") + "."
    answer = await visitor.call(
        "POST", "animal", "/genetics/predict",
        json={**body, "top": SHOWN_WHEN_CAPPED}, anonymous=True,
    )  # fmt: skip
    return answer.json(), capped


class GeneticsPages(Controller):
    """The genetics calculator's pages (public)."""

    path = "/genetics"
    include_in_schema = False

    @get("/")
    async def calculator(
        self,
        visitor: CurrentVisitor,
        species: QueryText = "ball_python",
        sire: QueryText = "",
        dam: QueryText = "",
        eggs: QueryText = "",
        viable: QueryText = "",
    ) -> Response[Any]:
        """The calculator; with both morphs in the address, the predicted clutch."""
        values = {"species": species, "sire": sire, "dam": dam, "eggs": eggs, "viable": viable}
        body: dict[str, Any] = {"species": species, "sire": sire.strip(), "dam": dam.strip()}
        if eggs.strip():
            body["clutch_size"] = _number(eggs)
        if viable:
            body["viable_only"] = True
        asked = bool(sire.strip() or dam.strip())
        form = FormState(values=values)
        prediction, capped, status = None, None, 200
        options, names = await asyncio.gather(
            species_options(visitor), gene_names(visitor, species)
        )
        if asked:
            try:
                prediction, capped = await predict(visitor, body)
            except ServiceProblem as problem:
                fields = {"species": "species", "sire": "sire", "dam": "dam",
                          "clutch_size": "eggs", "viable_only": "viable"}  # fmt: skip
                form = FormState.refused(values, problem, fields)
                status = problem.status
        return page(
            visitor, "genetics/calculator.html", status_code=status, form=form,
            species=options, genes=names, prediction=prediction, capped=capped,
            percent=percent, possible_het=possible_het,
        )  # fmt: skip

    @get("/suggestions")
    async def suggestions(
        self,
        visitor: CurrentVisitor,
        species: QueryText = "ball_python",
        sire: QueryText = "",
        dam: QueryText = "",
        target: QueryText = "",
        animal: QueryText = "",
        mate: QueryText = "",
    ) -> Response[Any]:
        """The partial under a morph field: the options completing what is typed so far."""
        typed = sire or dam or target or animal or mate
        names = await gene_names(visitor, species)
        offered = completions(typed, names) if typed.strip() else names
        return page(visitor, "genetics/_suggestions.html", suggestions=offered)

    @get("/het-proof")
    async def het_proof(
        self,
        visitor: CurrentVisitor,
        species: QueryText = "ball_python",
        animal: QueryText = "",
        animal_is: QueryText = "sire",
        mate: QueryText = "",
        gene: QueryText = "",
        offspring: OffspringText = "",
    ) -> Response[Any]:
        """Proving out a possible het: the odds that an animal carries a gene after the
        offspring it gave with a mate."""
        values = {"species": species, "animal": animal, "animal_is": animal_is, "mate": mate,
                  "gene": gene, "offspring": offspring}  # fmt: skip
        form = FormState(values=values)
        options, names = await asyncio.gather(
            species_options(visitor), gene_names(visitor, species)
        )
        proof, status = None, 200
        if any(v.strip() for v in (animal, mate, gene, offspring)):
            body = {"species": species, "animal": animal.strip(), "mate": mate.strip(),
                    "gene": gene.strip(), "offspring": offspring_list(offspring),
                    "animal_is": animal_is}  # fmt: skip
            try:
                proof = (
                    await visitor.call(
                        "POST", "animal", "/genetics/het-probability", json=body, anonymous=True
                    )
                ).json()
            except ServiceProblem as problem:
                problem.field_errors = {
                    ("offspring" if name.startswith("offspring") else name): text
                    for name, text in problem.field_errors.items()
                }
                fields = ("species", "animal", "animal_is", "mate", "gene", "offspring")
                form = FormState.refused(values, problem, fields)
                status = problem.status
        return page(
            visitor, "genetics/het_proof.html", status_code=status, form=form, species=options,
            genes=names, proof=proof, hatchlings=len(offspring_list(offspring)), percent=percent,
        )  # fmt: skip
