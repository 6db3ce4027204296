"""Platform settings, read from ``REPTIDEX_*`` environment variables and validated at start.

Every variable is declared once, on its field of :class:`Settings`: type and bounds, default,
help and README section, secret or not. Every variable is optional; the defaults give the
embedded platform (SQLite files in a data folder, in-process events, local files).
:func:`load_settings` collects every bad value before raising, so one start tells the operator
everything that is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reptidex.adapters.keys.local import parse_key
from reptidex.domain.billing.plans import PAID_PLANS
from reptidex.services.kernel.catalog import SERVICE_NAMES, service_spec
from reptidex.services.kernel.redaction import HIDDEN, redact, redact_text, value_is_set
from reptidex.services.kernel.setting_declarations import (
    BILLING,
    COMMERCE,
    COMMUNITY,
    COUNT,
    COUNT_OR_ZERO,
    EVENTS,
    IDENTITY,
    MEDIA,
    OPS,
    PLATFORM,
    SEARCH,
    SECONDS,
    SECONDS_OR_ZERO,
    Bounded,
    Declaration,
    Family,
    boolean,
    choice,
    declarations,
    family,
    http_url,
    key_prefix,
    networks,
    origins,
    redis_server,
    setting,
    smtp_server,
    text,
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("auto", "json", "console")
EVENT_BUSES = ("memory", "redis")
BLOB_STORES = ("disk", "s3")
KEY_MANAGERS = ("local", "aws-kms")


class SettingsError(ValueError):
    """One or more settings are invalid; ``problems`` lists each as ``VARIABLE: reason``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid settings:\n  " + "\n  ".join(problems))


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


def _local_peer_url(_data_dir: Path, service: str) -> str:
    return f"http://127.0.0.1:{service_spec(service).port}"


def _secrets_key(value: str) -> str:
    parse_key(value)
    return value.strip()


def _service_secret(value: str) -> str:
    if len(value) < 16:
        raise ValueError("must be at least 16 characters")
    return value


