"""Every operation of a service's OpenAPI document lists its 4xx answers as problem+json.

The kernel's handlers answer every failure as an RFC 9457 problem (:mod:`.problems`); this
module says so in the document, once for all six services. After the app is built,
:func:`document_problems` gives each route handler the 4xx responses that apply to it, each
``application/problem+json`` with the ``ProblemDetails`` schema:

- 400 always (the input guard refuses NUL characters and JSON nested too deep anywhere);
- 401 when the operation takes a bearer token (OpenAPI ``security``), 403 when it does or has
  a guard (a role, the operations access);
- 404 when the path has parameters;
- 413 and 422 when it takes a body, 422 when it takes parameters;
- any other 4xx the handler declares itself (409 for a conflict, 429 for a limit), with its
  own description.
"""

from __future__ import annotations

from http import HTTPStatus

from litestar import Litestar
from litestar.constants import RESERVED_KWARGS
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from reptidex.services.kernel.problems import PROBLEM_MEDIA_TYPE, ProblemDetails

_DESCRIPTIONS = {
    400: "The request cannot be read (malformed input, a NUL character, JSON nested too deep)",
    401: "No valid access token",
    403: "The caller may not do this",
    404: "Nothing is found at this address for the caller",
    413: "The request body is larger than this endpoint takes",
    422: "A field is not valid (the problem's `errors` name each)",
}


def _takes_parameters(handler: HTTPRouteHandler, route: HTTPRoute) -> bool:
    if route.path_parameters:
        return True
    named = set(handler.parsed_fn_signature.parameters) - set(RESERVED_KWARGS)
    return bool(named - set(handler.resolve_dependencies()))


def applicable_statuses(handler: HTTPRouteHandler, route: HTTPRoute) -> set[int]:
    """The 4xx statuses ``handler`` on ``route`` may answer (see the module's docstring)."""
    statuses = {400}
    if handler.resolve_security():
        statuses |= {401, 403}
    if handler.resolve_guards():
        statuses.add(403)
    if route.path_parameters:
        statuses.add(404)
    if "data" in handler.parsed_fn_signature.parameters:
        statuses |= {413, 422}
    if _takes_parameters(handler, route):
        statuses.add(422)
    return statuses


def problem_spec(status: int, description: str | None = None) -> ResponseSpec:
    """A response of ``status`` as a problem document."""
    return ResponseSpec(
        data_container=ProblemDetails,
        media_type=PROBLEM_MEDIA_TYPE,
        description=description or _DESCRIPTIONS.get(status) or HTTPStatus(status).phrase,
        generate_examples=False,
    )


def document_problems(app: Litestar) -> None:
    """Give every route handler of ``app`` its 4xx responses as problem+json (before the
    OpenAPI document is first built, which Litestar does on demand)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            declared = dict(handler.responses or {})
            statuses = applicable_statuses(handler, route) | {
                status for status in declared if 400 <= status < 500
            }
            for status in statuses:
                described = declared.get(status)
                declared[status] = problem_spec(
                    status,
                    described.description
                    if described and described.description != "Additional response"
                    else None,
                )
            handler.responses = declared
