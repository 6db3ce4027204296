"""Widgets as HTML: one escaped fragment and one stylesheet per widget, shown in an iframe page
or, by the script loader, inside a Shadow DOM root.

Every value from a breeder goes through :func:`html.escape`; the stylesheet is built from a
validated theme only. The fragments hold no script: the iframe page forbids scripts by its
Content-Security-Policy, and markup set as a shadow root's ``innerHTML`` runs none.
"""

from __future__ import annotations

from html import escape

from reptidex.domain.media.embeds import PedigreeEntry, PublicAnimal, WidgetPedigree
from reptidex.domain.media.rendering import Theme


def widget_css(theme: Theme) -> str:
    """The stylesheet of every widget in a theme (scoped to ``.rdx``; ``:host`` resets what a
    host page would pass down into a Shadow DOM)."""
    p = theme.palette
    return f"""
:host {{ all: initial; display: block; }}
.rdx {{ box-sizing: border-box; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto,
  Helvetica, Arial, sans-serif; color: {p.text}; background: {p.background};
  border: 1px solid {p.border}; border-top: 4px solid {p.accent}; border-radius: 10px;
  padding: 12px 14px; max-width: 100%; overflow-wrap: anywhere; }}
.rdx * {{ box-sizing: border-box; }}
.rdx h2 {{ font-size: 18px; margin: 0 0 2px; line-height: 1.25; }}
.rdx .muted {{ color: {p.muted}; font-size: 12px; }}
.rdx .card {{ display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-start; }}
.rdx .card img {{ width: 120px; max-width: 100%; height: auto; border-radius: 8px; }}
.rdx dl {{ display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 8px 0 0; }}
.rdx dt {{ color: {p.muted}; font-size: 12px; }} .rdx dd {{ margin: 0; }}
.rdx ul.tree {{ list-style: none; margin: 6px 0 0; padding: 0; }}
.rdx ul.tree ul {{ list-style: none; margin: 0; padding-left: 14px;
  border-left: 2px solid {p.border}; }}
.rdx .node {{ background: {p.box}; border: 1px solid {p.border}; border-radius: 6px;
  padding: 4px 8px; margin: 4px 0; }}
.rdx .node.repeat {{ background: {p.repeat}; }}
.rdx .node.hidden, .rdx .node.unknown {{ color: {p.muted}; font-style: italic; }}
.rdx .role {{ color: {p.accent}; font-size: 11px; font-weight: 600; text-transform: uppercase;
  margin-right: 6px; }}
.rdx ul.list {{ list-style: none; padding: 0; margin: 8px 0 0; display: grid; gap: 6px;
  grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); }}
.rdx ul.list li {{ background: {p.box}; border: 1px solid {p.border}; border-radius: 6px;
  padding: 6px 8px; }}
.rdx .notpublic {{ color: {p.muted}; text-align: center; padding: 18px 0; }}
.rdx footer {{ margin-top: 8px; font-size: 11px; color: {p.muted}; }}
.rdx footer b {{ color: {p.accent}; }}
@media (max-width: 420px) {{ .rdx {{ padding: 10px; font-size: 13px; }}
  .rdx ul.tree ul {{ padding-left: 8px; }} .rdx .card img {{ width: 100%; }} }}
""".strip()


_FOOTER = "<footer>Powered by <b>ReptiDex</b></footer>"


def _e(value: str | None) -> str:
    return escape(value or "", quote=True)


def not_public_html() -> str:
    """What a widget of an animal that is not public shows."""
    return f'<div class="rdx"><p class="notpublic">This animal is not public.</p>{_FOOTER}</div>'


def profile_html(animal: PublicAnimal, photo_url: str | None) -> str:
    """A profile card."""
    photo = (
        f'<img src="{_e(photo_url)}" alt="Photo of {_e(animal.label)}" loading="lazy">'
        if photo_url
        else ""
    )
    rows = [
        ("Code", animal.code),
        ("Species", animal.species.replace("_", " ")),
        ("Sex", animal.sex),
        ("Morph", animal.phenotype),
        ("Genetics", animal.genetics),
        ("Status", "available" if animal.status == "for_sale" else animal.status.replace("_", " ")),
    ]
    facts = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows if v)
    return (
        f'<div class="rdx" data-widget="profile"><div class="card">{photo}<div>'
        f"<h2>{_e(animal.label)}</h2><dl>{facts}</dl></div></div>{_FOOTER}</div>"
    )


def _node(entry: PedigreeEntry | None, role: str, repeat_of: int | None = None) -> str:
    label = f'<span class="role">{_e(role)}</span>'
    if entry is None:
        return f'<div class="node unknown">{label}Unknown</div>'
    if entry.animal is None:
        return f'<div class="node hidden">{label}Not public</div>'
    animal = entry.animal
    details = [animal.code]
    if entry.full:  # a lineage-only ancestor shows name and code only
        details += [animal.phenotype, animal.genetics]
    repeat = f" · repeat of #{repeat_of}" if repeat_of else ""
    css = "node repeat" if repeat_of else "node"
    return (
        f'<div class="{css}">{label}<strong>{_e(animal.label)}</strong> '
        f'<span class="muted">{_e(" · ".join(d for d in details if d))}{_e(repeat)}</span></div>'
    )