@dataclass(frozen=True, slots=True, repr=False)
class Settings:
    """Validated settings of the whole platform (each service reads the parts it needs).

    Each field declares its variable once (see :mod:`.setting_declarations`), in the order of
    the README's configuration table. The ``repr`` hides every field declared secret and masks
    the passwords of URLs, so settings can never leak through a log line.
    """

    # platform (setting() returns a dataclasses.Field, as field() does, not a shared default)
    data_dir: Path = setting(  # noqa: RUF009
        Path("data"),
        Path,
        "folder for the embedded SQLite databases, local files and the mail outbox",
        section=PLATFORM,
    )
    host: str = setting("127.0.0.1", text, "address the services listen on", section=PLATFORM)
    port: int | None = setting(
        None,
        Bounded(int, "must be between 1 and 65535", at_least=1, at_most=65535),
        "port of `reptidex serve`",
        section=PLATFORM,
        shown_default="the service's port",
    )
    database_urls: Mapping[str, str] = family(
        "REPTIDEX_{}_DATABASE_URL",
        "SERVICE",
        SERVICE_NAMES,
        normalise_database_url,
        "the service's database; `postgresql+asyncpg://user:pass@host:5432/repti_<service>_db`"
        " for PostgreSQL (`postgresql://` is accepted)",
        section=PLATFORM,
        default=default_database_url,
        shown_default="`sqlite+aiosqlite:///<data dir>/<service>.sqlite3`",
    )
    peer_urls: Mapping[str, str] = family(
        "REPTIDEX_{}_URL",
        "SERVICE",
        SERVICE_NAMES,
        http_url,
        "where the other services reach this one",
        section=PLATFORM,
        default=_local_peer_url,
        shown_default="`http://127.0.0.1:<port>`",
    )
    service_secrets: Mapping[str, str] = family(
        "REPTIDEX_{}_SERVICE_SECRET",
        "SERVICE",
        SERVICE_NAMES,
        _service_secret,
        "the service's own credential for service-to-service tokens (16+ characters); set it"
        " when services run in separate containers",
        section=PLATFORM,
        secret=True,
        shown_default="derived from `<data dir>/service-master.key`",
    )
    web_secret: str | None = setting(
        None,
        _service_secret,
        "signs repti-web's form (CSRF) tokens (16+ characters); give every replica of the web"
        " application the same value",
        section=PLATFORM,
        secret=True,
        shown_default="derived from `<data dir>/service-master.key`",
    )
    redis_url: str | None = setting(
        None,
        redis_server,
        "Redis (`redis://host:6379/0`) for events, caches and rate limits",
        section=PLATFORM,
    )
    log_level: str = setting(
        "INFO",
        choice(LOG_LEVELS, upper=True),
        "`DEBUG`, `INFO`, `WARNING` or `ERROR`",
        section=PLATFORM,
    )
    log_format: str = setting(
        "auto",
        choice(LOG_FORMATS),
        "`json`, `console`, or `auto` (console on a terminal)",
        section=PLATFORM,
    )
    cors_origins: tuple[str, ...] = setting(
        (), origins, "comma-separated origins allowed by CORS (`*` for any)", section=PLATFORM
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        networks,
        "proxies (addresses or networks) whose `X-Forwarded-For` is believed for per-address"
        " rate limits; set it behind a load balancer",
        section=PLATFORM,
    )
    health_timeout: float = setting(
        2.0, SECONDS, "seconds each `/health/deep` probe may take", section=PLATFORM
    )
    http_timeout: float = setting(
        5.0, SECONDS, "seconds for calls to other services", section=PLATFORM
    )
    otlp_endpoint: str | None = setting(
        None,
        http_url,
        "OTLP/HTTP traces endpoint (`http://tempo:4318/v1/traces`): each service exports its"
        " spans there; unset, tracing is off",
        section=PLATFORM,
        shown_default="off",
    )
    shutdown_timeout: float = setting(
        10.0, SECONDS, "seconds in-flight requests get on shutdown", section=PLATFORM
    )
    keep_alive_timeout: float = setting(
        5.0,
        SECONDS,
        "seconds an idle keep-alive connection stays open between requests",
        section=PLATFORM,
    )
    header_timeout: float = setting(
        10.0,
        SECONDS,
        "seconds a client has to send a request's line and headers before the connection is"
        " closed (slow clients)",
        section=PLATFORM,
    )
    body_timeout: float = setting(
        30.0,
        SECONDS,
        "seconds a client has to send a request's body once its headers arrived; a slower one"
        " gets a 408 and the connection is closed",
        section=PLATFORM,
    )
    operations_networks: tuple[str, ...] = setting(
        (),
        networks,
        "networks (addresses or CIDRs) allowed to read `/metrics` and `/health/deep`; with it or"
        " the operations token set, other callers get a 403 (repti-ops' `/monitoring` admits"
        " the same callers, and platform administrators)",
        section=PLATFORM,
        shown_default="any caller",
    )
    operations_token: str | None = setting(
        None,
        text,
        "a bearer token (`Authorization: Bearer <token>`) that admits a caller to `/metrics`,"
        " `/health/deep` and repti-ops' `/monitoring` from any address; repti-ops sends it to"
        " read the others' `/health/deep`",
        section=PLATFORM,
        secret=True,
    )
    database_owner_allowed: bool = setting(
        False,
        boolean,
        "let a service connect to PostgreSQL as its tables' owner or a superuser (row-level"
        " security does not bind them); off, such a service refuses to start",
        section=PLATFORM,
    )
    db_pool_size: int = setting(
        10,
        # the event relay holds one connection while a consumer of the same service writes
        # through another: with one, they would wait for each other
        Bounded(int, "must be at least 2", at_least=2),
        "PostgreSQL connections per service process (at least 2); a request finding all busy"
        " waits for one, in turn",
        section=PLATFORM,
    )
    db_echo: bool = setting(False, boolean, "log every SQL statement", section=PLATFORM)
    lineage_mirror_animals: int = setting(
        250_000,
        COUNT_OR_ZERO,
        "animals repti-animal holds in memory per process (about 1.7 KiB each) to compute"
        " lineages without a query, on PostgreSQL; `0` turns the mirror off"
        " ([docs/animal.md](docs/animal.md))",
        section=PLATFORM,
    )

    # events
    event_bus: str | None = setting(
        None,
        choice(EVENT_BUSES),
        "`memory` (in-process) or `redis` (Redis Streams)",
        section=EVENTS,
        shown_default="`redis` when `REPTIDEX_REDIS_URL` is set, else `memory`",
    )
    event_stream_maxlen: int = setting(
        100_000, COUNT, "approximate length each event stream is trimmed to", section=EVENTS
    )
    event_claim_idle: float = setting(
        30.0,
        SECONDS,
        "seconds an unacknowledged event waits before another consumer claims it",
        section=EVENTS,
    )
    event_read_count: int = setting(
        100,
        COUNT,
        "entries a Redis Streams consumer reads at once (a batching consumer's largest batch)",
        section=EVENTS,
    )
    event_max_deliveries: int = setting(
        5, COUNT, "deliveries before an event goes to the dead-letter stream", section=EVENTS
    )
    outbox_poll_interval: float = setting(
        0.5, SECONDS, "seconds between relay passes over the outbox", section=EVENTS
    )
    outbox_max_lag: float = setting(
        60.0,
        SECONDS,
        "seconds an event (or core's mail) may wait unpublished before `/health/deep` fails",
        section=EVENTS,
    )

    # identity
    access_token_ttl: float = setting(
        900.0, SECONDS, "seconds an access token lives", section=IDENTITY
    )
    refresh_token_ttl: float = setting(
        30 * 86400.0, SECONDS, "seconds a refresh token lives (30 days)", section=IDENTITY
    )
    token_leeway: int = setting(
        30,
        Bounded(int, "must be a whole number of seconds from 0 to 300", at_least=0, at_most=300),
        "seconds of clock skew tolerated when checking an access token's expiry",
        section=IDENTITY,
    )
    signing_key_lifetime: float = setting(
        30 * 86400.0,
        SECONDS,
        "seconds before core rotates its signing key (30 days)",
        section=IDENTITY,
    )
    signing_key_secret: str | None = setting(
        None,
        text,
        "when set, signing keys are stored encrypted with it",
        section=IDENTITY,
        secret=True,
    )
    smtp_url: str | None = setting(
        None,
        smtp_server,
        "`smtp://user:pass@host:587` to send mail; without it mail is written to"
        " `<data dir>/mail-outbox/` (the log names each file, never its body)",
        section=IDENTITY,
    )
    mail_from: str = setting(
        "ReptiDex <no-reply@reptidex.invalid>",
        text,
        "sender of the platform's mail",
        section=IDENTITY,
    )
    public_url: str | None = setting(
        None,
        http_url,
        "where people reach the platform: the links in its mail (confirm the address, reset"
        " the password, unlock the account, accept an invitation) open pages under it",
        section=IDENTITY,
        shown_default="`REPTIDEX_CORE_URL` (the embedded core's `http://127.0.0.1:8001`)",
    )

    # billing and flags
    stripe_secret_key: str | None = setting(
        None,
        text,
        "Stripe secret key; billing is off (everyone on Free) until it, the webhook secret and"
        " the three prices are set",
        section=BILLING,
        secret=True,
    )
    stripe_webhook_secret: str | None = setting(
        None,
        text,
        "signing secret of the Stripe webhook endpoint",
        section=BILLING,
        secret=True,
    )
    stripe_prices: Mapping[str, str] = family(
        "REPTIDEX_STRIPE_PRICE_{}",
        "PLAN",
        PAID_PLANS,
        text,
        "Stripe price ids of the paid plans",
        section=BILLING,
    )
    stripe_api_base: str | None = setting(
        None,
        http_url,
        "another Stripe-compatible API address (tests use a local one)",
        section=BILLING,
        shown_default="Stripe's",
    )
    billing_paypal_webhook_id: str | None = setting(
        None,
        text,
        "id of billing's PayPal webhook (for its verification); with the PayPal client id and"
        " secret and the three plan ids it offers PayPal for plans",
        section=BILLING,
    )
    paypal_plans: Mapping[str, str] = family(
        "REPTIDEX_PAYPAL_PLAN_{}",
        "PLAN",
        PAID_PLANS,
        text,
        "PayPal billing plan ids (`P-…`) of the paid plans (`reptidex billing paypal-plans`"
        " creates them)",
        section=BILLING,
    )
    flag_cache_ttl: float = setting(
        30.0,
        SECONDS_OR_ZERO,
        "seconds evaluated feature flags are cached (changes clear it at once)",
        section=BILLING,
    )

    # marketplace payments (repti-commerce; Stripe's secret key and API address are billing's,
    # PayPal's app and API address billing's too)
    commerce_stripe_webhook_secret: str | None = setting(
        None,
        text,
        "signing secret of the marketplace's Stripe webhook endpoint; with the Stripe secret key"
        " it turns Stripe payments on",
        section=COMMERCE,
        secret=True,
    )
    paypal_client_id: str | None = setting(
        None,
        text,
        "PayPal REST app's client id (the marketplace's and billing's); PayPal payments are on"
        " when it, the secret and the webhook id are set",
        section=COMMERCE,
    )
    paypal_client_secret: str | None = setting(
        None, text, "PayPal REST app's secret", section=COMMERCE, secret=True
    )
    paypal_webhook_id: str | None = setting(
        None,
        text,
        "id of the marketplace's PayPal webhook (for its verification)",
        section=COMMERCE,
    )
    paypal_api_base: str = setting(
        "https://api-m.paypal.com",
        http_url,
        "PayPal's API address (`https://api-m.sandbox.paypal.com` for the sandbox)",
        section=COMMERCE,
    )

    # media
    blob_store: str = setting(
        "disk",
        choice(BLOB_STORES),
        "where repti-media keeps file bytes: `disk` (`<data dir>/media`) or `s3`",
        section=MEDIA,
    )
    s3_bucket: str | None = setting(
        None, text, "the bucket for `s3` (required with it)", section=MEDIA
    )
    s3_prefix: str = setting("", key_prefix, "a folder inside the bucket", section=MEDIA)
    s3_endpoint_url: str | None = setting(
        None,
        http_url,
        "another S3-compatible server (MinIO, Ceph, moto)",
        section=MEDIA,
        shown_default="AWS's",
    )
    s3_region: str | None = setting(
        None, text, "the bucket's region", section=MEDIA, shown_default="boto3's"
    )

    # community search
    search_refresh: float = setting(
        0.5,
        SECONDS_OR_ZERO,
        "seconds a search's kept page may still be served after the index changed (0: none)",
        section=SEARCH,
    )
    search_lookups: int = setting(
        1,
        COUNT,
        "new searches each process looks up in the index at once (each keeps a database core"
        " busy for a few hundred milliseconds on a large index)",
        section=SEARCH,
    )

    # community notifications
    twilio_account_sid: str | None = setting(
        None,
        text,
        "Twilio account SID; notifications go out by SMS when it, the auth token and the"
        " sender number are set",
        section=COMMUNITY,
    )
    twilio_auth_token: str | None = setting(
        None, text, "Twilio auth token", section=COMMUNITY, secret=True
    )
    twilio_from_number: str | None = setting(
        None, text, "the number SMS are sent from (E.164, `+15005550006`)", section=COMMUNITY
    )
    twilio_api_base: str = setting(
        "https://api.twilio.com",
        http_url,
        "Twilio's API address (a stand-in in tests)",
        section=COMMUNITY,
    )

    # ops
    audit_retention_days: int = setting(
        2557,
        Bounded(int, "must be a whole number of days from 1 to 36500", at_least=1, at_most=36500),
        "days audit records are kept before `reptidex audit expire` removes their segment",
        section=OPS,
    )
    webhook_allow_local: bool = setting(
        False,
        boolean,
        "let webhooks call loopback addresses, and over plain `http` (development and tests"
        " only; private, link-local and metadata addresses stay refused)",
        section=OPS,
    )
    webhook_timeout: float = setting(
        10.0, SECONDS, "seconds a webhook receiver has to answer a delivery", section=OPS
    )
    webhook_max_attempts: int = setting(
        12,
        Bounded(int, "must be a whole number from 1 to 50", at_least=1, at_most=50),
        "attempts before a webhook delivery is given up (the second 30 s after the first,"
        " the wait doubling up to 6 h)",
        section=OPS,
    )
    key_management: str = setting(
        "local",
        choice(KEY_MANAGERS),
        "what encrypts integration secrets: `local` (an AES-256-GCM key) or `aws-kms`",
        section=OPS,
    )
    integration_secrets_key: str | None = setting(
        None,
        _secrets_key,
        "the `local` key: 32 random bytes in base64 (`openssl rand -base64 32`); keep a copy,"
        " the secrets cannot be read without it",
        section=OPS,
        secret=True,
        shown_default="made in `<data dir>/integration-secrets.key`",
    )
    kms_key_id: str | None = setting(
        None,
        text,
        "the KMS key for `aws-kms` (id, ARN or `alias/...`; required with it)",
        section=OPS,
    )
    kms_endpoint_url: str | None = setting(
        None,
        http_url,
        "another KMS-compatible endpoint (moto in tests)",
        section=OPS,
        shown_default="AWS's",
    )
    kms_region: str | None = setting(
        None, text, "the KMS key's region", section=OPS, shown_default="boto3's"
    )
    monitoring_timeout: float = setting(
        3.0,
        SECONDS,
        "seconds repti-ops waits for each service's `/health/deep` in `GET /monitoring/health`"
        " (a service's own probes take up to `REPTIDEX_HEALTH_TIMEOUT`)",
        section=OPS,
    )
    monitoring_slow: float = setting(
        1.0,
        SECONDS,
        "seconds after which a service's `/health/deep` answer counts as slow (amber)",
        section=OPS,
    )
    monitoring_cache: float = setting(
        5.0,
        SECONDS_OR_ZERO,
        "seconds the platform's status is kept and shared before it is probed again",
        section=OPS,
    )
    monitoring_interval: float = setting(
        60.0, SECONDS, "seconds between two uptime samples of the platform's status", section=OPS
    )
    monitoring_retention_days: int = setting(
        90,
        Bounded(int, "must be a whole number of days from 1 to 3660", at_least=1, at_most=3660),
        "days of uptime history kept",
        section=OPS,
    )

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{item.attribute}={redact(_hidden_if_secret(item, getattr(self, item.attribute)))!r}"
            for item in DECLARATIONS
        )
        return f"Settings({shown})"

    def database_url(self, service: str) -> str:
        """The SQLAlchemy async URL of ``service``'s database."""
        return self.database_urls[service_spec(service).name]

    def peer_url(self, service: str) -> str:
        """The base URL at which ``service`` is reached."""
        return self.peer_urls[service_spec(service).name]


