"""repti-community's adapters, chosen in one place (the composition root,
:func:`~reptidex.services.community.app.create_app`, calls :func:`build_community`).

The service is made of areas (search; notifications, forums and advertising join the same
way), each built by its own ``build_<area>(kernel, ...)`` in ``<area>_wiring.py``: an area is
anything with ``dependencies()`` (Litestar ``Provide``s by name) and ``lifespans()``.
:class:`CommunityComponents` hands the app all of them, and refuses two areas providing one
name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from litestar import Litestar
from litestar.di import Provide

from reptidex.domain.community.search.ports import SearchIndex
from reptidex.services.community.access import provide_actor
from reptidex.services.community.search_wiring import SearchComponents, build_search
from reptidex.services.kernel.app import Kernel

Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


class Area(Protocol):
    """A part of repti-community as its wiring builds it."""

    def dependencies(self) -> Mapping[str, Provide]:
        """The controllers' dependencies it provides, by name."""
        ...

    def lifespans(self) -> Sequence[Lifespan]:
        """What runs while the app does (workers, start-up work)."""
        ...


@dataclass(frozen=True, slots=True)
class CommunityComponents:
    """What repti-community's composition root builds: each area, by name."""

    search: SearchComponents

    def areas(self) -> tuple[Area, ...]:
        """Every area."""
        return (self.search,)

    def dependencies(self) -> Mapping[str, Provide]:
        """``actor`` (the caller) and every area's dependencies."""
        provided: dict[str, Provide] = {
            "actor": Provide(provide_actor),
        }
        for area in self.areas():
            for name, dependency in area.dependencies().items():
                if name in provided:
                    raise ValueError(f"two areas of repti-community provide {name!r}")
                provided[name] = dependency
        return provided

    def lifespans(self) -> list[Lifespan]:
        """Every area's lifespans, in the order of :meth:`areas`."""
        return [lifespan for area in self.areas() for lifespan in area.lifespans()]


def build_community(
    kernel: Kernel, *, search_index: SearchIndex | None = None
) -> CommunityComponents:
    """repti-community's areas on ``kernel`` (a keyword argument replaces what the settings
    choose: ``search_index`` the search index)."""
    return CommunityComponents(search=build_search(kernel, index=search_index))
