"""An automated accessibility check of the page a :class:`~chromium.Browser` shows, run in the
page (no internet, no library): the WCAG 2.1 rules a machine can decide.

- the document has a language, a title, one ``main`` landmark, a navigation landmark and a
  skip link to an element that exists;
- every form control has a label; every image an ``alt``; every link and button a name;
- ids are unique and ``aria-describedby`` names elements that exist;
- one ``h1``, and heading levels never skip one going down;
- text contrasts with its background at 4.5:1 at least (3:1 for large text);
- the stylesheet gives focused elements a visible outline (``:focus-visible``).

:func:`violations` returns what the page breaks, one readable line each.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

CHECKER = r"""
(() => {
  const found = [];
  const say = (rule, el) => found.push(rule + (el ? ": " + el.outerHTML.slice(0, 120) : ""));
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") return false;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  };
  const name = (el) => (el.getAttribute("aria-label") || "").trim()
    || (el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean)
        .map((id) => (document.getElementById(id) || {}).textContent || "").join(" ").trim()
    || (el.textContent || "").trim()
    || (el.querySelector("img[alt]") || {alt: ""}).alt.trim()
    || (el.getAttribute("title") || "").trim();

  if (!(document.documentElement.getAttribute("lang") || "").trim()) say("html has no lang");
  if (!document.title.trim()) say("document has no title");
  if (document.querySelectorAll("main, [role=main]").length !== 1) say("not exactly one main landmark");
  if (!document.querySelector("nav, [role=navigation]")) say("no navigation landmark");
  const skip = document.querySelector("a[href^='#']");
  if (!skip || !document.getElementById(skip.getAttribute("href").slice(1)))
    say("no skip link to an element of the page");

  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset"].includes(el.type)) continue;
    if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")
        && !el.getAttribute("aria-labelledby")) say("form control without a label", el);
  }
  for (const el of document.querySelectorAll("img"))
    if (!el.hasAttribute("alt")) say("image without alt", el);
  for (const el of document.querySelectorAll("a[href], button"))
    if (!name(el)) say("link or button without a name", el);

  const ids = {};
  for (const el of document.querySelectorAll("[id]")) {
    if (ids[el.id]) say("duplicate id " + el.id, el);
    ids[el.id] = true;
  }
  for (const el of document.querySelectorAll("[aria-describedby]"))
    for (const id of el.getAttribute("aria-describedby").split(/\s+/).filter(Boolean))
      if (!document.getElementById(id)) say("aria-describedby names no element " + id, el);

  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")];
  if (headings.filter((h) => h.tagName === "H1").length !== 1) say("not exactly one h1");
  let level = 0;
  for (const h of headings) {
    const next = Number(h.tagName[1]);
    if (level && next > level + 1) say("heading level skipped", h);
    level = next;
  }

  const rgba = (text) => (text.match(/[\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let at = el; at; at = at.parentElement) {
      const color = rgba(getComputedStyle(at).backgroundColor);
      if (color.length < 4 || color[3] > 0.5) return color;
    }
    return [255, 255, 255, 1];
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || seen.has(el) || !visible(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const ink = luminance(rgba(style.color));
    const paper = luminance(background(el));
    const ratio = (Math.max(ink, paper) + 0.05) / (Math.min(ink, paper) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) say("contrast " + ratio.toFixed(2) + ":1 too low", el);
  }

  let focus = false;
  for (const sheet of document.styleSheets) {
    let rules = [];
    try { rules = [...sheet.cssRules]; } catch (e) { continue; }
    for (const rule of rules)
      if (rule.selectorText && rule.selectorText.includes(":focus") && rule.style) {
        // a shorthand with var() leaves its longhands empty in the CSSOM
        const outline = rule.style.outlineStyle || rule.style.outline || "";
        if (outline && !/^none\b/.test(outline)) focus = true;
      }
  }
  if (!focus) say("no visible focus style");
  return found;
})()
"""


def violations(browser: Any) -> list[str]:
    """What the page the browser shows breaks of the rules above (empty: none)."""
    found = browser.evaluate(CHECKER)
    assert isinstance(found, list), found
    return [f"{browser.path}: {line}" for line in found]


def phone_overflow(browser: Any, width: int = 360) -> int:
    """How many CSS pixels the page is wider than a phone's screen of ``width`` (0: it fits)."""
    browser.send(
        "Emulation.setDeviceMetricsOverride", width=width, height=740, deviceScaleFactor=2,
        mobile=True,
    )  # fmt: skip
    try:
        overflow = browser.evaluate("document.documentElement.scrollWidth") - width
    finally:
        browser.send("Emulation.clearDeviceMetricsOverride")
    return max(0, int(overflow))


def page_url(html: str) -> str:
    """A ``data:`` URL of ``html`` (for testing the checker itself)."""
    return "data:text/html;charset=utf-8," + quote(html)
