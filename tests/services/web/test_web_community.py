"""repti-web's community pages against stand-in services: the global search with its facets,
the notifications with the header's unread count, and the forums."""

from __future__ import annotations

from collections.abc import Callable

from web_breeder import breeder_client, post_form
from web_testkit import StandInServices, answer, field_error

from reptidex.services.kernel.settings import Settings
from reptidex.services.web.api import ServiceProblem

NOTE = "7d0c5a8e-0000-4000-8000-000000000011"
THREAD = "7d0c5a8e-0000-4000-8000-000000000021"
POST = "7d0c5a8e-0000-4000-8000-000000000022"


def search_answer() -> dict[str, object]:
    return {
        "items": [
            {"kind": "listing", "id": "L1", "title": "Clown male", "snippet": "a <mark>clown</mark> &lt;b&gt;",
             "link": "/marketplace/listings/L1", "species": "ball_python", "genes": ["clown"],
             "price_band": "100-250", "country": "DE", "score": 1.0},
            {"kind": "animal", "id": "A1", "title": "Apollo", "snippet": "", "link": "/public/animals/A1",
             "species": "ball_python", "genes": [], "price_band": None, "country": None, "score": 0.5},
        ],
        "total": 2, "limit": 20, "offset": 0, "matched": ["clown"], "sponsored": [],
        "facets": {"kind": [{"value": "listing", "count": 1}],
                   "species": [{"value": "ball_python", "count": 2}],
                   "genes": [{"value": "clown", "count": 1}], "price_band": [], "country": []},
    }  # fmt: skip