DECLARATIONS: tuple[Declaration, ...] = declarations(Settings)
"""Every setting's declaration, in the order of the README's configuration table."""

KNOWN_ENV_VARS: frozenset[str] = frozenset(name for item in DECLARATIONS for name in item.env_names)
"""Every environment variable the platform reads."""

_SECRET_ENV_VARS = frozenset(
    name for item in DECLARATIONS if item.secret for name in item.env_names
)


def _hidden_if_secret(declared: Declaration, value: object) -> object:
    return HIDDEN if declared.secret and value_is_set(value) else value


def shown_value(name: str, raw: str) -> str:
    """``raw`` as it may appear in an error message: secrets hidden, URL passwords masked.

    >>> shown_value("REPTIDEX_STRIPE_SECRET_KEY", "sk_live_123")
    '<hidden>'
    >>> shown_value("REPTIDEX_SMTP_URL", "smtp://mailer:hunter2@mail.example:587")
    'smtp://mailer:***@mail.example:587'
    """
    return HIDDEN if name in _SECRET_ENV_VARS else redact_text(raw)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings from ``environ`` (default: the process environment).

    Raises:
        SettingsError: listing every invalid variable with the reason.
    """
    env = os.environ if environ is None else environ
    problems: list[str] = []

    def read(name: str, declared: Declaration, default: Any) -> Any:
        raw = env.get(name)
        if not raw:
            return default
        try:
            return declared.parse(raw)
        except ValueError as exc:
            # a secret's value is not even shown hidden: the name and the reason say it all
            shown = "" if declared.secret else f"={shown_value(name, raw)!r}"
            problems.append(f"{name}{shown}: {exc}")
            return default

    values: dict[str, Any] = {}
    for item in DECLARATIONS:  # data_dir comes first: the families' defaults lie in it
        if isinstance(item, Family):
            members = {
                member: read(item.env_name(member), item, item.default(values["data_dir"], member))
                for member in item.members
            }
            values[item.attribute] = {
                key: value for key, value in members.items() if value is not None
            }
        else:
            values[item.attribute] = read(item.name, item, item.default)
    settings = Settings(**values)
    if settings.blob_store == "s3" and not settings.s3_bucket:
        problems.append("REPTIDEX_BLOB_STORE='s3': needs REPTIDEX_S3_BUCKET")
    if settings.key_management == "aws-kms" and not settings.kms_key_id:
        problems.append("REPTIDEX_KEY_MANAGEMENT='aws-kms': needs REPTIDEX_KMS_KEY_ID")
    if settings.event_bus == "redis" and not settings.redis_url:
        problems.append("REPTIDEX_EVENT_BUS='redis': needs REPTIDEX_REDIS_URL")
    unknown = sorted(
        name for name in env if name.startswith("REPTIDEX_") and name not in KNOWN_ENV_VARS
    )
    problems.extend(f"{name}: unknown setting (typo?)" for name in unknown)
    if problems:
        raise SettingsError(problems)
    return settings
