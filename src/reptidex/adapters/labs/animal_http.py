"""The caller's animals in repti-animal, for a lab results import: looked up by id
(``GET /animals/{id}``) or by code (``GET /animals?q=``, the exact code kept), and changed
through ``PATCH /animals/{id}`` with the new morph, the morph it replaces (``expected_morph``)
and the lab report as ``genotype_source``.

Every call carries the caller's own bearer token, so repti-animal answers only for the
caller's organisation (another organisation's animal is a 404: unknown) and checks the
caller's right to change it, and its audit record names the caller."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, Protocol, TypeVar

import httpx
import msgspec

from reptidex.domain.errors import NotAuthenticated, PermissionDenied
from reptidex.domain.integrations.labs.model import LabAnimal
from reptidex.domain.integrations.labs.ports import AnimalsUnavailable, ChangeRefused

T = TypeVar("T")

CODE_MATCHES = 500
"""Animals read for one code (the search matches codes, names, morphs and notes; the
exact code is kept among them)."""


class Peers(Protocol):
    """The part of the kernel's peer client this adapter uses."""

    async def request(self, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response:
        """``method`` ``path`` on ``service``."""
        ...


class _PossibleHet(msgspec.Struct, frozen=True):
    gene: str
    probability: str


class _Genotype(msgspec.Struct, frozen=True):
    morph: str
    traits: list[str] = []
    hets: list[str] = []
    possible_hets: list[_PossibleHet] = []
    certain_phenotype: bool = True


class _Animal(msgspec.Struct, frozen=True):
    id: uuid.UUID
    code: str
    species: str
    sex: str
    genotype: _Genotype


class _Page(msgspec.Struct, frozen=True):
    items: list[_Animal]


def _lab_animal(body: _Animal) -> LabAnimal:
    g = body.genotype
    return LabAnimal(
        id=body.id,
        code=body.code,
        species=body.species,
        sex=body.sex,
        morph=g.morph,
        traits=tuple(g.traits),
        hets=tuple(g.hets),
        possible_hets={h.gene: Fraction(h.probability) for h in g.possible_hets},
        certain_phenotype=g.certain_phenotype,
    )


def _reference_id(reference: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(reference)
    except ValueError:
        return None


class HttpLabAnimals:
    """The :class:`~reptidex.domain.integrations.labs.ports.LabAnimals` port on repti-animal,
    through the kernel's peer client (timeouts, request id)."""

    def __init__(self, peers: Callable[[], Peers]) -> None:
        self._peers = peers

    async def _call(
        self, method: str, path: str, credential: str | None, **kwargs: Any
    ) -> httpx.Response:
        if not credential:
            raise NotAuthenticated("A lab import needs the caller's access token.")
        headers = {"Authorization": f"Bearer {credential}"}
        try:
            return await self._peers().request(method, "animal", path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise AnimalsUnavailable(
                f"repti-animal could not be reached: {type(error).__name__}."
            ) from None

    @staticmethod
    def _refused_access(response: httpx.Response) -> None:
        if response.status_code == 401:
            raise NotAuthenticated("repti-animal refused the credentials.")
        if response.status_code == 403:
            raise PermissionDenied("repti-animal does not let this caller read the collection.")

    async def find(self, reference: str, *, credential: str | None) -> LabAnimal | None:
        """The animal with this id or code in the caller's collection, or ``None``."""
        animal_id = _reference_id(reference)
        if animal_id is not None:
            response = await self._call("GET", f"/animals/{animal_id}", credential)
            self._refused_access(response)
            if response.status_code == 404:
                return None
            return _lab_animal(self._decode(response, _Animal))
        response = await self._call(
            "GET", "/animals", credential, params={"q": reference, "limit": CODE_MATCHES}
        )
        self._refused_access(response)
        page = self._decode(response, _Page)
        exact = [a for a in page.items if a.code == reference]
        if not exact:
            exact = [a for a in page.items if a.code.casefold() == reference.casefold()]
        return _lab_animal(exact[0]) if len(exact) == 1 else None

    @staticmethod
    def _decode(response: httpx.Response, kind: type[T]) -> T:
        if response.status_code != 200:
            raise AnimalsUnavailable(f"repti-animal answered {response.status_code}.")
        try:
            return msgspec.json.decode(response.content, type=kind)
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as error:
            raise AnimalsUnavailable(f"repti-animal's answer did not parse: {error}.") from None

    async def change_morph(
        self,
        animal_id: uuid.UUID,
        morph: str,
        *,
        expected_morph: str,
        source: Mapping[str, str | None],
        credential: str | None,
    ) -> None:
        """``PATCH /animals/{id}``: the new morph, if the morph is still ``expected_morph``."""
        body = {"morph": morph, "expected_morph": expected_morph, "genotype_source": dict(source)}
        response = await self._call("PATCH", f"/animals/{animal_id}", credential, json=body)
        if response.status_code == 200:
            return
        if response.status_code in (401, 403, 404, 409, 422):
            try:
                detail = str(msgspec.json.decode(response.content).get("detail", ""))
            except (msgspec.DecodeError, AttributeError):
                detail = ""
            raise ChangeRefused(
                f"repti-animal refused the change ({response.status_code}): {detail}".strip()
            )
        raise AnimalsUnavailable(f"repti-animal answered {response.status_code} to the change.")
