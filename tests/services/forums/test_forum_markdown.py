"""Posts' Markdown becomes HTML in which no script survives: hostile input of every kind the
sanitiser is known to face, a property test over arbitrary text, and a hostile post through
the API (the stored HTML is the sanitised one)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from forum_testkit import ForumUser
from hypothesis import given, settings
from hypothesis import strategies as st

from reptidex.adapters.render.post_markdown import SanitisedMarkdown

RENDER = SanitisedMarkdown()

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript&#x3A;alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    '[x](http://ok.example "a" onmouseover="alert(1)")',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name=x></form>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    '<object data="x.swf"></object><embed src="x.swf">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<<script>script>alert(1)<</script>/script>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "> <img src=x onerror=alert(1)>",
    "* <a href=javascript:alert(1)>x</a>",
    "[x](<javascript:alert(1)>)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<base href=javascript:/>",
    '<a href="https://ok.example" target="_blank" onclick="alert(1)">x</a>',
]

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"href", "title", "src", "alt", "start", "rel"}


class _Markup(HTMLParser):
    """Every element and attribute of a piece of HTML, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def _dangers(html: str) -> list[str]:
    """What in ``html`` could run script or load a foreign document: an element off the
    list, an attribute off the list (event handlers among them), or a link or image whose URL
    (its character references decoded, as a browser does) has a scheme other than http(s) or
    mailto."""
    markup = _Markup()
    markup.feed(html)
    markup.close()
    found = []
    for tag, attrs in markup.elements:
        if tag not in ALLOWED_TAGS:
            found.append(f"element {tag}")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES:
                found.append(f"attribute {name} of {tag}")
            if name in {"href", "src"}:
                url = "".join(ch for ch in (value or "") if ch > " ")
                scheme = urlsplit(url).scheme.lower()
                if scheme not in {"", "http", "https"} and not (tag == "a" and scheme == "mailto"):
                    found.append(f"{name}={value!r}")
    return found


def _safe(html: str) -> bool:
    return not _dangers(html)


@pytest.mark.parametrize("source", HOSTILE)
def test_no_script_survives_hostile_input(source: str) -> None:
    html = RENDER.to_html(source)
    assert _dangers(html) == [], html


def test_the_danger_check_itself_catches_script() -> None:
    assert not _safe('<p><a href="javascript:alert(1)">x</a></p>')
    assert not _safe('<img src="data:image/png;base64,AA">')
    assert not _safe('<p onclick="x()">y</p>')
    assert not _safe("<script>alert(1)</script>")
    assert not _safe('<a href="&#106;avascript:alert(1)">x</a>')
    assert not _safe('<a href=" java\tscript:alert(1)">x</a>')
    assert _safe('<p><a href="https://ok.example" rel="nofollow noopener ugc">x</a></p>')


def test_links_are_marked_user_generated_and_not_followed() -> None:
    html = RENDER.to_html("[care sheet](https://reptidex.example/care) and <https://a.example>")
    assert html.count('rel="nofollow noopener ugc"') == 2
    assert 'href="https://reptidex.example/care"' in html
    assert "target=" not in html


def test_markdown_still_formats() -> None:
    html = RENDER.to_html("# Title\n\n- **bold**\n- `code`\n\n> quote\n\n1. one")
    assert "<h1>Title</h1>" in html
    assert "<li><strong>bold</strong></li>" in html
    assert "<code>code</code>" in html
    assert "<blockquote>" in html
    assert "<ol>" in html


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "script",
                "javascript:",
                "java",
                "script:",
                "&#",
                "x6A;",
                "on",
                "error",
                "=",
                '"',
                "'",
                "(",
                ")",
                "[",
                "]",
                "!",
                "svg",
                "img",
                " ",
                "\n",
                "src",
                "href",
                "data:",
                "`",
                "\\",
                "/",
                "&lt;",
                "alert(1)",
                "%3A",
            ]
        )
        | st.text(max_size=5),
        max_size=40,
    ).map("".join)
)
def test_arbitrary_text_never_renders_script(source: str) -> None:
    assert _safe(RENDER.to_html(source))


def test_a_hostile_post_is_stored_sanitised(alice: ForumUser, forums: dict[str, Any]) -> None:
    source = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    post = alice.start_thread("ball-pythons", body=source)["post"]
    assert post["source"] == source
    assert _safe(post["html"])
    read = alice.get(f"/community/forums/threads/{post['thread_id']}").json()
    assert read["posts"][0]["html"] == post["html"]
    assert "<script" not in read["posts"][0]["html"]
