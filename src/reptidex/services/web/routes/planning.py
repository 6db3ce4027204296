"""Breeding beside the pairs: the pairing planner for a target morph and the season
statistics with their charts (repti-animal's ``POST /breeding/plan`` and
``GET /breeding/statistics``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get
from litestar.params import QueryParameter

from reptidex.services.web.api import ServiceProblem
from reptidex.services.web.charts import Series, bar_chart
from reptidex.services.web.pages import FormState, QueryText, page
from reptidex.services.web.routes.breeding import percent
from reptidex.services.web.routes.genetics import gene_names, species_options
from reptidex.services.web.visitor import CurrentVisitor, Visitor

ONE_BY_ONE = 12
"""Animals the statistics per female or per pair name by asking for each."""
NAMED = 500
"""Animals (the newest) among which the statistics look for more names than that."""
GROUPS = (("season", "Season"), ("female", "Female"), ("pair", "Pair"))
COI_MESSAGE = "Give the COI limit as a percentage from 0 to 100, e.g. 12.5."


def coi_limit(text: str) -> float | None:
    """The COI limit typed as a percentage, as the fraction repti-animal takes (``None`` when
    it is not a percentage).

    >>> coi_limit("12.5")
    0.125
    >>> coi_limit("6,25")
    0.0625
    >>> coi_limit("101") is None, coi_limit("a lot") is None
    (True, True)
    """
    try:
        value = float(text.strip().rstrip("%").replace(",", "."))
    except ValueError:
        return None
    return value / 100 if 0 <= value <= 100 else None


async def _names(visitor: Visitor, ids: set[str]) -> dict[str, str]:
    """The names (or codes) of the animals ``ids``: asked one by one when they are a few
    (repti-animal lists no animals by id), else found among the newest animals."""

    async def one(animal_id: str) -> list[dict[str, Any]]:
        try:
            return [(await visitor.call("GET", "animal", f"/animals/{animal_id}")).json()]
        except ServiceProblem:  # gone from the collection (sold): its id stands in
            return []

    if len(ids) <= ONE_BY_ONE:
        found = [a for some in await asyncio.gather(*map(one, sorted(ids))) for a in some]
    else:
        listed = await visitor.call(
            "GET", "animal", "/animals",
            params={"limit": NAMED, "sort": "created_at", "order": "desc"},
        )  # fmt: skip
        found = listed.json()["items"]
    return {str(a["id"]): a.get("name") or a["code"] for a in found}


def _label(row: dict[str, Any], group: str, names: dict[str, str], pairs: dict[str, Any]) -> str:
    key = str(row["key"])
    if group == "female":
        return names.get(key, key[:8])
    if group == "pair":
        pair = pairs.get(key)
        if pair is None:
            return key[:8]
        sire = names.get(str(pair["sire_id"]), "sire")
        dam = names.get(str(pair["dam_id"]), "dam")
        return f"{sire} × {dam} ({pair['season']})"
    return key


def statistics_charts(rows: list[dict[str, Any]], labels: list[str], by: str) -> list[str]:
    """The two charts of the statistics: eggs, fertile eggs and hatchlings per group; the
    hatch rate per group."""
    eggs = bar_chart(
        "eggs-chart", f"Eggs and hatchlings per {by}",
        f"Bars of eggs, fertile eggs and hatchlings for each {by}; the table below has the "
        "same numbers.",
        labels,
        [Series("Eggs", tuple(r["eggs"] for r in rows)),
         Series("Fertile", tuple(r["fertile"] for r in rows)),
         Series("Hatched", tuple(r["hatched"] for r in rows))],
    )  # fmt: skip
    rates = bar_chart(
        "hatch-rate-chart", f"Hatch rate per {by}",
        f"Bars of the hatch rate (hatched over fertile eggs) for each {by}, in percent; the "
        "table below has the same numbers.",
        labels,
        [Series("Hatch rate", tuple(None if r["hatch_rate"] is None else 100 * r["hatch_rate"]
                                    for r in rows))],
        unit="%", ceiling=100,
    )  # fmt: skip
    return [eggs, rates]


class PlanningPages(Controller):
    """The pairing planner and the breeding statistics."""

    path = "/breeding"
    include_in_schema = False

    @get("/plan")
    async def plan(
        self,
        visitor: CurrentVisitor,
        species: QueryText = "ball_python",
        target: QueryText = "",
        max_coi: QueryText = "12.5",
        viable: QueryText = "",
    ) -> Response[Any]:
        """The planner: the organisation's pairings ranked by their odds per egg of the
        target morph, within the COI limit."""
        membership = visitor.session.organisation
        can_pair = membership is not None and membership.role != "viewer"  # repti-animal's rule
        values = {"species": species, "target": target, "max_coi": max_coi, "viable": viable}
        form = FormState(values=values)
        options, names = await asyncio.gather(
            species_options(visitor), gene_names(visitor, species)
        )
        plan, status = None, 200
        if target.strip():
            limit = coi_limit(max_coi)
            if limit is None:
                form = FormState(values=values, errors={"max_coi": COI_MESSAGE})
                status = 422
            else:
                body = {"species": species, "target": target.strip(), "max_coi": limit,
                        "viable_only": bool(viable)}  # fmt: skip
                try:
                    plan = (
                        await visitor.call("POST", "animal", "/breeding/plan", json=body)
                    ).json()
                except ServiceProblem as problem:
                    fields = {"species": "species", "target": "target", "max_coi": "max_coi",
                              "viable_only": "viable"}  # fmt: skip
                    form = FormState.refused(values, problem, fields)
                    if "species" in form.errors:  # e.g. too many candidates: say how many
                        form.message = problem.detail
                    status = problem.status
        return page(
            visitor, "breeding/plan.html", status_code=status, form=form, species=options,
            genes=names, plan=plan, percent=percent, can_pair=can_pair,
        )  # fmt: skip

    @get("/statistics")
    async def statistics(
        self,
        visitor: CurrentVisitor,
        group: Annotated[Literal["season", "female", "pair"], QueryParameter()] = "season",
    ) -> Response[Any]:
        """Pairs, clutches, eggs, fertility and hatch rate per season, female or pair, with
        charts and the same numbers in a table."""
        answered = await visitor.call(
            "GET", "animal", "/breeding/statistics", params={"group": group}
        )
        rows: list[dict[str, Any]] = answered.json()
        names: dict[str, str] = {}
        pairs: dict[str, Any] = {}
        if group == "female" and rows:
            names = await _names(visitor, {str(r["key"]) for r in rows})
        elif group == "pair" and rows:
            paired = (await visitor.call("GET", "animal", "/breeding/pairs")).json()
            pairs = {str(p["id"]): p for p in paired}
            kept = [pairs[str(r["key"])] for r in rows if str(r["key"]) in pairs]
            names = await _names(
                visitor, {str(p[role]) for p in kept for role in ("sire_id", "dam_id")}
            )
        labels = [_label(r, group, names, pairs) for r in rows]
        by = dict(GROUPS)[group].lower()
        charts = statistics_charts(rows, labels, by) if rows else []
        return page(
            visitor, "breeding/statistics.html", rows=list(zip(rows, labels, strict=True)),
            charts=charts, group=group, groups=GROUPS, by=by,
        )  # fmt: skip
