"""repti-web's collection against stand-in services: the list searched, filtered and paged
with thumbnails; an animal's page (genotype, kept het odds and why, husbandry log with its
weight chart, photos, pedigree chart); changing an animal; the CSV import's dry run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from litestar.testing import TestClient
from test_web_pages import sign_in
from web_testkit import StandInServices, answer, csrf_token, field_error

from reptidex.services.kernel.settings import Settings
from reptidex.services.web.api import ServiceAnswer, ServiceProblem
from reptidex.services.web.app import create_app
from reptidex.services.web.routes.collection import log_summary
from reptidex.services.web.weight_chart import Weighing, weight_chart

ANIMAL = "5b0c5a8e-0000-4000-8000-0000000000b1"
PHOTO = "5b0c5a8e-0000-4000-8000-0000000000f1"
SIRE = "5b0c5a8e-0000-4000-8000-0000000000b2"


@pytest.fixture
def services() -> StandInServices:
    return StandInServices()


@pytest.fixture
def client(
    make_settings: Callable[..., Settings], services: StandInServices
) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(make_settings(), calls=services)) as test_client:
        sign_in(test_client, services)
        yield test_client


def animal(**changes: Any) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": ANIMAL, "organisation_id": "o", "code": "BP-26-0007", "name": "Nova",
        "species": "ball_python", "sex": "female", "hatch_date": "2025-06-01", "origin": "bred",
        "genotype": {"morph": "Pastel 66% het Clown", "phenotype": "Pastel", "traits": [],
                     "hets": [], "possible_hets": [{"gene": "Clown", "probability": "2/3",
                                                    "percent": 66.6667}],
                     "genes": [], "certain_phenotype": True, "awaits_sex": []},
        "sire_id": SIRE, "dam_id": None, "external_sire": None, "external_dam": None,
        "status": "active", "visibility": "private", "notes": None, "tags": [],
        "photo_ids": [], "clutch_id": None, "created_at": None, "updated_at": None,
        "het_odds": None,
    }  # fmt: skip
    return shown | changes


KEPT = {
    "status": "computed", "note": None, "family_size": 9, "exact": True,
    "computed_at": "2026-12-01T10:00:00Z", "up_to_date": True,
    "genes": [{"locus": "clown", "name": "Clown", "summary": "80% het Clown", "carrier": "4/5",
               "carrier_percent": 80.0, "proven": False, "genotypes": [], "method": "junction_tree",
               "exact": True,
               "explanation": [{"text": "a visual Clown sire (BP-26-0002)", "effect": "+67%",
                                "animal_ids": [SIRE]},
                               {"text": "3 normal-looking offspring with Hera", "effect": "+13%",
                                "animal_ids": []}]}],
}  # fmt: skip


def animal_page(services: StandInServices, shown: dict[str, Any] | None = None,
                logs: list[Any] | None = None, growth: list[Any] | None = None) -> None:  # fmt: skip
    services.on(f"GET animal /animals/{ANIMAL}", answer(shown or animal()))
    services.on(f"GET animal /animals/{ANIMAL}/logs", answer(logs or []))
    services.on(f"GET animal /animals/{ANIMAL}/growth", answer(growth or []))


# The list


def test_the_list_passes_the_filters_and_pages_with_thumbnails(
    client: TestClient[Any], services: StandInServices
) -> None:
    items = [animal(photo_ids=[PHOTO], het_odds=[{"summary": "proven het Clown"}])]
    services.on("GET animal /animals", answer({"items": items, "total": 60, "limit": 25,
                                               "offset": 25}))  # fmt: skip
    shown = client.get("/animals?q=nova&sex=female&status=active&gene=Clown&morph=Pastel&page=2")
    assert shown.status_code == 200
    params = services.made("GET animal /animals")[-1]["params"]
    assert params == {"q": "nova", "sex": "female", "status": "active", "gene": "Clown",
                      "morph": "Pastel", "species": "ball_python", "limit": 25,
                      "offset": 25}  # fmt: skip
    html = shown.text
    assert f'src="/animals/{ANIMAL}/photos/{PHOTO}?variant=thumb-128" alt="Nova"' in html
    assert "proven het Clown" in html
    assert "Page 2 of 3" in html
    assert 'id="previous-page" rel="prev"' in html
    assert "page=1" in html
    assert (
        "q=nova&amp;sex=female&amp;status=active&amp;gene=Clown&amp;morph=Pastel&amp;page=3" in html
    )
    assert 'value="nova"' in html  # the search is shown as typed


def test_the_first_page_has_no_previous_and_an_unfiltered_list_asks_only_for_a_page(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("GET animal /animals", answer({"items": [animal()], "total": 1}))
    html = client.get("/animals").text
    assert services.made("GET animal /animals")[-1]["params"] == {"limit": 25, "offset": 0}
    assert "previous-page" not in html
    assert "next-page" not in html
    assert "none" in html  # no photo


def test_a_filter_the_service_refuses_is_shown_beside_it(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "GET animal /animals",
        ServiceProblem(400, "Bad Request", "Not valid.", {"status": "Choose one of the options."}),
    )
    shown = client.get("/animals?status=zombie")
    assert shown.status_code == 400
    assert field_error(shown.text, "status") == "Choose one of the options."


def test_nothing_matching_the_filters_says_so(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on("GET animal /animals", answer({"items": [], "total": 0}))
    assert "No animal matches these filters." in client.get("/animals?gene=Clown").text


def test_the_collection_pages_need_a_signed_in_breeder(
    make_settings: Callable[..., Settings], services: StandInServices
) -> None:
    with TestClient(create_app(make_settings(), calls=services)) as anonymous:
        for path in ("/animals?gene=Clown", f"/animals/{ANIMAL}", f"/animals/{ANIMAL}/edit",
                     "/animals/import", f"/animals/{ANIMAL}/photos/{PHOTO}"):  # fmt: skip
            sent = anonymous.get(path, follow_redirects=False)
            assert sent.status_code == 303, path
            assert sent.headers["location"].startswith("/sign-in?next=")
    assert services.calls == []


# An animal's page


def test_the_animal_page_shows_kept_het_odds_and_why(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services, animal(het_odds=KEPT, photo_ids=[PHOTO]))
    html = client.get(f"/animals/{ANIMAL}").text
    assert "66% (2/3) het Clown" in html  # the possible het as written
    assert '<h3 class="odds-summary">80% het Clown</h3>' in html
    assert "Probability of carrying Clown: 4/5 (exact)" in html
    assert 'a visual Clown sire (BP-26-0002) <span class="muted">(+67%)</span>' in html
    assert "From 9 animals of the family" in html
    assert f'<img src="/animals/{ANIMAL}/pedigree.svg" alt="Pedigree chart of Nova' in html
    assert f"/animals/{ANIMAL}/photos/{PHOTO}?variant=thumb-256" in html
    assert 'alt="Photo 1 of Nova"' in html


@pytest.mark.parametrize(
    ("kept", "said"),
    [
        (None, "Not computed yet"),
        ({**KEPT, "status": "too_large", "note": "The family has 1,200 animals.", "genes": []},
         "No odds are kept: The family has 1,200 animals."),
        ({**KEPT, "genes": []}, "makes no recessive gene matter"),
        ({**KEPT, "up_to_date": False}, "still being taken into account"),
    ],
)  # fmt: skip
def test_the_animal_page_says_why_odds_are_missing_or_old(
    client: TestClient[Any], services: StandInServices, kept: Any, said: str
) -> None:
    animal_page(services, animal(het_odds=kept))
    assert said in client.get(f"/animals/{ANIMAL}").text


def test_the_animal_page_draws_the_weights_and_lists_the_log(
    client: TestClient[Any], services: StandInServices
) -> None:
    logs = [
        {"id": "l1", "animal_id": ANIMAL, "occurred_on": "2026-01-02", "kind": "weight",
         "details": {"kind": "weight", "grams": 410.0}, "notes": None},
        {"id": "l2", "animal_id": ANIMAL, "occurred_on": "2026-02-02", "kind": "feeding",
         "details": {"kind": "feeding", "prey": "small rat", "result": "refused"},
         "notes": "in blue"},
    ]  # fmt: skip
    growth = [{"on": "2026-01-02", "grams": 410.0, "gain": None, "age_days": 215},
              {"on": "2026-03-02", "grams": 480.5, "gain": 70.5, "age_days": 274}]  # fmt: skip
    animal_page(services, logs=logs, growth=growth)
    html = client.get(f"/animals/{ANIMAL}").text
    assert '<svg class="chart"' in html
    assert '<title id="weight-chart-title">Weights of Nova' in html
    assert html.count("<circle") == 2
    assert "<td>2026-03-02</td><td>480.5</td><td>+70.5</td><td>274</td>" in html
    assert html.index("<td>small rat: refused</td>") < html.index("<td>410 g</td>")  # newest first
    assert "in blue" in html


def test_a_weight_is_logged(client: TestClient[Any], services: StandInServices) -> None:
    animal_page(services)
    services.on(f"POST animal /animals/{ANIMAL}/logs", answer({"id": "l3"}, 201))
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    sent = client.post(
        f"/animals/{ANIMAL}/logs",
        data={"kind": "weight", "occurred_on": "2026-03-02", "grams": "480,5", "notes": " fed ",
              "_csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/animals/{ANIMAL}?done=logged#log"
    assert services.made(f"POST animal /animals/{ANIMAL}/logs")[0]["json"] == {
        "occurred_on": "2026-03-02", "details": {"kind": "weight", "grams": 480.5},
        "notes": "fed",
    }  # fmt: skip


def test_a_feeding_is_logged_with_its_prey_and_result(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services)
    services.on(f"POST animal /animals/{ANIMAL}/logs", answer({"id": "l3"}, 201))
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    client.post(f"/animals/{ANIMAL}/logs", data={
        "kind": "feeding", "occurred_on": "2026-03-02", "prey": "small rat",
        "result": "refused", "_csrf_token": token}, follow_redirects=False)  # fmt: skip
    body = services.made(f"POST animal /animals/{ANIMAL}/logs")[0]["json"]
    assert body["details"] == {"kind": "feeding", "prey": "small rat", "result": "refused"}


def test_a_weight_that_is_not_a_number_is_refused_beside_it_without_asking(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services)
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    shown = client.post(
        f"/animals/{ANIMAL}/logs",
        data={
            "kind": "weight",
            "occurred_on": "2026-03-02",
            "grams": "heavy",
            "_csrf_token": token,
        },
    )
    assert shown.status_code == 422
    assert field_error(shown.text, "grams") == "Enter the weight in grams, e.g. 312.5."
    assert 'value="heavy"' in shown.text
    assert services.made(f"POST animal /animals/{ANIMAL}/logs") == []


def test_a_log_date_the_service_refuses_is_shown_beside_the_date(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services)
    services.on(f"POST animal /animals/{ANIMAL}/logs", ServiceProblem(
        422, "Unprocessable Entity", "Not valid.",
        {"occurred_on": "Not before the animal hatched (2025-06-01)."}))  # fmt: skip
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    shown = client.post(
        f"/animals/{ANIMAL}/logs",
        data={"kind": "shed", "occurred_on": "2020-01-01", "_csrf_token": token},
    )
    assert shown.status_code == 422
    assert field_error(shown.text, "occurred_on") == "Not before the animal hatched (2025-06-01)."


def test_a_viewer_is_refused_where_the_service_refuses(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services)
    services.on(
        f"POST animal /animals/{ANIMAL}/logs",
        ServiceProblem(403, "Forbidden", "A viewer cannot change the collection."),
    )
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    shown = client.post(
        f"/animals/{ANIMAL}/logs",
        data={"kind": "shed", "occurred_on": "2026-01-01", "_csrf_token": token},
    )
    assert shown.status_code == 403
    assert "A viewer cannot change the collection." in shown.text


def test_a_log_without_its_csrf_token_is_refused(
    client: TestClient[Any], services: StandInServices
) -> None:
    refused = client.post(f"/animals/{ANIMAL}/logs", data={"kind": "shed"})
    assert refused.status_code == 403
    refused = client.post(f"/animals/{ANIMAL}/photos", files={"photo": ("a.png", b"x")})
    assert refused.status_code == 403
    assert not [c for c in services.calls if c["key"].startswith(("POST animal", "POST media"))]


# Photos and the pedigree chart


def test_a_photo_is_uploaded_to_media_and_added_to_the_animal(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services, animal(photo_ids=["old"]))
    services.on("POST media /upload", answer({"id": PHOTO}, 201))
    services.on(f"PATCH animal /animals/{ANIMAL}", answer(animal()))
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    sent = client.post(
        f"/animals/{ANIMAL}/photos", data={"_csrf_token": token},
        files={"photo": ("nova.png", b"\x89PNG-bytes", "image/png")}, follow_redirects=False,
    )  # fmt: skip
    assert sent.status_code == 303, sent.text
    upload = services.made("POST media /upload")[0]
    assert upload["files"] == {"file": ("nova.png", b"\x89PNG-bytes", "image/png")}
    assert upload["form"] == {"animal_id": ANIMAL}
    patched = services.made(f"PATCH animal /animals/{ANIMAL}")[0]["json"]
    assert patched == {"photo_ids": ["old", PHOTO]}


def test_no_photo_chosen_is_said_beside_the_field(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services)
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    shown = client.post(f"/animals/{ANIMAL}/photos", data={"_csrf_token": token},
                        files={"photo": ("", b"", "application/octet-stream")})  # fmt: skip
    assert shown.status_code == 422
    assert field_error(shown.text, "photo") == "Choose a photo to upload."
    assert services.made("POST media /upload") == []


def test_a_photo_media_refuses_is_refused_beside_the_field(
    client: TestClient[Any], services: StandInServices
) -> None:
    animal_page(services)
    services.on("POST media /upload", ServiceProblem(
        422, "Unprocessable Entity", "Not an image.",
        {"file": "JPEG, PNG, WebP, GIF or PDF only"}))  # fmt: skip
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    shown = client.post(f"/animals/{ANIMAL}/photos", data={"_csrf_token": token},
                        files={"photo": ("a.svg", b"<svg/>", "image/svg+xml")})  # fmt: skip
    assert shown.status_code == 422
    assert field_error(shown.text, "photo") == "JPEG, PNG, WebP, GIF or PDF only"
    assert services.made(f"PATCH animal /animals/{ANIMAL}") == []


def test_photos_and_the_pedigree_chart_come_from_media_with_the_breeders_token(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(f"GET media /media/{PHOTO}", ServiceAnswer(200, "image/webp", b"RIFF-webp"))
    services.on(f"GET media /render/pedigree/{ANIMAL}",
                ServiceAnswer(200, "image/svg+xml", b"<svg>chart</svg>"))  # fmt: skip
    thumb = client.get(f"/animals/{ANIMAL}/photos/{PHOTO}?variant=thumb-128")
    assert thumb.content == b"RIFF-webp"
    assert thumb.headers["content-type"] == "image/webp"
    call = services.made(f"GET media /media/{PHOTO}")[0]
    assert call["params"] == {"variant": "thumb-128"}
    assert call["token"] == "access-org"
    assert client.get(f"/animals/{ANIMAL}/photos/{PHOTO}?variant=huge").status_code == 400
    services.on(f"GET media /media/{PHOTO}", ServiceAnswer(200, "application/pdf", b"%PDF"))
    assert client.get(f"/animals/{ANIMAL}/photos/{PHOTO}").status_code == 404  # not a photo
    chart = client.get(f"/animals/{ANIMAL}/pedigree.svg")
    assert chart.content == b"<svg>chart</svg>"
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in chart.headers["content-security-policy"]
    assert services.made(f"GET media /render/pedigree/{ANIMAL}")[0]["params"] == {
        "format": "svg",
        "generations": 4,
    }


# Changing an animal


def test_the_edit_form_is_filled_and_reads_the_morph(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(f"GET animal /animals/{ANIMAL}", answer(animal()))
    services.on(
        "POST animal /genetics/predict",
        answer({"sire": "Normal", "dam": "Pastel 66% het Clown", "notes": []}),
    )
    html = client.get(f"/animals/{ANIMAL}/edit").text
    assert 'value="Nova"' in html
    assert 'value="Pastel 66% het Clown"' in html
    assert "Read as <strong>Pastel 66% het Clown</strong>" in html
    assert 'data-preview="/animals/morph-reading"' in html


def test_an_animal_is_changed_with_its_morph_only_if_it_is_still_the_one_shown(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(f"GET animal /animals/{ANIMAL}", answer(animal()))
    services.on("POST animal /genetics/predict", answer({"sire": "Normal", "dam": "x"}))
    services.on(f"PATCH animal /animals/{ANIMAL}", answer(animal()))
    token = csrf_token(client.get(f"/animals/{ANIMAL}/edit").text)
    sent = client.post(f"/animals/{ANIMAL}/edit", data={
        "name": "", "species": "ball_python", "sex": "female", "morph": "Pastel Clown",
        "hatch_date": "", "status": "holdback", "notes": "keeper",
        "expected_morph": "Pastel 66% het Clown", "_csrf_token": token},
        follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/animals/{ANIMAL}?done=changed"
    assert services.made(f"PATCH animal /animals/{ANIMAL}")[0]["json"] == {
        "name": None,
        "sex": "female",
        "morph": "Pastel Clown",
        "hatch_date": None,
        "status": "holdback",
        "notes": "keeper",
        "expected_morph": "Pastel 66% het Clown",
    }


def test_a_morph_that_changed_meanwhile_or_cannot_be_read_is_refused_beside_the_morph(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(f"GET animal /animals/{ANIMAL}", answer(animal()))
    services.on("POST animal /genetics/predict", answer({"sire": "Normal", "dam": "x"}))
    token = csrf_token(client.get(f"/animals/{ANIMAL}/edit").text)
    form = {"species": "ball_python", "sex": "female", "morph": "Pastle", "status": "active",
            "expected_morph": "Pastel", "_csrf_token": token}  # fmt: skip
    services.on(f"PATCH animal /animals/{ANIMAL}", ServiceProblem(
        422, "Unprocessable Entity", "A morph cannot be read.",
        {"morph": "unknown word 'Pastle' (did you mean Pastel?)"}))  # fmt: skip
    shown = client.post(f"/animals/{ANIMAL}/edit", data=form)
    assert shown.status_code == 422
    assert (
        field_error(shown.text, "morph") == "unknown word &#39;Pastle&#39; (did you mean Pastel?)"
    )
    services.on(f"PATCH animal /animals/{ANIMAL}", ServiceProblem(
        409, "Conflict", "The morph is now Pastel Clown.",
        {"expected_morph": "The morph is now Pastel Clown."}))  # fmt: skip
    shown = client.post(f"/animals/{ANIMAL}/edit", data=form)
    assert shown.status_code == 409
    assert field_error(shown.text, "morph") == "The morph is now Pastel Clown."


# The CSV import

CSV = "code,species,sex,morph\nBP-1,ball_python,male,Clown\nBP-2,ball_python,female,Pastle\n"


def test_the_import_checks_the_file_first_and_shows_each_rows_problems(
    client: TestClient[Any], services: StandInServices
) -> None:
    report = {
        "rows": 2,
        "dry_run": True,
        "valid": False,
        "created": [],
        "problems": [
            {
                "line": 3,
                "code": "BP-2",
                "errors": [
                    {"field": "morph", "message": "unknown word 'Pastle' (did you mean Pastel?)"}
                ],
            }
        ],
    }
    services.on("POST animal /animals/import", answer(report))
    token = csrf_token(client.get("/animals/import").text)
    shown = client.post(
        "/animals/import",
        data={"step": "check", "_csrf_token": token},
        files={"file": ("c.csv", ("\ufeff" + CSV).encode(), "text/csv")},
    )
    assert shown.status_code == 200, shown.text
    assert services.made("POST animal /animals/import")[0]["json"] == {"csv": CSV, "dry_run": True}
    assert "1 of 2 rows have problems" in shown.text
    assert "<td>3</td><td>BP-2</td><td>morph</td>" in shown.text
    assert 'id="import-animals"' not in shown.text  # nothing to import until fixed


def test_a_clean_file_is_imported_after_its_check(
    client: TestClient[Any], services: StandInServices
) -> None:
    def imported(call: dict[str, Any]) -> ServiceAnswer:
        dry = call["json"]["dry_run"]
        return answer(
            {
                "rows": 2,
                "dry_run": dry,
                "valid": True,
                "problems": [],
                "created": [] if dry else [{"id": "a", "code": "BP-1"}],
            }
        )

    services.on("POST animal /animals/import", imported)
    token = csrf_token(client.get("/animals/import").text)
    checked = client.post(
        "/animals/import",
        data={"step": "check", "_csrf_token": token},
        files={"file": ("c.csv", CSV.encode(), "text/csv")},
    )
    assert "All 2 rows can be imported." in checked.text
    assert 'name="csv" value="code,species,sex,morph\nBP-1' in checked.text
    sent = client.post("/animals/import", data={"step": "import", "csv": CSV,
                                                "_csrf_token": token},
                       files={"file": ("", b"", "application/octet-stream")},
                       follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303
    assert sent.headers["location"] == "/animals?done=imported"
    assert [c["json"]["dry_run"] for c in services.made("POST animal /animals/import")] == [
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("content", "error"),
    [(b"", "Choose a CSV file."),
     (b"\xff\xfecode", "The file is not UTF-8 text; save the CSV as UTF-8.")],
)  # fmt: skip
def test_an_empty_or_unreadable_file_is_refused_beside_it(
    client: TestClient[Any], services: StandInServices, content: bytes, error: str
) -> None:
    token = csrf_token(client.get("/animals/import").text)
    shown = client.post(
        "/animals/import",
        data={"step": "check", "_csrf_token": token},
        files={"file": ("c.csv", content, "text/csv")},
    )
    assert shown.status_code == 422
    assert field_error(shown.text, "file") == error
    assert services.made("POST animal /animals/import") == []


def test_a_file_the_service_refuses_is_refused_beside_it(
    client: TestClient[Any], services: StandInServices
) -> None:
    services.on(
        "POST animal /animals/import",
        ServiceProblem(
            422, "Unprocessable Entity", "Not valid.", {"csv": "The header has no species column."}
        ),
    )
    token = csrf_token(client.get("/animals/import").text)
    shown = client.post(
        "/animals/import",
        data={"step": "check", "_csrf_token": token},
        files={"file": ("c.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert shown.status_code == 422
    assert field_error(shown.text, "file") == "The header has no species column."


# The weight chart


def test_the_weight_chart_runs_from_zero_to_the_heaviest_and_escapes_its_label() -> None:
    svg = weight_chart([Weighing(date(2026, 1, 1), 100.0), Weighing(date(2026, 1, 11), 200.0)],
                       label="Weights of <Nova>")  # fmt: skip
    assert "Weights of &lt;Nova&gt;" in svg
    assert "<Nova>" not in svg
    assert 'points="64.0,118.0 624.0,16.0"' in svg  # half the height, then the top
    assert "2 weighings from 2026-01-01 (100 g) to 2026-01-11 (200 g); heaviest 200 g." in svg
    single = weight_chart([Weighing(date(2026, 1, 1), 50.0)], label="one")
    assert 'cx="344.0"' in single  # one weighing in the middle


@pytest.mark.parametrize(
    ("details", "said"),
    [
        ({"kind": "weight", "grams": 312.5}, "312.5 g"),
        ({"kind": "feeding", "prey": "small rat", "result": "accepted"}, "small rat: accepted"),
        ({"kind": "shed", "complete": False}, "incomplete shed"),
        ({"kind": "shed", "complete": True}, "complete shed"),
        ({"kind": "health", "note": "stuck shed on the tail"}, "stuck shed on the tail"),
        ({"kind": "medication", "drug": "meloxicam", "dose": "0.2 mg"}, "meloxicam 0.2 mg"),
        ({"kind": "pairing", "event": "pre_lay_shed"}, "pre lay shed"),
        ({"kind": "moult"}, ""),
    ],
)
def test_each_kind_of_log_entry_is_said_in_a_few_words(details: dict[str, Any], said: str) -> None:
    assert log_summary({"kind": details["kind"], "details": details}) == said


def test_a_viewer_is_refused_the_edit_the_photo_and_the_import(
    client: TestClient[Any], services: StandInServices
) -> None:
    refusal = ServiceProblem(403, "Forbidden", "A viewer cannot change the collection.")
    animal_page(services)
    services.on("POST animal /genetics/predict", answer({"sire": "Normal", "dam": "x"}))
    services.on(f"PATCH animal /animals/{ANIMAL}", refusal)
    services.on("POST media /upload", refusal)
    services.on("POST animal /animals/import", refusal)
    token = csrf_token(client.get(f"/animals/{ANIMAL}").text)
    edited = client.post(
        f"/animals/{ANIMAL}/edit",
        data={"sex": "female", "morph": "Pastel", "status": "active", "_csrf_token": token},
    )
    photo = client.post(
        f"/animals/{ANIMAL}/photos",
        data={"_csrf_token": token},
        files={"photo": ("a.png", b"\x89PNG", "image/png")},
    )
    imported = client.post("/animals/import", data={"step": "check", "_csrf_token": token},
                           files={"file": ("c.csv", CSV.encode(), "text/csv")})  # fmt: skip
    for shown in (edited, photo, imported):
        assert shown.status_code == 403
        assert "A viewer cannot change the collection." in shown.text
