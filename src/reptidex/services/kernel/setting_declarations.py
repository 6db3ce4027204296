"""How a ``REPTIDEX_*`` setting is declared: once, on its field of the settings dataclass.

A declaration states the variable, how its text is read (type and bounds), its default, one line
of help, its section of the README's configuration table, and whether it is a secret. The loader,
the list of known variables, the redacted ``repr``, the README table and ``reptidex settings``
all read the declarations, so none of them repeats a default or a rule.

>>> from dataclasses import dataclass
>>> @dataclass(frozen=True)
... class Example:
...     port: int = setting(8000, Bounded(int, "must be a port", at_least=1), "port", section=PLATFORM)
>>> (port,) = declarations(Example)
>>> port.env_names, port.parse("8080")
(('REPTIDEX_PORT',), 8080)
>>> port.row()
'| `REPTIDEX_PORT` | `8000` | port |'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from reptidex.services.kernel.client_address import parse_networks
from reptidex.services.kernel.redaction import HIDDEN, redact_text, value_is_set

T = TypeVar("T")
N = TypeVar("N", int, float)

_DECLARATION = "reptidex.setting"


@dataclass(frozen=True, slots=True)
class Section:
    """A group of rows in the README's configuration table, with the page that explains it."""

    title: str
    page: str | None = None

    def heading(self) -> str:
        """The section's row in the Markdown table."""
        link = f" ([{self.page}]({self.page}))" if self.page else ""
        return f"| **{self.title}**{link} | | |"


PLATFORM = Section("platform")
EVENTS = Section("events", "docs/events.md")
IDENTITY = Section("identity", "docs/identity.md")
BILLING = Section("billing and flags", "docs/billing.md")
COMMERCE = Section("marketplace payments", "docs/commerce.md")
MEDIA = Section("media", "docs/media.md")
SEARCH = Section("community search", "docs/community.md")
COMMUNITY = Section("community notifications", "docs/community-notifications.md")
OPS = Section("ops", "docs/ops.md")
SECTIONS = (PLATFORM, EVENTS, IDENTITY, BILLING, COMMERCE, MEDIA, SEARCH, COMMUNITY, OPS)
"""The README table's sections, in its order."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One variable, ``REPTIDEX_<ATTRIBUTE>``, filling the settings attribute of that name.

    ``shown_default`` is the README's text for a default that the value alone would misstate
    (one computed at start, or a library's own).
    """

    attribute: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    section: Section
    secret: bool = False
    shown_default: str | None = None

    @property
    def name(self) -> str:
        """The variable's name as the README shows it."""
        return f"REPTIDEX_{self.attribute.upper()}"

    @property
    def env_names(self) -> tuple[str, ...]:
        """The environment variables this declaration reads."""
        return (self.name,)

    def shown(self, value: Any) -> str:
        """``value`` as an operator may see it: a secret hidden, URL passwords masked."""
        return _shown(value, secret=self.secret)

    def row(self) -> str:
        """The declaration's row in the README's configuration table."""
        text = env_text(self.default)
        default = self.shown_default or (f"`{text}`" if text else "none")
        return f"| `{self.name}` | {default} | {self.help} |"


def _shown(value: Any, *, secret: bool) -> str:
    return HIDDEN if secret and value_is_set(value) else redact_text(env_text(value))


