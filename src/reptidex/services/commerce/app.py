"""The repti-commerce app: the composition root of the marketplace.

Controllers: ``/marketplace/listings`` (the public marketplace and the sellers' listings),
``/marketplace/seller/listings`` (a seller's own, in every state, and its CSV import),
``/orders`` (placing orders idempotently, moving them through their states, their ledger),
``/transactions`` (payments through Stripe or PayPal, refunds, webhooks, payout
accounts), ``/orders/{id}/animal-transfer``, ``/marketplace/sellers/{id}`` (profiles,
with ratings), ``/orders/{id}/rating``, ``/marketplace/inquiries`` (buyers' questions and
sellers' answers), ``/marketplace/seller/listings/{id}/stats`` and
``/marketplace/reports/sales`` (a seller's sales report and its CSV), ``/inventory`` (a
breeder's inventory, supplies and their reservations); the workers that hand sold animals to
their buyers, expire ended listings and release reservations held past their end.
"""

from __future__ import annotations

from litestar import Litestar
from opentelemetry.sdk.trace.export import SpanExporter

from reptidex.domain.commerce.ownership import AnimalHandover
from reptidex.domain.commerce.ports import AnimalCatalogue
from reptidex.services.commerce.inquiries import InquiryController
from reptidex.services.commerce.inventory import InventoryController
from reptidex.services.commerce.listing_import import ListingImportController
from reptidex.services.commerce.listings import ListingController, SellerListingController
from reptidex.services.commerce.orders import OrderController
from reptidex.services.commerce.ownership import OwnershipTransferController
from reptidex.services.commerce.reports import SalesReportController
from reptidex.services.commerce.reputation import OrderRatingController, SellerController
from reptidex.services.commerce.transactions import (
    PublicTransactionController,
    TransactionController,
)
from reptidex.services.commerce.wiring import build_commerce, build_payments
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.auth import Authenticator
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.personal_data import PERSONAL_DATA_ROUTES
from reptidex.services.kernel.settings import Settings, load_settings

DESCRIPTION = (
    "The marketplace: listings of animals from the sellers' collections (public to search, "
    "with each animal's genetics), and orders between organisations with their state machine "
    "and a double-entry ledger in integer minor units; breeders' inventories of animals and "
    "supplies, with reservations of supplies that expire. Selling and buying take a bearer token "
    "from repti-core (members and above; viewers read). Errors are RFC 9457 problem+json."
)

CONTROLLERS = [
    ListingController,
    SellerListingController,
    ListingImportController,
    OrderController,
    TransactionController,
    PublicTransactionController,
    OwnershipTransferController,
    SellerController,
    OrderRatingController,
    InquiryController,
    SalesReportController,
    InventoryController,
    *PERSONAL_DATA_ROUTES,
]


def create_app(
    settings: Settings | None = None,
    *,
    authenticator: Authenticator | None = None,
    animals: AnimalCatalogue | None = None,
    handover: AnimalHandover | None = None,
    fee_basis_points: int = 0,
    span_exporter: SpanExporter | None = None,
) -> Litestar:
    """Build repti-commerce from settings (default: the environment).

    ``authenticator`` verifies tokens (default: against repti-core's JWKS); ``animals`` reads
    the sellers' animals and ``handover`` transfers sold ones to their buyers (default:
    repti-animal over HTTP); ``fee_basis_points`` is the
    platform's fee on each sale (default none).
    ``span_exporter`` turns tracing on with spans going there (tests); otherwise
    ``REPTIDEX_OTLP_ENDPOINT`` decides.
    """
    kernel = build_kernel(
        service_spec("commerce"), settings or load_settings(), span_exporter=span_exporter
    )
    commerce = build_commerce(
        kernel, animals=animals, handover=handover, fee_basis_points=fee_basis_points
    )
    payments = build_payments(kernel)
    return create_service_app(
        kernel,
        CONTROLLERS,
        components=commerce,
        description=DESCRIPTION,
        dependencies={**commerce.dependencies(), **payments.dependencies()},
        lifespan=commerce.lifespans(),
        authenticator=authenticator,
        collectors=commerce.collectors("commerce"),
    )
