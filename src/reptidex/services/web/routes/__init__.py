"""The application's pages, one module per area (its routes) and one template folder per area.

An area is a Litestar :class:`~litestar.Controller` (or a few handlers) listed in
:data:`AREAS`; its templates are under ``templates/<area>/`` and extend ``base.html``.
"""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from reptidex.services.web.routes.accounts import AccountPages
from reptidex.services.web.routes.breeding import BreedingPages
from reptidex.services.web.routes.collection import CollectionPages
from reptidex.services.web.routes.community import CommunityPages, ForumPages
from reptidex.services.web.routes.genetics import GeneticsPages
from reptidex.services.web.routes.home import HomePage
from reptidex.services.web.routes.marketplace import MarketplacePages, OrderPages
from reptidex.services.web.routes.organisations import OrganisationPages
from reptidex.services.web.routes.planning import PlanningPages
from reptidex.services.web.routes.settings import SettingsPages
from reptidex.services.web.routes.store import SellerPages, StorePages

AREAS: list[ControllerRouterHandler] = [
    HomePage,
    AccountPages,
    OrganisationPages,
    CollectionPages,
    BreedingPages,
    PlanningPages,
    GeneticsPages,
    MarketplacePages,
    OrderPages,
    StorePages,
    SellerPages,
    CommunityPages,
    ForumPages,
    SettingsPages,
]
"""Every area's routes, in the order of the navigation."""