def _unset(_data_dir: Path, _member: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class Family:
    """One variable per member (a service, a plan), filling a mapping attribute by member.

    ``template`` names a member's variable with ``{}`` for the member's name in capitals;
    ``default`` gives a member's value when its variable is unset (``None``: left out).
    """

    attribute: str
    template: str
    placeholder: str
    members: tuple[str, ...]
    parse: Callable[[str], str]
    help: str
    section: Section
    default: Callable[[Path, str], str | None] = _unset
    secret: bool = False
    shown_default: str | None = None

    @property
    def name(self) -> str:
        """The variables' common name as the README shows it, e.g. ``REPTIDEX_<SERVICE>_URL``."""
        return self.template.format(f"<{self.placeholder}>")

    def env_name(self, member: str) -> str:
        """The variable of ``member``."""
        return self.template.format(member.upper())

    @property
    def env_names(self) -> tuple[str, ...]:
        """The environment variables this declaration reads."""
        return tuple(self.env_name(member) for member in self.members)

    def shown(self, value: Any) -> str:
        """One member's ``value`` as an operator may see it."""
        return _shown(value, secret=self.secret)

    def row(self) -> str:
        """The declaration's row in the README's configuration table."""
        return f"| `{self.name}` | {self.shown_default or 'none'} | {self.help} |"


Declaration = Setting | Family


def setting(
    default: T,
    parse: Callable[[str], T],
    help: str,
    *,
    section: Section,
    secret: bool = False,
    shown_default: str | None = None,
) -> T:
    """A settings field read from ``REPTIDEX_<FIELD NAME>`` with ``parse`` (``default`` if unset)."""
    declared = Setting(
        attribute="",  # the field's name, known once the dataclass is made
        default=default,
        parse=parse,
        help=help,
        section=section,
        secret=secret,
        shown_default=shown_default,
    )
    return field(default=default, metadata={_DECLARATION: declared})


def family(
    template: str,
    placeholder: str,
    members: Iterable[str],
    parse: Callable[[str], str],
    help: str,
    *,
    section: Section,
    default: Callable[[Path, str], str | None] = _unset,
    secret: bool = False,
    shown_default: str | None = None,
) -> Mapping[str, str]:
    """A settings field mapping each member to the value of its own variable (see :class:`Family`)."""
    declared = Family(
        attribute="",  # the field's name, known once the dataclass is made
        template=template,
        placeholder=placeholder,
        members=tuple(members),
        parse=parse,
        help=help,
        section=section,
        default=default,
        secret=secret,
        shown_default=shown_default,
    )
    empty: Callable[[], dict[str, str]] = dict
    return field(default_factory=empty, metadata={_DECLARATION: declared})


def declarations(cls: type) -> tuple[Declaration, ...]:
    """The declarations on the fields of the dataclass ``cls``, in field order.

    Raises:
        TypeError: when a field was not declared with :func:`setting` or :func:`family`.
    """
    found: list[Declaration] = []
    for item in fields(cls):
        declared = item.metadata.get(_DECLARATION)
        if declared is None:
            raise TypeError(f"{cls.__name__}.{item.name} is not declared as a setting")
        found.append(replace(declared, attribute=item.name))
    return tuple(found)


def markdown_table(declared: Iterable[Declaration]) -> str:
    """The README's configuration table: a row per declaration under its section's heading,
    then what each family's placeholder stands for."""
    declared = tuple(declared)
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for section in SECTIONS:
        lines.append(section.heading())
        lines.extend(item.row() for item in declared if item.section == section)
    placeholders = {item.placeholder: item.members for item in declared if isinstance(item, Family)}
    sentence = "; ".join(
        f"`<{placeholder}>` is {_either(members)}" for placeholder, members in placeholders.items()
    )
    return "\n".join(lines) + f"\n\n{sentence}.\n"


def _either(members: tuple[str, ...]) -> str:
    names = [f"`{member.upper()}`" for member in members]
    return ", ".join(names[:-1]) + f" or {names[-1]}"


def env_text(value: Any) -> str:
    """``value`` written as its variable's text ("" for nothing), so that it reads back the same.

    >>> [env_text(v) for v in (None, 2592000.0, 0.5, False, ("a", "b"), Path("data"))]
    ['', '2592000', '0.5', 'false', 'a,b', 'data']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


# The readers below turn a variable's text into its value, or raise ValueError saying why not.


@dataclass(frozen=True, slots=True)
class Bounded(Generic[N]):
    """A number of ``kind`` within bounds (``above`` excludes its bound, ``at_least`` and
    ``at_most`` include theirs); ``message`` tells the operator the bounds.

    >>> Bounded(int, "must be between 1 and 65535", at_least=1, at_most=65535)("8080")
    8080
    >>> Bounded(float, "must be a positive number of seconds", above=0)("0")
    Traceback (most recent call last):
    ValueError: must be a positive number of seconds
    """

    kind: Callable[[str], N]
    message: str
    above: N | None = None
    at_least: N | None = None
    at_most: N | None = None

    def __call__(self, text: str) -> N:
        number = self.kind(text)
        if not self.admits(number):
            raise ValueError(self.message)
        return number

    def admits(self, number: N) -> bool:
        """Whether ``number`` lies within the bounds (never for NaN)."""
        return (
            (self.above is None or number > self.above)
            and (self.at_least is None or number >= self.at_least)
            and (self.at_most is None or number <= self.at_most)
            and number == number  # NaN is unequal to itself
        )


SECONDS = Bounded(float, "must be a positive number of seconds", above=0.0)
SECONDS_OR_ZERO = Bounded(float, "must be zero or a positive number of seconds", at_least=0.0)
COUNT = Bounded(int, "must be a positive whole number", at_least=1)
COUNT_OR_ZERO = Bounded(int, "must be a whole number, 0 or more", at_least=0)


def choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    """One of ``options``, in their case whatever the case given."""

    def parse(value: str) -> str:
        value = value.upper() if upper else value.lower()
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    return parse


def text(value: str) -> str:
    """Any text, as given."""
    return value


def key_prefix(value: str) -> str:
    """A folder inside a bucket, without surrounding slashes."""
    return value.strip("/")


def boolean(value: str) -> bool:
    """``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off``, in any case."""
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def http_url(value: str) -> str:
    """An http(s) URL, without a trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")


def redis_server(value: str) -> str:
    """A Redis URL."""
    if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("expected a redis://host:port/db URL")
    return value


def smtp_server(value: str) -> str:
    """An SMTP server's URL, credentials optional."""
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("expected smtp://[user:password@]host[:port] or smtps://…")
    return value


def origins(value: str) -> tuple[str, ...]:
    """Comma-separated http(s) origins, or ``*``."""
    found = tuple(item.strip() for item in value.split(",") if item.strip())
    for origin in found:
        if origin != "*":
            http_url(origin)
    return found


def networks(value: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks, each written as a network."""
    return tuple(str(network) for network in parse_networks(value))
