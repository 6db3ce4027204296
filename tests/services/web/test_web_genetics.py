"""repti-web's genetics calculator (public), pairing planner and breeding statistics against
stand-in services: what each page asks repti-animal, what it shows, each refusal beside its
field, and who may see the breeding pages."""

from __future__ import annotations

import html as markup
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar.testing import TestClient
from test_web_pages import ORG, PASSWORD, me, sign_in, tokens
from web_testkit import StandInServices, answer, csrf_token, field_error

from reptidex.services.kernel.settings import Settings
from reptidex.services.web.api import ServiceAnswer, ServiceProblem
from reptidex.services.web.app import create_app
from reptidex.services.web.charts import Series, bar_chart
from reptidex.services.web.routes.genetics import SHOWN_WHEN_CAPPED

SPECIES = {"items": [{"id": "ball_python", "name": "Ball python"},
                     {"id": "leopard_gecko", "name": "Leopard gecko"}],
           "total": 2, "limit": 50, "offset": 0}  # fmt: skip
GENES = {"species": "ball_python", "sources": [], "total": 3, "limit": 500, "offset": 0,
         "items": [{"name": "Clown", "super_name": None}, {"name": "Pastel",
                    "super_name": "Super Pastel"}, {"name": "Cinnamon",
                    "super_name": "Super Cinnamon"}]}  # fmt: skip
SIRE = "3f1b0c5a-0000-4000-8000-000000000001"
DAM = "3f1b0c5a-0000-4000-8000-000000000002"


def outcome(phenotype: str, probability: str, **extra: Any) -> dict[str, Any]:
    return {"probability": probability, "percent": 0.0, "phenotype": phenotype, "traits": [],
            "hets": [], "possible_hets": [], "sex": None, "lethal": False, "warnings": [],
            **extra}  # fmt: skip


def prediction(**extra: Any) -> dict[str, Any]:
    return {
        "species": "ball_python", "sire": "Pastel het Clown", "dam": "66% het Clown",
        "viable_only": False, "lethal_probability": "0",
        "outcomes": [
            outcome("Pastel", "1/3", hets=[], possible_hets=[{"gene": "Clown", "probability": "2/3"}]),
            outcome("Clown", "1/6", hets=[]),
            outcome("Normal", "1/2", hets=["Clown"]),
        ],
        "outcome_count": 3, "omitted_probability": "0", "notes": [], "maker_phases": [],
        **extra,
    }  # fmt: skip


@pytest.fixture
def services() -> StandInServices:
    stand_in = StandInServices()
    stand_in.on("GET animal /taxonomy/species", answer(SPECIES))
    stand_in.on("GET animal /taxonomy/species/ball_python/genes", answer(GENES))
    return stand_in


@pytest.fixture
def client(
    make_settings: Callable[..., Settings], services: StandInServices
) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(make_settings(), calls=services)) as test_client:
        yield test_client


def rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id``, as the text of their cells."""
    table = re.search(rf'<table id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert table is not None, f"no table {table_id}"
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in
         re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]  # fmt: skip


# The calculator


def test_the_calculator_is_open_to_anyone_and_offers_the_species_genes(
    client: TestClient[Any], services: StandInServices
) -> None:
    shown = client.get("/genetics")
    assert shown.status_code == 200
    html = shown.text
    assert '<option value="leopard_gecko"' in html
    assert '<datalist id="sire-genes"><option value="Clown"></option>' in html
    assert '<option value="Super Pastel"></option>' in html
    assert 'data-preview="/genetics/suggestions"' in html
    assert services.made("POST animal /genetics/predict") == []  # nothing asked yet
    assert all(call["token"] is None for call in services.calls)


def test_a_cross_in_the_address_shows_exact_odds_hets_and_clutch_odds(
    client: TestClient[Any], services: StandInServices
) -> None:
    clutch = [{"phenotype": "Clown", "sex": None, "eggs": 6, "probability": "31031/46656",
               "percent": 66.5}]  # fmt: skip
    services.on("POST animal /genetics/predict", answer(prediction(clutch=clutch)))
    query = urlencode({"species": "ball_python", "sire": "Pastel het Clown",
                       "dam": "66% het  Clown", "eggs": "6"})  # fmt: skip
    html = client.get(f"/genetics?{query}").text
    asked = services.made("POST animal /genetics/predict")
    assert asked[0]["json"] == {"species": "ball_python", "sire": "Pastel het Clown",
                                "dam": "66% het  Clown", "clutch_size": 6}  # fmt: skip
    assert asked[0]["token"] is None
    assert rows(html, "prediction") == [
        ["Pastel", "1/3", "33.33%", "", "66% het Clown (2/3)"],
        ["Clown", "1/6", "16.67%", "", ""],
        ["Normal", "1/2", "50%", "het Clown", ""],
    ]
    assert rows(html, "clutch-odds") == [["Clown", "31031/46656", "66.51%"]]
    assert "In a clutch of 6 eggs" in html
    assert 'value="Pastel het Clown"' in html  # the form keeps the question
    assert client.get(f"/genetics?{query}").text.count("66% het Clown (2/3)") == 1  # a link


def test_only_the_survivors_when_asked_with_the_lethal_share(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST animal /genetics/predict",
        answer(prediction(viable_only=True, lethal_probability="1/4")),
    )
    html = client.get("/genetics?sire=Spider&dam=Spider&viable=1").text
    assert services.made("POST animal /genetics/predict")[0]["json"]["viable_only"] is True
    assert "1/4 (25%) would not survive" in html


def test_an_unreadable_morph_is_refused_beside_its_field(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST animal /genetics/predict",
        ServiceProblem(422, "Unprocessable Entity", "A morph could not be read.",
                       {"dam": "'Clwn' is not a gene; closest: Clown"}),
    )  # fmt: skip
    shown = client.get("/genetics?sire=Pastel&dam=Clwn")
    assert shown.status_code == 422
    assert (
        markup.unescape(field_error(shown.text, "dam") or "")
        == "'Clwn' is not a gene; closest: Clown"
    )
    assert field_error(shown.text, "sire") is None
    assert 'value="Clwn"' in shown.text


def test_eggs_the_service_refuses_are_shown_beside_the_eggs(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST animal /genetics/predict",
        ServiceProblem(422, "Unprocessable Entity", "Not valid.",
                       {"clutch_size": "Give a number of at most 100."}),
    )  # fmt: skip
    shown = client.get("/genetics?sire=Pastel&dam=Clown&eggs=500")
    assert field_error(shown.text, "eggs") == "Give a number of at most 100."
    assert services.made("POST animal /genetics/predict")[0]["json"]["clutch_size"] == 500


def test_a_cross_too_big_for_one_prediction_is_shown_as_its_most_likely_outcomes(
    client: TestClient[Any], services: StandInServices
) -> None:
    def predict(call: dict[str, Any]) -> ServiceAnswer:
        if "top" not in call["json"]:
            raise ServiceProblem(
                422, "Unprocessable Entity",
                "This pairing has 6,561 possible outcomes; one prediction lists at most 4,096. "
                'Ask for the most likely ones with `top` (e.g. "top": 100), or predict fewer '
                "genes at a time.",
                {"top": "required when a pairing has more than 4,096 outcomes"},
            )  # fmt: skip
        return answer(prediction(outcome_count=6561, omitted_probability="1/2"))

    services.on("POST animal /genetics/predict", predict)
    html = client.get("/genetics?sire=a&dam=b").text
    asked = services.made("POST animal /genetics/predict")
    assert [call["json"].get("top") for call in asked] == [None, SHOWN_WHEN_CAPPED]
    capped = re.search(r'<p class="notice" id="capped">(.*?)</p>', html, re.S)
    assert capped is not None
    assert capped.group(1) == (
        "This pairing has 6,561 possible outcomes; one prediction lists at most 4,096. "
        "The 3 most likely are shown; the other 6,558 together weigh 1/2 (50%)."
    )


def test_a_refusal_about_top_that_is_not_the_cap_is_not_retried(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST animal /genetics/predict",
        ServiceProblem(429, "Too Many Requests", "Slow down; try again in 30 seconds."),
    )
    shown = client.get("/genetics?sire=a&dam=b")
    assert shown.status_code == 429
    assert "Slow down; try again in 30 seconds." in shown.text
    assert len(services.made("POST animal /genetics/predict")) == 1


def test_a_male_of_unknown_maker_phase_shows_both_phases(
    client: TestClient[Any], services: StandInServices
) -> None:
    phase = {"sire": "Banana (male maker)", "dam": "Normal", "lethal_probability": "0",
             "outcome_count": 1, "omitted_probability": "0",
             "outcomes": [outcome("Banana", "1/2", sex="male")]}  # fmt: skip
    split = {"parent": "sire", "genes": ["Banana"], "note": "One male follows one phase.",
             "phases": [{"maker": "male maker", "probability": "1/2", **phase},
                        {"maker": "female maker", "probability": "1/2", **phase}]}  # fmt: skip
    services.on("POST animal /genetics/predict", answer(prediction(maker_phases=[split])))
    html = client.get("/genetics?sire=Banana&dam=Normal").text
    assert "One male follows one phase." in html
    assert rows(html, "phase-sire-1") == [["Banana (male)", "1/2", "50%", "", ""]]
    assert "female maker (chance 1/2)" in html


def test_suggestions_complete_the_word_being_typed(
    client: TestClient[Any], services: StandInServices
) -> None:
    partial = client.get("/genetics/suggestions?sire=Pastel+het+C&species=ball_python").text
    assert re.findall(r'value="([^"]+)"', partial) == ["Pastel het Clown", "Pastel het Cinnamon"]
    everything = client.get("/genetics/suggestions?target=&species=ball_python").text
    assert 'value="Super Cinnamon"' in everything


def test_an_unknown_species_suggests_nothing(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "GET animal /taxonomy/species/dragon/genes",
        ServiceProblem(404, "Not Found", "No catalog for species 'dragon'."),
    )
    partial = client.get("/genetics/suggestions?dam=Cl&species=dragon")
    assert partial.status_code == 200
    assert "<option" not in partial.text


def test_a_possible_het_is_proven_from_the_hatchlings(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST animal /genetics/het-probability",
        answer({"gene": "Clown", "prior": "2/3", "posterior": "1/33", "posterior_percent": 3.03,
                "offspring": 6}),
    )  # fmt: skip
    query = urlencode({"animal": "66% het Clown", "mate": "Clown", "gene": "Clown",
                       "offspring": "5 x Normal\r\nNormal\r\n", "animal_is": "sire"})  # fmt: skip
    html = client.get(f"/genetics/het-proof?{query}").text
    body = services.made("POST animal /genetics/het-probability")[0]["json"]
    assert body == {"species": "ball_python", "animal": "66% het Clown", "mate": "Clown",
                    "gene": "Clown", "offspring": ["Normal"] * 6, "animal_is": "sire"}  # fmt: skip
    assert '<dd id="prior">2/3 (66.67%)</dd>' in html
    assert '<dd id="posterior">1/33 (3.03%)</dd>' in html
    assert "After 6 hatchlings" in html


def test_a_hatchling_the_service_cannot_read_is_refused_beside_the_hatchlings(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST animal /genetics/het-probability",
        ServiceProblem(422, "Unprocessable Entity", "Not valid.",
                       {"offspring[1]": "'Nrml' is not a gene"}),
    )  # fmt: skip
    shown = client.get("/genetics/het-proof?animal=Clown&mate=Clown&gene=Clown&offspring=a%0Ab")
    assert shown.status_code == 422
    assert markup.unescape(field_error(shown.text, "offspring") or "") == "'Nrml' is not a gene"
    assert "a\nb</textarea>" in shown.text


# The planner


def plan_answer(**extra: Any) -> dict[str, Any]:
    pair = {"sire_id": SIRE, "sire": "Apollo", "dam_id": DAM, "dam": "Athena",
            "probability": "1/8", "percent": 12.5, "prospective_coi": 0.0625,
            "sire_odds_from_pedigree": ["Clown"], "dam_odds_from_pedigree": []}  # fmt: skip
    return {"target": "Pastel Clown", "max_coi": 0.125, "considered": 4, "over_coi_limit": 1,
            "pairs": [pair], **extra}  # fmt: skip


def test_the_planner_sends_a_visitor_to_sign_in(client: TestClient[Any]) -> None:
    shown = client.get("/breeding/plan?target=Clown", follow_redirects=False)
    assert shown.status_code == 303
    assert shown.headers["location"] == "/sign-in?next=%2Fbreeding%2Fplan%3Ftarget%3DClown"
    assert client.get("/breeding/statistics", follow_redirects=False).status_code == 303


def test_the_planner_ranks_pairings_with_odds_coi_and_the_pedigree_odds(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on("POST animal /breeding/plan", answer(plan_answer()))
    html = client.get("/breeding/plan?species=ball_python&target=Pastel+Clown&max_coi=12.5").text
    asked = services.made("POST animal /breeding/plan")[0]
    assert asked["json"] == {"species": "ball_python", "target": "Pastel Clown",
                             "max_coi": 0.125, "viable_only": False}  # fmt: skip
    assert asked["token"] == "access-org"
    assert rows(html, "plan") == [
        ["1", "Apollo", "Athena", "1/8", "12.5%", "6.25%", "sire: Clown", "Pair Apollo with Athena"]
    ]
    assert 'id="viewer-note"' not in html
    assert "4 pairings considered, 1 left out over the COI limit of 12.50%." in html
    pair_form = html.split('<table id="plan"')[1]
    assert f'name="sire_id" value="{SIRE}"' in pair_form
    assert 'name="_csrf_token"' in pair_form


def test_a_coi_limit_that_is_no_percentage_is_refused_beside_it(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    shown = client.get("/breeding/plan?target=Clown&max_coi=lots")
    assert shown.status_code == 422
    assert field_error(shown.text, "max_coi") == (
        "Give the COI limit as a percentage from 0 to 100, e.g. 12.5."
    )
    assert services.made("POST animal /breeding/plan") == []


def test_a_target_the_service_refuses_is_shown_beside_the_target(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on(
        "POST animal /breeding/plan",
        ServiceProblem(422, "Unprocessable Entity", "The target could not be read.",
                       {"target": "'Clwn' is not a gene; closest: Clown"}),
    )  # fmt: skip
    shown = client.get("/breeding/plan?target=Clwn")
    assert shown.status_code == 422
    assert (
        markup.unescape(field_error(shown.text, "target") or "")
        == "'Clwn' is not a gene; closest: Clown"
    )


def test_a_breeder_the_service_refuses_sees_why(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on(
        "POST animal /breeding/plan",
        ServiceProblem(403, "Forbidden", "This needs a role in the organisation."),
    )
    shown = client.get("/breeding/plan?target=Clown")
    assert shown.status_code == 403
    assert "This needs a role in the organisation." in shown.text
    services.on(
        "GET animal /breeding/statistics",
        ServiceProblem(403, "Forbidden", "This needs a role in the organisation."),
    )
    assert client.get("/breeding/statistics").status_code == 403


def test_no_pairing_within_the_limit_says_so(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on("POST animal /breeding/plan", answer(plan_answer(pairs=[], considered=0)))
    html = client.get("/breeding/plan?target=Pastel+Clown&viable=1").text
    assert "No pairing within the COI limit can give Pastel Clown." in html
    assert services.made("POST animal /breeding/plan")[0]["json"]["viable_only"] is True


# The statistics


def stats_row(key: str, eggs: int, fertile: int, hatched: int) -> dict[str, Any]:
    rate = hatched / fertile if fertile else None
    return {"key": key, "pairs": 1, "clutches": 1, "eggs": eggs, "fertile": fertile,
            "slugs": eggs - fertile, "hatched": hatched, "hatch_rate": rate}  # fmt: skip


def test_season_statistics_are_charted_and_tabled(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on(
        "GET animal /breeding/statistics",
        answer([stats_row("2025", 8, 8, 6), stats_row("2026", 6, 0, 0)]),
    )
    html = client.get("/breeding/statistics").text
    assert services.made("GET animal /breeding/statistics")[0]["params"] == {"group": "season"}
    assert rows(html, "statistics") == [
        ["2025", "1", "1", "8", "8", "0", "6", "75.0%"],
        ["2026", "1", "1", "6", "0", "6", "0", "none yet"],
    ]
    assert html.count('role="img"') == 2
    assert 'font-size="11" fill="#1b1f1d">none</text>' in html  # 2026 has no hatch rate yet
    assert '<title id="eggs-chart-title">Eggs and hatchlings per season</title>' in html
    assert '<title id="hatch-rate-chart-title">Hatch rate per season</title>' in html
    assert services.made("GET animal /animals") == []  # seasons need no names


def test_statistics_per_female_name_each_female(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    gone = "3f1b0c5a-0000-4000-8000-000000000009"
    services.on(
        "GET animal /breeding/statistics",
        answer([stats_row(DAM, 6, 6, 5), stats_row(gone, 4, 4, 4)]),
    )
    services.on(f"GET animal /animals/{DAM}", answer({"id": DAM, "name": "Athena", "code": "BP-2"}))
    services.on(f"GET animal /animals/{gone}", ServiceProblem(404, "Not Found", "No animal."))
    html = client.get("/breeding/statistics?group=female").text
    assert [row[0] for row in rows(html, "statistics")] == ["Athena", "3f1b0c5a"]
    assert services.made("GET animal /animals") == []  # two females: asked one by one
    assert f'<a href="/animals/{DAM}">Athena</a>' in html
    assert ">Athena</text>" in html  # the chart's label


def test_statistics_per_pair_name_sire_and_dam(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    pair_id = "3f1b0c5a-0000-4000-8000-0000000000p1".replace("p", "f")
    services.on("GET animal /breeding/statistics", answer([stats_row(pair_id, 6, 6, 5)]))
    services.on(
        f"GET animal /animals/{SIRE}", answer({"id": SIRE, "name": "Apollo", "code": "BP-1"})
    )
    services.on(f"GET animal /animals/{DAM}", answer({"id": DAM, "name": None, "code": "BP-2"}))
    services.on(
        "GET animal /breeding/pairs",
        answer([{"id": pair_id, "sire_id": SIRE, "dam_id": DAM, "season": "2026"}]),
    )
    html = client.get("/breeding/statistics?group=pair").text
    assert rows(html, "statistics")[0][0] == "Apollo × BP-2 (2026)"


def test_no_statistics_yet_says_so(client: TestClient[Any], services: StandInServices) -> None:
    sign_in(client, services)
    services.on("GET animal /breeding/statistics", answer([]))
    html = client.get("/breeding/statistics").text
    assert "No pairs or clutches recorded yet." in html
    assert "<svg" not in html


def test_an_unknown_grouping_is_refused(client: TestClient[Any], services: StandInServices) -> None:
    sign_in(client, services)
    assert client.get("/breeding/statistics?group=moon").status_code == 400


def test_a_chart_scales_its_bars_and_escapes_its_labels() -> None:
    svg = bar_chart(
        "c", "Eggs <per> season", "d", ["<b>", "2026"],
        [Series("Eggs", (10, 5))], unit="%", ceiling=20,
    )  # fmt: skip
    assert "&lt;b&gt;" in svg
    assert "Eggs &lt;per&gt; season" in svg
    heights = [
        float(h) for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="23" height="([^"]+)"', svg)
    ]
    assert heights == [90.0, 45.0]  # half and a quarter of the 180-unit scale
    assert ">10%</text>" in svg
    assert ">20%</text>" in svg


def test_the_pair_button_of_the_planner_posts_to_the_pair_form(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on("POST animal /breeding/plan", answer(plan_answer()))
    html = client.get("/breeding/plan?target=Pastel+Clown").text
    services.on("POST animal /breeding/pairs", answer({"id": "pair-1"}))
    paired = client.post(
        "/breeding/pairs",
        data={"sire_id": SIRE, "dam_id": DAM, "_csrf_token": csrf_token(html)},
        follow_redirects=False,
    )
    assert paired.status_code == 303
    assert services.made("POST animal /breeding/pairs")[0]["json"] == {
        "sire_id": SIRE, "dam_id": DAM}  # fmt: skip


def test_the_pairs_page_leads_to_the_planner_and_the_statistics(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    services.on("GET animal /breeding/pairs", answer([]))
    html = client.get("/breeding/pairs").text
    assert '<a href="/breeding/plan" id="plan-link">' in html
    assert '<a href="/breeding/statistics" id="statistics-link">' in html


def sign_in_as_viewer(client: TestClient[Any], services: StandInServices) -> None:
    services.on("POST core /auth/login", answer(tokens()))
    services.on("GET core /auth/me", answer(me([{"organisation_id": ORG, "name": "Ada Pythons",
                                                 "role": "viewer"}])))  # fmt: skip
    services.on("POST core /auth/switch-organisation",
                answer({"access_token": "access-org", "expires_in": 900,
                        "organisation_id": ORG, "role": "viewer"}))  # fmt: skip
    token = csrf_token(client.get("/sign-in").text)
    signed = client.post(
        "/sign-in",
        data={"email": "ada@example.org", "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert signed.status_code == 303


def test_a_viewer_plans_but_is_offered_no_pairing_and_refused_one(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in_as_viewer(client, services)
    services.on("POST animal /breeding/plan", answer(plan_answer()))
    html = client.get("/breeding/plan?target=Pastel+Clown").text
    assert rows(html, "plan")[0][:3] == ["1", "Apollo", "Athena"]
    assert 'id="pair-1"' not in html
    assert 'id="viewer-note"' in html
    services.on(
        "POST animal /breeding/pairs",
        ServiceProblem(403, "Forbidden", "This needs the member role or higher."),
    )
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    services.on("GET animal /breeding/pairs", answer([]))
    refused = client.post(
        "/breeding/pairs", data={"sire_id": SIRE, "dam_id": DAM, "_csrf_token": csrf_token(html)}
    )
    assert refused.status_code == 403
    assert "This needs the member role or higher." in refused.text


def test_too_many_candidates_are_refused_with_their_count(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    detail = "500 males × 500 females is more than 5000 pairings; narrow the candidates."
    services.on(
        "POST animal /breeding/plan",
        ServiceProblem(422, "Unprocessable Entity", detail, {"species": "too many candidates"}),
    )
    shown = client.get("/breeding/plan?target=Clown")
    assert shown.status_code == 422
    assert field_error(shown.text, "species") == "too many candidates"
    assert f'<div class="alert" role="alert"><p>{detail}</p></div>' in shown.text


def test_statistics_of_many_females_find_their_names_in_one_list(
    client: TestClient[Any], services: StandInServices
) -> None:
    sign_in(client, services)
    dams = [f"3f1b0c5a-0000-4000-8000-0000000001{n:02d}" for n in range(13)]
    services.on("GET animal /breeding/statistics", answer([stats_row(d, 6, 6, 5) for d in dams]))
    services.on(
        "GET animal /animals",
        answer({"items": [{"id": d, "name": f"Dam {n}", "code": "c"} for n, d in enumerate(dams)],
                "total": 13}),
    )  # fmt: skip
    html = client.get("/breeding/statistics?group=female").text
    assert [row[0] for row in rows(html, "statistics")] == [f"Dam {n}" for n in range(13)]
    assert len(services.made("GET animal /animals")) == 1
    assert [c for c in services.calls if c["key"].startswith("GET animal /animals/")] == []


def test_a_species_from_the_address_stays_one_path_segment(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "GET animal /taxonomy/species/..%2Fanimals/genes",
        ServiceProblem(404, "Not Found", "No catalog."),
    )
    assert client.get("/genetics/suggestions?species=../animals&sire=Cl").status_code == 200
    assert services.made("GET animal /taxonomy/species/..%2Fanimals/genes") != []
