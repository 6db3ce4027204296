"""Platform settings, read from ``REPTIDEX_*`` environment variables and validated at start.

Every variable is optional; the defaults give the embedded platform (SQLite files in a data
folder, in-process events, local files). :func:`load_settings` collects every bad value before
raising, so one start tells the operator everything that is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from reptidex.services.kernel.catalog import SERVICE_NAMES, SERVICES, service_spec
from reptidex.services.kernel.client_address import parse_networks
from reptidex.services.kernel.redaction import HIDDEN, is_secret_name, redact, value_is_set

T = TypeVar("T")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("auto", "json", "console")
EVENT_BUSES = ("memory", "redis")
BLOB_STORES = ("disk", "s3")

_PER_SERVICE_SUFFIXES = ("DATABASE_URL", "URL", "SERVICE_SECRET")
_GLOBAL_VARS = (
    "REPTIDEX_DATA_DIR",
    "REPTIDEX_HOST",
    "REPTIDEX_PORT",
    "REPTIDEX_REDIS_URL",
    "REPTIDEX_LOG_LEVEL",
    "REPTIDEX_LOG_FORMAT",
    "REPTIDEX_CORS_ORIGINS",
    "REPTIDEX_TRUSTED_PROXIES",
    "REPTIDEX_HEALTH_TIMEOUT",
    "REPTIDEX_HTTP_TIMEOUT",
    "REPTIDEX_SHUTDOWN_TIMEOUT",
    "REPTIDEX_DB_POOL_SIZE",
    "REPTIDEX_DB_ECHO",
    "REPTIDEX_LINEAGE_MIRROR_ANIMALS",
    # events: bus (memory or redis; default redis when REPTIDEX_REDIS_URL is set), outbox relay
    "REPTIDEX_EVENT_BUS",
    "REPTIDEX_EVENT_STREAM_MAXLEN",
    "REPTIDEX_EVENT_CLAIM_IDLE",
    "REPTIDEX_EVENT_MAX_DELIVERIES",
    "REPTIDEX_OUTBOX_POLL_INTERVAL",
    "REPTIDEX_OUTBOX_MAX_LAG",
    # billing (Stripe); billing is switched off unless the key, webhook secret and prices are set
    "REPTIDEX_STRIPE_SECRET_KEY",
    "REPTIDEX_STRIPE_WEBHOOK_SECRET",
    "REPTIDEX_STRIPE_API_BASE",
    *(f"REPTIDEX_STRIPE_PRICE_{plan}" for plan in ("KEEPER", "BREEDER", "BUSINESS")),
    "REPTIDEX_FLAG_CACHE_TTL",
    # identity: token lifetimes (seconds), signing keys, mail
    "REPTIDEX_ACCESS_TOKEN_TTL",
    "REPTIDEX_TOKEN_LEEWAY",
    "REPTIDEX_REFRESH_TOKEN_TTL",
    "REPTIDEX_SIGNING_KEY_LIFETIME",
    "REPTIDEX_SIGNING_KEY_SECRET",
    "REPTIDEX_SMTP_URL",
    "REPTIDEX_MAIL_FROM",
    # media: where file bytes live (disk under <data dir>/media, or S3; AWS_* for credentials)
    "REPTIDEX_BLOB_STORE",
    "REPTIDEX_S3_BUCKET",
    "REPTIDEX_S3_PREFIX",
    "REPTIDEX_S3_ENDPOINT_URL",
    "REPTIDEX_S3_REGION",
)

KNOWN_ENV_VARS: frozenset[str] = frozenset(
    _GLOBAL_VARS
    + tuple(f"{spec.env_prefix}{suffix}" for spec in SERVICES for suffix in _PER_SERVICE_SUFFIXES)
)
"""Every environment variable the platform reads."""


class SettingsError(ValueError):
    """One or more settings are invalid; ``problems`` lists each as ``VARIABLE: reason``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n  " + "\n  ".join(problems))


@dataclass(frozen=True, slots=True, repr=False)
class Settings:
    """Validated settings of the whole platform (each service reads the parts it needs).

    Its ``repr`` hides every secret (keys, webhook and signing secrets, service credentials)
    and masks the passwords of URLs, so settings can never leak through a log line.
    """

    data_dir: Path
    host: str = "127.0.0.1"
    port: int | None = None
    database_urls: Mapping[str, str] = field(default_factory=dict)
    peer_urls: Mapping[str, str] = field(default_factory=dict)
    redis_url: str | None = None
    log_level: str = "INFO"
    log_format: str = "auto"
    cors_origins: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    """Proxies (addresses or networks, validated) whose X-Forwarded-For is believed."""
    health_timeout: float = 2.0
    http_timeout: float = 5.0
    shutdown_timeout: float = 10.0
    db_pool_size: int = 10
    db_echo: bool = False
    lineage_mirror_animals: int = 250_000
    """Animals repti-animal holds in memory per process to answer lineages (0: none)."""
    event_bus: str | None = None
    event_stream_maxlen: int = 100_000
    event_claim_idle: float = 30.0
    event_max_deliveries: int = 5
    outbox_poll_interval: float = 0.5
    outbox_max_lag: float = 60.0
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_prices: Mapping[str, str] = field(default_factory=dict)
    flag_cache_ttl: float = 30.0
    access_token_ttl: float = 900.0
    token_leeway: int = 30
    refresh_token_ttl: float = 30 * 86400.0
    signing_key_lifetime: float = 30 * 86400.0
    signing_key_secret: str | None = None
    service_secrets: Mapping[str, str] = field(default_factory=dict)
    smtp_url: str | None = None
    mail_from: str = "ReptiDex <no-reply@reptidex.invalid>"
    blob_store: str = "disk"
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str | None = None

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{item.name}={redact(_hidden_if_secret(item.name, getattr(self, item.name)))!r}"
            for item in fields(self)
        )
        return f"Settings({shown})"

    def database_url(self, service: str) -> str:
        """The SQLAlchemy async URL of ``service``'s database."""
        return self.database_urls[service_spec(service).name]

    def peer_url(self, service: str) -> str:
        """The base URL at which ``service`` is reached."""
        return self.peer_urls[service_spec(service).name]


