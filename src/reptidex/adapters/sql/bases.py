"""Declarative bases, one per service database.

advanced-alchemy's ``__bind_key__`` gives each service its own :class:`~sqlalchemy.MetaData`, so a
service's migrations and queries see only its own tables. Every table gets a UUID primary key and
``created_at`` / ``updated_at`` timestamps in UTC.
"""

from __future__ import annotations

from advanced_alchemy.base import UUIDAuditBase, metadata_registry
from sqlalchemy import MetaData


class CoreModel(UUIDAuditBase):
    """Base of repti-core's tables."""

    __abstract__ = True
    __bind_key__ = "core"


class AnimalModel(UUIDAuditBase):
    """Base of repti-animal's tables."""

    __abstract__ = True
    __bind_key__ = "animal"


class CommerceModel(UUIDAuditBase):
    """Base of repti-commerce's tables."""

    __abstract__ = True
    __bind_key__ = "commerce"


class MediaModel(UUIDAuditBase):
    """Base of repti-media's tables."""

    __abstract__ = True
    __bind_key__ = "media"


class CommunityModel(UUIDAuditBase):
    """Base of repti-community's tables."""

    __abstract__ = True
    __bind_key__ = "community"


class OpsModel(UUIDAuditBase):
    """Base of repti-ops's tables."""

    __abstract__ = True
    __bind_key__ = "ops"


SERVICE_BASES: dict[str, type[UUIDAuditBase]] = {
    "core": CoreModel,
    "animal": AnimalModel,
    "commerce": CommerceModel,
    "media": MediaModel,
    "community": CommunityModel,
    "ops": OpsModel,
}
"""Each service's declarative base, by service name."""


def per_service_models(
    columns: type, tablename: str, suffix: str, what: str
) -> dict[str, type[UUIDAuditBase]]:
    """One model class per service: ``columns`` mixed into each service's base as ``tablename``.

    The classes are named like ``CoreOutboxMessage`` (the base's name without ``Model``, then
    ``suffix``) and live in the module that defines ``columns``; ``what`` ends their docstring.
    """
    models: dict[str, type[UUIDAuditBase]] = {}
    for service, base in SERVICE_BASES.items():
        name = base.__name__.removesuffix("Model") + suffix
        namespace = {
            "__tablename__": tablename,
            "__doc__": f"repti-{service}'s {what}.",
            "__module__": columns.__module__,
            "__qualname__": name,
        }
        models[service] = type(name, (columns, base), namespace)
    return models


def service_metadata(service: str) -> MetaData:
    """The metadata holding ``service``'s tables (import its model modules first)."""
    import reptidex.adapters.sql.animal.models
    import reptidex.adapters.sql.billing
    import reptidex.adapters.sql.commerce.inquiries
    import reptidex.adapters.sql.commerce.models
    import reptidex.adapters.sql.commerce.ownership
    import reptidex.adapters.sql.commerce.reputation
    import reptidex.adapters.sql.commerce.reservations
    import reptidex.adapters.sql.commerce.supplies
    import reptidex.adapters.sql.community.ad_models
    import reptidex.adapters.sql.community.engagement_models
    import reptidex.adapters.sql.community.notification_models
    import reptidex.adapters.sql.flags
    import reptidex.adapters.sql.identity_models
    import reptidex.adapters.sql.media.embeds
    import reptidex.adapters.sql.media.models
    import reptidex.adapters.sql.media.renders
    import reptidex.adapters.sql.outbox  # every service's outbox table
    import reptidex.adapters.sql.processed_event  # noqa: F401  (and its idempotent consumers' inbox)

    return UUIDAuditBase.__metadata_registry__.get(service)


__all__ = [
    "SERVICE_BASES",
    "AnimalModel",
    "CommerceModel",
    "CommunityModel",
    "CoreModel",
    "MediaModel",
    "OpsModel",
    "metadata_registry",
    "per_service_models",
    "service_metadata",
]