def test_search_finds_results_with_their_facets_and_links_here(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("GET community /search", answer(search_answer()))
    with breeder_client(make_settings, services, signed_in=False) as client:
        html = client.get("/search?q=clown&kind=listing").text
        assert services.made("GET community /search")[0]["params"] == {
            "q": "clown", "kind": "listing", "limit": 20, "offset": 0, "sponsored": 0}  # fmt: skip
        assert '<a href="/marketplace/listings/L1">Clown male</a>' in html
        assert "a <mark>clown</mark> &lt;b&gt;" in html  # community's escaped snippet
        assert '<a href="/public/animals/A1">' not in html  # not a page of this site
        assert '<a href="/search?q=clown&amp;kind=listing&amp;gene=clown">clown</a> (1)' in html
        assert "2 results" in html


def test_a_chosen_facet_is_sent_and_can_be_removed(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    services.on("GET community /search", answer(search_answer()))
    with breeder_client(make_settings, services, signed_in=False) as client:
        html = client.get("/search?q=clown&gene=clown").text
        assert services.made("GET community /search")[0]["params"]["gene"] == "clown"
        assert "<strong>clown</strong> (1)" in html
        assert '<a href="/search?q=clown">remove' in html


def test_an_empty_search_asks_nothing_and_a_refused_one_is_shown_beside_the_words(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("GET community /search", ServiceProblem(
        422, "Unprocessable Entity", "Not valid.", {"q": "Use at most 200 characters."}))  # fmt: skip
    with breeder_client(make_settings, services, signed_in=False) as client:
        assert client.get("/search").status_code == 200
        assert services.calls == []
        shown = client.get("/search?q=" + "x" * 250)
        assert shown.status_code == 422
        assert field_error(shown.text, "q") == "Use at most 200 characters."


def test_notifications_are_listed_and_marked_read(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    services.on("GET community /notifications", answer({
        "items": [{"id": NOTE, "kind": "order.placed", "title": "New order", "body": "Bob ordered Apollo.",
                   "link": "/orders/o1", "language": "en", "created_at": "2026-12-07T10:00:00Z",
                   "read_at": None, "event_id": "e1"}],
        "total": 1, "unread": 1, "limit": 20, "offset": 0}))  # fmt: skip
    services.on(f"POST community /notifications/{NOTE}/read", answer({}))
    services.on("POST community /notifications/read-all", answer({}))
    with breeder_client(make_settings, services) as client:
        html = client.get("/notifications?unread=1").text
        assert services.made("GET community /notifications")[0]["params"] == {
            "limit": 20, "offset": 0, "unread": "true"}  # fmt: skip
        assert '<a href="/orders/o1">New order</a>' in html
        assert "1 unread" in html
        read = post_form(client, "/notifications", f"/notifications/{NOTE}/read", {})
        assert read.status_code == 303
        assert len(services.made(f"POST community /notifications/{NOTE}/read")) == 1
        everything = post_form(client, "/notifications", "/notifications/read-all", {})
        assert everything.status_code == 303
        assert len(services.made("POST community /notifications/read-all")) == 1


def test_the_header_asks_for_the_unread_count_which_is_a_partial(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.on("GET community /notifications/unread-count", answer({"unread": 3}))
    with breeder_client(make_settings, services) as client:
        html = client.get("/search").text
        assert 'data-poll="/notifications/unread"' in html
        partial = client.get("/notifications/unread").text
        assert partial.strip() == '<span class="badge">3</span> unread'
        services.on("GET community /notifications/unread-count", answer({"unread": 0}))
        assert client.get("/notifications/unread").text.strip() == "none unread"


def test_signed_out_visitors_get_no_count_and_are_sent_to_sign_in_for_notifications(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    with breeder_client(make_settings, services, signed_in=False) as client:
        assert client.get("/notifications/unread").text.strip() == ""
        assert "data-poll" not in client.get("/search").text
        sent = client.get("/notifications", follow_redirects=False)
        assert sent.status_code == 303
        assert sent.headers["location"].startswith("/sign-in?next=%2Fnotifications")
        assert services.calls == []


def forum(services: StandInServices) -> None:
    category = {"id": "c1", "slug": "husbandry", "name": "Husbandry", "description": "Keeping them well.",
                "public": True, "position": 1, "thread_count": 1, "created_at": "2026-01-01T00:00:00Z"}  # fmt: skip
    thread = {"id": THREAD, "category_id": "c1", "author_id": "u1", "title": "Humidity for hatchlings",
              "pinned": True, "locked": False, "created_at": "2026-12-01T10:00:00Z"}  # fmt: skip
    services.on("GET community /community/forums", answer({"items": [category]}))
    services.on("GET community /community/forums/husbandry", answer({
        "category": category, "items": [{"thread": thread, "post_count": 2,
                                         "last_post_at": "2026-12-02T10:00:00Z"}],
        "total": 1, "limit": 20, "offset": 0}))  # fmt: skip
    services.on(f"GET community /community/forums/threads/{THREAD}", answer({
        "thread": thread, "category_slug": "husbandry", "following": False, "total": 1,
        "limit": 20, "offset": 0,
        "posts": [{"id": POST, "thread_id": THREAD, "author_id": "u1", "html": "<p>Keep it <strong>60%</strong></p>",
                   "source": "Keep it **60%**", "mentions": [], "created_at": "2026-12-01T10:00:00Z",
                   "edited_at": None, "reactions": {}, "hidden": None}]}))  # fmt: skip


def test_the_forums_read_without_an_account(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    forum(services)
    with breeder_client(make_settings, services, signed_in=False) as client:
        assert (
            '<a href="/community/forums/husbandry">Husbandry</a>'
            in client.get("/community/forums").text
        )
        threads = client.get("/community/forums/husbandry").text
        assert (
            f'<a href="/community/forums/threads/{THREAD}">Humidity for hatchlings</a> (pinned)'
            in threads
        )
        assert "Sign in to open a thread" in threads
        posts = client.get(f"/community/forums/threads/{THREAD}").text
        assert "<p>Keep it <strong>60%</strong></p>" in posts  # community's sanitised HTML
        assert "Sign in to reply" in posts
        assert all(call["token"] is None for call in services.calls)


def test_a_signed_in_breeder_opens_a_thread_and_replies(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    forum(services)
    services.on("POST community /community/forums/husbandry/threads",
                answer({"thread": {"id": THREAD}, "post": {"id": POST}}, 201))  # fmt: skip
    services.on(f"POST community /community/forums/threads/{THREAD}/posts",
                answer({"id": "p2"}, 201))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        opened = post_form(client, "/community/forums/husbandry",
                           "/community/forums/husbandry/threads",
                           {"title": " Incubation ", "body": "At 31.5 °C?"})  # fmt: skip
        assert opened.headers["location"] == f"/community/forums/threads/{THREAD}"
        assert services.made("POST community /community/forums/husbandry/threads")[0]["json"] == {
            "title": "Incubation", "body": "At 31.5 °C?"}  # fmt: skip
        replied = post_form(client, f"/community/forums/threads/{THREAD}",
                            f"/community/forums/threads/{THREAD}/posts", {"body": "Yes."})  # fmt: skip
        assert replied.headers["location"] == f"/community/forums/threads/{THREAD}#post-p2"
        reading = services.handlers[f"GET community /community/forums/threads/{THREAD}"]({}).json()
        services.on(f"GET community /community/forums/threads/{THREAD}",
                    answer({**reading, "total": 41}))  # fmt: skip
        later = post_form(client, f"/community/forums/threads/{THREAD}",
                          f"/community/forums/threads/{THREAD}/posts", {"body": "Again."})  # fmt: skip
        assert later.headers["location"] == (
            f"/community/forums/threads/{THREAD}?offset=40#post-p2")  # fmt: skip
        assert services.made(f"GET community /community/forums/threads/{THREAD}")[0]["token"]


def test_a_refused_reply_is_shown_beside_it_and_kept(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    forum(services)
    services.on(f"POST community /community/forums/threads/{THREAD}/posts", ServiceProblem(
        422, "Unprocessable Entity", "Not valid.", {"body": "Write something."}))  # fmt: skip
    services.on("POST community /community/forums/husbandry/threads", ServiceProblem(
        429, "Too Many Requests", "New accounts post a thread every 10 minutes."))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        shown = post_form(client, f"/community/forums/threads/{THREAD}",
                          f"/community/forums/threads/{THREAD}/posts", {"body": "  "})  # fmt: skip
        assert shown.status_code == 422
        assert field_error(shown.text, "body") == "Write something."
        slowed = post_form(client, "/community/forums/husbandry",
                           "/community/forums/husbandry/threads",
                           {"title": "Again", "body": "Hello"})  # fmt: skip
        assert slowed.status_code == 429
        assert "New accounts post a thread every 10 minutes." in slowed.text
        assert 'value="Again"' in slowed.text


def test_community_forms_need_their_csrf_token(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    with breeder_client(make_settings, services) as client:
        for action in (f"/notifications/{NOTE}/read", "/notifications/read-all",
                       "/community/forums/husbandry/threads",
                       f"/community/forums/threads/{THREAD}/posts"):  # fmt: skip
            assert client.post(action, data={"body": "x"}).status_code == 403, action
        assert not [c for c in services.calls if "community" in c["key"]]


def test_the_count_is_left_out_when_community_does_not_answer(
    make_settings: Callable[..., Settings],
) -> None:
    services = StandInServices()
    services.down.add("community")
    with breeder_client(make_settings, services) as client:
        partial = client.get("/notifications/unread")
        assert partial.status_code == 200
        assert partial.text.strip() == ""


def test_a_notification_never_links_to_another_site(make_settings: Callable[..., Settings]) -> None:
    services = StandInServices()
    note = {"kind": "k", "body": "", "language": "en", "created_at": "2026-12-07T10:00:00Z",
            "read_at": "2026-12-07T11:00:00Z", "event_id": "e"}  # fmt: skip
    services.on("GET community /notifications", answer({
        "items": [{**note, "id": "n1", "title": "Elsewhere", "link": "//evil.example/x"},
                  {**note, "id": "n2", "title": "Here", "link": "/orders/o2"}],
        "total": 2, "unread": 0, "limit": 20, "offset": 0}))  # fmt: skip
    with breeder_client(make_settings, services) as client:
        html = client.get("/notifications").text
        assert "evil.example" not in html
        assert '<a href="/orders/o2">Here</a>' in html
