"""Forum posts' Markdown as HTML that is safe to show: CommonMark by markdown-it-py with raw
HTML off (a ``<script>`` in the source comes out as text), then sanitised by Ammonia (nh3)
to the few tags CommonMark makes, with links and images to ``http``, ``https`` (and links to
``mailto``) only, and every link marked ``rel="nofollow noopener ugc"``.

The two steps guard each other: should the parser ever let markup through, the sanitiser
removes what is not on its list (scripts, styles, event handler attributes, SVG, forms,
frames, ``javascript:`` and ``data:`` URLs).
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "code", "pre",
        "blockquote", "ul", "ol", "li", "a", "img",
    }
)  # fmt: skip
"""The tags CommonMark makes, and all that survive."""
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
"""The attributes that survive, per tag."""
URL_SCHEMES = frozenset({"http", "https", "mailto"})
"""The schemes a link or an image may use (relative URLs stay)."""
LINK_REL = "nofollow noopener ugc"
"""The ``rel`` of every link: user-generated, not endorsed, no access to this page."""


class SanitisedMarkdown:
    """A :class:`~reptidex.domain.forums.ports.MarkdownRenderer`: CommonMark, then Ammonia."""

    def __init__(self) -> None:
        self._parser = MarkdownIt("commonmark", {"html": False})

    def to_html(self, source: str) -> str:
        """The sanitised HTML of ``source``.

        >>> SanitisedMarkdown().to_html("Hi <script>alert(1)</script> [me](javascript:x)")
        '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; [me](javascript:x)</p>\\n'
        """
        return nh3.clean(
            self._parser.render(source),
            tags=set(TAGS),
            attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
            url_schemes=set(URL_SCHEMES),
            link_rel=LINK_REL,
            strip_comments=True,
        )
