"""The six services of the platform: their names, ports and the peers each one calls."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A deployable service: its short name, default port, title and the peers it calls."""

    name: str
    port: int
    title: str
    summary: str
    peers: tuple[str, ...] = ()

    @property
    def env_prefix(self) -> str:
        """The ``REPTIDEX_<NAME>_`` prefix of this service's own settings."""
        return f"REPTIDEX_{self.name.upper()}_"

    @property
    def database_name(self) -> str:
        """The name of this service's database (``repti_<name>_db``)."""
        return f"repti_{self.name}_db"


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec(
        "core",
        8001,
        "repti-core",
        "Identity, organisations, tokens, feature flags, events, telemetry and billing.",
    ),
    ServiceSpec(
        "animal",
        8002,
        "repti-animal",
        "Animal records, taxonomy, lineage, genetics predictions, breeding pairs and clutches.",
        peers=("core",),
    ),
    ServiceSpec(
        "commerce",
        8003,
        "repti-commerce",
        "Marketplace listings, orders, inventory and transactions.",
        peers=("core", "animal"),
    ),
    ServiceSpec(
        "media",
        8004,
        "repti-media",
        "Uploads, pedigree charts and certificates, embeddable widgets, media delivery.",
        peers=("core", "animal"),
    ),
    ServiceSpec(
        "community",
        8005,
        "repti-community",
        "Search, notifications, forums and advertising.",
        peers=("core", "animal", "commerce"),
    ),
    ServiceSpec(
        "ops",
        8006,
        "repti-ops",
        "Admin dashboard, audit log, integrations and monitoring of every service.",
        peers=("core", "animal", "commerce", "media", "community"),
    ),
)

WEB = ServiceSpec(
    "web",
    8000,
    "repti-web",
    "The breeders' web application: server-rendered pages over the six services' APIs.",
    peers=tuple(spec.name for spec in SERVICES),
)
"""repti-web, in front of the six: it owns no database and serves no API of its own."""

SERVICE_NAMES: tuple[str, ...] = tuple(spec.name for spec in SERVICES)


def service_spec(name: str) -> ServiceSpec:
    """Return the spec of the service called ``name``.

    Raises:
        KeyError: with the list of known names when ``name`` is not a service.
    """
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(f"unknown service {name!r}; choose one of {', '.join(SERVICE_NAMES)}")
