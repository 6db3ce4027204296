"""CSV import as a browser form sends it (``multipart/form-data``) beside the JSON form, on
SQLite and PostgreSQL: the same report, dry run by default, 422 problems on bad files."""

from __future__ import annotations

from animal_testkit import Breeder
from test_animal_husbandry_csv_transfer_api import collection_csv


def upload(
    breeder: Breeder, content: bytes, dry_run: str | None = None, field: str = "file"
) -> object:
    form = {} if dry_run is None else {"dry_run": dry_run}
    return breeder.client.post(
        "/animals/import/upload",
        files={field: ("collection.csv", content, "text/csv")},
        data=form,
        headers=breeder.headers,
    )


def test_uploaded_csv_dry_run_then_import(breeder: Breeder) -> None:
    bad = collection_csv().encode()
    checked = upload(breeder, bad)  # dry run by default
    assert checked.status_code == 200, checked.text  # type: ignore[attr-defined]
    report = checked.json()  # type: ignore[attr-defined]
    assert (report["rows"], report["dry_run"], report["valid"]) == (50, True, False)
    assert {p["code"] for p in report["problems"]} == {"K7", "K9"}
    # the JSON form of the same file reports the same problems
    same = breeder.post("/animals/import", json={"csv": bad.decode(), "dry_run": True})
    assert same.json()["problems"] == report["problems"]
    refused = upload(breeder, bad, dry_run="false")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert refused.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert breeder.get("/animals").json()["total"] == 0
    # a spreadsheet's UTF-8 file with a byte-order mark: checked by default, then imported
    good = "\ufeff".encode() + collection_csv(bad=False).encode()
    checked = upload(breeder, good)
    assert checked.status_code == 200, checked.text  # type: ignore[attr-defined]
    report = checked.json()  # type: ignore[attr-defined]
    assert (report["dry_run"], report["valid"], report["created"]) == (True, True, [])
    assert breeder.get("/animals").json()["total"] == 0
    imported = upload(breeder, good, dry_run="false")
    assert imported.status_code == 200, imported.text  # type: ignore[attr-defined]
    assert len(imported.json()["created"]) == 50  # type: ignore[attr-defined]
    assert breeder.get("/animals").json()["total"] == 50


def test_bad_uploads_are_problems(breeder: Breeder) -> None:
    for content in (b"", b"   \n", "code,species\nA,ball_python\n".encode("utf-16")):
        response = upload(breeder, content, dry_run="true")
        assert response.status_code == 422, response.text  # type: ignore[attr-defined]
        assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    missing = upload(breeder, b"code,species\nA,ball_python\n", field="csv")
    wrong_flag = upload(breeder, b"code,species\nA,ball_python\n", dry_run="perhaps")
    for response in (missing, wrong_flag):
        assert response.status_code == 422, response.text  # type: ignore[attr-defined]
        assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    viewer = Breeder(breeder.client, breeder.organisation_id, role="viewer")
    assert upload(viewer, b"code,species\nA,ball_python\n").status_code == 403  # type: ignore[attr-defined]
    assert breeder.get("/animals").json()["total"] == 0