def _hidden_if_secret(name: str, value: object) -> object:
    if is_secret_name(name) and value_is_set(value):
        return HIDDEN
    return value


def default_database_url(data_dir: Path, service: str) -> str:
    """The embedded default: a SQLite file per service in the data folder."""
    return f"sqlite+aiosqlite:///{(data_dir / f'{service}.sqlite3').resolve()}"


def normalise_database_url(url: str) -> str:
    """Return ``url`` with the async driver the platform uses for its scheme.

    >>> normalise_database_url("postgresql://u@localhost/repti_core_db")
    'postgresql+asyncpg://u@localhost/repti_core_db'
    >>> normalise_database_url("sqlite:///data/core.sqlite3")
    'sqlite+aiosqlite:///data/core.sqlite3'

    Raises:
        ValueError: when the scheme is neither PostgreSQL nor SQLite.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("expected a URL such as postgresql+asyncpg://user@host:5432/name")
    base = scheme.split("+", 1)[0]
    if base in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    raise ValueError(f"unsupported database scheme {scheme!r}; use postgresql+asyncpg or sqlite")


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")


def _redis_url(value: str) -> str:
    if urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("expected a redis://host:port/db URL")
    return value


def _smtp_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("expected smtp://[user:password@]host[:port] or smtps://…")
    return value


def _port(value: str) -> int:
    port = int(value)
    if not 1 <= port <= 65535:
        raise ValueError("must be between 1 and 65535")
    return port


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("must be a positive number of seconds")
    return number


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise ValueError("must be zero or a positive number of seconds")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be a positive whole number")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be a whole number, 0 or more")
    return number


def _pool_size(value: str) -> int:
    number = int(value)
    if number < 2:
        # the event relay holds one connection while a consumer of the same service writes
        # through another: with one, they would wait for each other
        raise ValueError("must be at least 2")
    return number


def _networks(value: str) -> tuple[str, ...]:
    return tuple(str(network) for network in parse_networks(value))


def _leeway(value: str) -> int:
    number = int(value)
    if not 0 <= number <= 300:
        raise ValueError("must be a whole number of seconds from 0 to 300")
    return number


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.upper() if upper else value.lower()
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    return parse


def _boolean(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def _origins(value: str) -> tuple[str, ...]:
    origins = tuple(item.strip() for item in value.split(",") if item.strip())
    for origin in origins:
        if origin != "*":
            _http_url(origin)
    return origins


_SECRET_MARKERS = ("SECRET", "KEY", "TOKEN", "PASSWORD")


def shown_value(name: str, raw: str) -> str:
    """``raw`` as it may appear in an error message: secrets hidden, URL passwords masked.

    >>> shown_value("REPTIDEX_STRIPE_SECRET_KEY", "sk_live_123")
    '<hidden>'
    >>> shown_value("REPTIDEX_SMTP_URL", "smtp://mailer:hunter2@mail.example:587")
    'smtp://mailer:***@mail.example:587'
    """
    if any(marker in name for marker in _SECRET_MARKERS):
        return "<hidden>"
    parts = urlsplit(raw)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    return raw


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings from ``environ`` (default: the process environment).

    Raises:
        SettingsError: listing every invalid variable with the reason.
    """
    env = os.environ if environ is None else environ
    problems: list[str] = []

    def read(name: str, parse: Callable[[str], T], default: T) -> T:
        raw = env.get(name)
        if raw is None or raw == "":
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            problems.append(f"{name}={shown_value(name, raw)!r}: {exc}")
            return default

    data_dir = Path(env.get("REPTIDEX_DATA_DIR") or "data")
    database_urls = {
        name: read(
            f"REPTIDEX_{name.upper()}_DATABASE_URL",
            normalise_database_url,
            default_database_url(data_dir, name),
        )
        for name in SERVICE_NAMES
    }
    peer_urls = {
        spec.name: read(f"{spec.env_prefix}URL", _http_url, f"http://127.0.0.1:{spec.port}")
        for spec in SERVICES
    }
    settings = Settings(
        data_dir=data_dir,
        host=env.get("REPTIDEX_HOST") or "127.0.0.1",
        port=read("REPTIDEX_PORT", _port, None),
        database_urls=database_urls,
        peer_urls=peer_urls,
        redis_url=read("REPTIDEX_REDIS_URL", _redis_url, None),
        log_level=read("REPTIDEX_LOG_LEVEL", _choice(LOG_LEVELS, upper=True), "INFO"),
        log_format=read("REPTIDEX_LOG_FORMAT", _choice(LOG_FORMATS), "auto"),
        cors_origins=read("REPTIDEX_CORS_ORIGINS", _origins, ()),
        trusted_proxies=read("REPTIDEX_TRUSTED_PROXIES", _networks, ()),
        health_timeout=read("REPTIDEX_HEALTH_TIMEOUT", _positive_float, 2.0),
        http_timeout=read("REPTIDEX_HTTP_TIMEOUT", _positive_float, 5.0),
        shutdown_timeout=read("REPTIDEX_SHUTDOWN_TIMEOUT", _positive_float, 10.0),
        db_pool_size=read("REPTIDEX_DB_POOL_SIZE", _pool_size, 10),
        db_echo=read("REPTIDEX_DB_ECHO", _boolean, False),
        lineage_mirror_animals=read("REPTIDEX_LINEAGE_MIRROR_ANIMALS", _non_negative_int, 250_000),
        event_bus=read("REPTIDEX_EVENT_BUS", _choice(EVENT_BUSES), None),
        event_stream_maxlen=read("REPTIDEX_EVENT_STREAM_MAXLEN", _positive_int, 100_000),
        event_claim_idle=read("REPTIDEX_EVENT_CLAIM_IDLE", _positive_float, 30.0),
        event_max_deliveries=read("REPTIDEX_EVENT_MAX_DELIVERIES", _positive_int, 5),
        outbox_poll_interval=read("REPTIDEX_OUTBOX_POLL_INTERVAL", _positive_float, 0.5),
        outbox_max_lag=read("REPTIDEX_OUTBOX_MAX_LAG", _positive_float, 60.0),
        stripe_secret_key=env.get("REPTIDEX_STRIPE_SECRET_KEY") or None,
        stripe_webhook_secret=env.get("REPTIDEX_STRIPE_WEBHOOK_SECRET") or None,
        stripe_api_base=read("REPTIDEX_STRIPE_API_BASE", _http_url, None),
        stripe_prices={
            plan: env[f"REPTIDEX_STRIPE_PRICE_{plan.upper()}"]
            for plan in ("keeper", "breeder", "business")
            if env.get(f"REPTIDEX_STRIPE_PRICE_{plan.upper()}")
        },
        flag_cache_ttl=read("REPTIDEX_FLAG_CACHE_TTL", _non_negative_float, 30.0),
        access_token_ttl=read("REPTIDEX_ACCESS_TOKEN_TTL", _positive_float, 900.0),
        token_leeway=read("REPTIDEX_TOKEN_LEEWAY", _leeway, 30),
        refresh_token_ttl=read("REPTIDEX_REFRESH_TOKEN_TTL", _positive_float, 30 * 86400.0),
        signing_key_lifetime=read("REPTIDEX_SIGNING_KEY_LIFETIME", _positive_float, 30 * 86400.0),
        signing_key_secret=env.get("REPTIDEX_SIGNING_KEY_SECRET") or None,
        service_secrets={
            spec.name: env[f"{spec.env_prefix}SERVICE_SECRET"]
            for spec in SERVICES
            if env.get(f"{spec.env_prefix}SERVICE_SECRET")
        },
        smtp_url=read("REPTIDEX_SMTP_URL", _smtp_url, None),
        mail_from=env.get("REPTIDEX_MAIL_FROM") or "ReptiDex <no-reply@reptidex.invalid>",
        blob_store=read("REPTIDEX_BLOB_STORE", _choice(BLOB_STORES), "disk"),
        s3_bucket=env.get("REPTIDEX_S3_BUCKET") or None,
        s3_prefix=(env.get("REPTIDEX_S3_PREFIX") or "").strip("/"),
        s3_endpoint_url=read("REPTIDEX_S3_ENDPOINT_URL", _http_url, None),
        s3_region=env.get("REPTIDEX_S3_REGION") or None,
    )
    problems.extend(
        f"{spec.env_prefix}SERVICE_SECRET: must be at least 16 characters"
        for spec in SERVICES
        if len(settings.service_secrets.get(spec.name, "x" * 16)) < 16
    )
    if settings.blob_store == "s3" and not settings.s3_bucket:
        problems.append("REPTIDEX_BLOB_STORE='s3': needs REPTIDEX_S3_BUCKET")
    if settings.event_bus == "redis" and not settings.redis_url:
        problems.append("REPTIDEX_EVENT_BUS='redis': needs REPTIDEX_REDIS_URL")
    unknown = sorted(
        name for name in env if name.startswith("REPTIDEX_") and name not in KNOWN_ENV_VARS
    )
    problems.extend(f"{name}: unknown setting (typo?)" for name in unknown)
    if problems:
        raise SettingsError(problems)
    return settings