def pedigree_html(pedigree: WidgetPedigree) -> str:
    """A pedigree as a nested list: sire above dam, readable at a phone's width."""
    by_position = {e.position: e for e in pedigree.entries}

    def branch(position: int, generation: int) -> str:
        if generation > pedigree.generations:
            return ""
        entry = by_position.get(position)
        role = "Sire" if position % 2 == 0 else "Dam"
        node = _node(entry, role, entry.repeat_of if entry else None)
        below = ""
        if entry is not None and entry.repeat_of is None:
            # a repeated ancestor's own ancestors are listed at its first appearance only
            children = branch(2 * position, generation + 1) + branch(
                2 * position + 1, generation + 1
            )
            below = f"<ul>{children}</ul>" if children else ""
        return f"<li>{node}{below}</li>"

    root = pedigree.root
    tree = branch(2, 1) + branch(3, 1)
    coi = f"COI {pedigree.coefficient * 100:.2f}% over {pedigree.generations} generations"
    about = " · ".join(d for d in (root.code, root.phenotype, root.genetics, coi) if d)
    return (
        f'<div class="rdx" data-widget="pedigree"><h2>{_e(root.label)}</h2>'
        f'<div class="muted">{_e(about)}</div>'
        f'<ul class="tree">{tree}</ul>{_FOOTER}</div>'
    )


def available_html(animals: list[PublicAnimal]) -> str:
    """A breeder's available animals."""
    if not animals:
        items = '<p class="muted">No animals available right now.</p>'
    else:
        items = (
            '<ul class="list">'
            + "".join(
                f"<li><strong>{_e(a.label)}</strong><br>"
                f'<span class="muted">{_e(a.code)} · {_e(a.sex)} · {_e(a.phenotype)}</span>'
                + (f'<br><span class="genetics">{_e(a.genetics)}</span>' if a.genetics else "")
                + "</li>"
                for a in animals
            )
            + "</ul>"
        )
    return (
        f'<div class="rdx" data-widget="available"><h2>Available animals</h2>{items}{_FOOTER}</div>'
    )


class HtmlWidgets:
    """The :class:`~reptidex.domain.media.ports.WidgetRenderer` of this module's fragments."""

    def css(self, theme: Theme) -> str:
        """The stylesheet of every widget in a theme."""
        return widget_css(theme)

    def not_public(self) -> str:
        """What a widget of an animal that is not public shows."""
        return not_public_html()

    def profile(self, animal: PublicAnimal, photo_url: str | None) -> str:
        """A profile card."""
        return profile_html(animal, photo_url)

    def pedigree(self, pedigree: WidgetPedigree) -> str:
        """A pedigree tree."""
        return pedigree_html(pedigree)

    def available(self, animals: list[PublicAnimal]) -> str:
        """A breeder's available animals."""
        return available_html(animals)

    def page(self, title: str, css: str, body: str) -> str:
        """A whole HTML page of a widget, for an iframe."""
        return widget_page(title, css, body)

    @property
    def loader_js(self) -> str:
        """The script loader."""
        return LOADER_JS


def widget_page(title: str, css: str, body: str) -> str:
    """A whole HTML page of a widget, for an iframe."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>html,body{{margin:0;padding:0;background:transparent}}"
        f"{css}</style></head><body>{body}</body></html>"
    )


LOADER_JS = """/* ReptiDex widgets: <div data-reptidex-widget="profile" data-reptidex-id="..."></div>
   and this script. Each placeholder gets a Shadow DOM root, so the page's styles and the
   widget's styles never meet. Options: data-theme, data-accent, data-generations, data-limit. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src).origin : "";
  var options = ["theme", "accent", "generations", "limit"];
  function mount(el) {
    if (el.getAttribute("data-reptidex-mounted")) { return; }
    el.setAttribute("data-reptidex-mounted", "1");
    var widget = el.getAttribute("data-reptidex-widget") || "";
    var id = el.getAttribute("data-reptidex-id") || "";
    var params = new URLSearchParams();
    options.forEach(function (name) {
      var value = el.getAttribute("data-" + name);
      if (value) { params.set(name, value); }
    });
    var root = el.attachShadow ? el.attachShadow({ mode: "open" }) : el;
    var url = base + "/embed/" + encodeURIComponent(widget) + "/" + encodeURIComponent(id) +
      "/fragment?" + params.toString();
    fetch(url, { credentials: "omit", mode: "cors" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        root.innerHTML = "<style>" + data.css + "</style>" + data.html;
      })
      .catch(function () { root.textContent = "This ReptiDex widget is unavailable."; });
  }
  function scan() {
    document.querySelectorAll("[data-reptidex-widget]").forEach(mount);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scan);
  } else {
    scan();
  }
})();
"""
"""The script loader, written by hand (no build step)."""
