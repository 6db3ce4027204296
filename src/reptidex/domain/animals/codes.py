"""Id codes from an organisation's template, e.g. ``BP-{yy}-{seq:3}`` → ``BP-26-007``.

Placeholders: ``{seq}`` (required; ``{seq:N}`` zero-pads to N digits), ``{year}``, ``{yy}``,
``{species}`` (initials of the species id, e.g. ``BP``) and ``{sex}`` (``M``, ``F`` or ``U``).
Templates are parsed here rather than passed to :meth:`str.format`, so that a template can
never reach into Python objects.
"""

from __future__ import annotations

import datetime as dt
import re

from reptidex.domain.errors import InvalidInput

DEFAULT_TEMPLATE = "{species}-{yy}-{seq:4}"
_PLACEHOLDER = re.compile(r"\{([a-z]+)(?::([1-9]))?\}")
_ALLOWED = {"seq", "year", "yy", "species", "sex"}


def check_template(template: str) -> str:
    """Return ``template`` if valid; :class:`InvalidInput` naming the problem otherwise.

    >>> check_template("RX{seq:5}")
    'RX{seq:5}'
    >>> check_template("{name}")
    Traceback (most recent call last):
    ...
    reptidex.domain.errors.InvalidInput: Unknown placeholder {name} in the id-code template.
    """
    names = [m.group(1) for m in _PLACEHOLDER.finditer(template)]
    for name in names:
        if name not in _ALLOWED:
            raise InvalidInput(
                f"Unknown placeholder {{{name}}} in the id-code template.",
                field_errors={"template": f"allowed: {', '.join(sorted(_ALLOWED))}"},
            )
    rest = _PLACEHOLDER.sub("", template)
    if "{" in rest or "}" in rest:
        raise InvalidInput(
            "A brace in the id-code template is not a placeholder.",
            field_errors={"template": "use {seq}, {seq:N}, {year}, {yy}, {species}, {sex}"},
        )
    if "seq" not in names:
        raise InvalidInput(
            "The id-code template needs {seq} so that codes differ.",
            field_errors={"template": "add {seq} or {seq:N}"},
        )
    return template


def species_initials(species: str) -> str:
    """``ball_python`` → ``BP``.

    >>> species_initials("western_hognose")
    'WH'
    """
    return "".join(part[:1] for part in species.split("_")).upper()


def render_code(template: str, number: int, *, species: str, sex: str, today: dt.date) -> str:
    """The code of running number ``number``.

    >>> render_code(DEFAULT_TEMPLATE, 7, species="ball_python", sex="male",
    ...             today=dt.date(2026, 5, 1))
    'BP-26-0007'
    """

    def value(match: re.Match[str]) -> str:
        name, width = match.group(1), match.group(2)
        if name == "seq":
            return str(number).zfill(int(width or 1))
        if name == "year":
            return str(today.year)
        if name == "yy":
            return f"{today.year % 100:02d}"
        if name == "species":
            return species_initials(species)
        return {"male": "M", "female": "F"}.get(sex, "U")

    return _PLACEHOLDER.sub(value, template)
