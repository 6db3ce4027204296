"""How a page answers: templates with the layout's context, forms with their errors beside
each field, redirects after a form, and the error pages.

Every response carries :data:`SECURITY_HEADERS`: scripts, styles and images from this
application only, no framing, no caching of pages that show a breeder's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from reptidex.services.kernel.logging import get_logger
from reptidex.services.web.api import ServiceProblem, ServiceUnreachable
from reptidex.services.web.visitor import SignInRequired, Visitor

_log = get_logger("reptidex.web")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

FORBIDDEN_FORM = (
    "The form is out of date or did not come from this site. Reload the page and send it again."
)
"""What a form refused for its missing or wrong CSRF token says."""


@dataclass(slots=True)
class FormState:
    """A form as the breeder last sent it: the values to show again, each field's error,
    and the message that concerns no one field."""

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    @classmethod
    def refused(
        cls, values: Mapping[str, Any], problem: ServiceProblem, fields: Iterable[str]
    ) -> FormState:
        """The form after a service refused it: errors on the fields the form has (``fields``,
        or a mapping of API field name to form field), the rest as the message."""
        aliases = dict(fields) if isinstance(fields, Mapping) else {name: name for name in fields}
        errors: dict[str, str] = {}
        loose: list[str] = []
        for name, text in problem.field_errors.items():
            if name in aliases:
                errors.setdefault(aliases[name], text)
            else:
                loose.append(text)
        message = None if errors and not loose else problem.detail
        extra = [text for text in loose if text not in (message or "")]
        if extra:
            message = " ".join([message or "", *extra]).strip()
        return cls(values=values, errors=errors, message=message)


def secured(response: Response[Any]) -> Response[Any]:
    """``response`` with the security headers."""
    response.headers.update(SECURITY_HEADERS)
    return response


def page(
    visitor: Visitor, template: str, *, status_code: int = 200, **context: Any
) -> Response[Any]:
    """``template`` rendered in the layout, for ``visitor``."""
    base: dict[str, Any] = {
        "visitor": visitor.current,
        "here": visitor.request.url.path,
        "notice": None,
        "form": FormState(),
    }
    response = Template(
        template_name=template,
        context={**base, **context},
        status_code=status_code,
        cookies=list(visitor.cookies),
    )
    return secured(response)


def see_other(visitor: Visitor, location: str) -> Response[Any]:
    """The answer to a form that worked: go to ``location`` (a GET)."""
    return secured(
        Redirect(location, status_code=HTTP_303_SEE_OTHER, cookies=list(visitor.cookies))
    )


def safe_next(path: str | None, default: str = "/") -> str:
    """``path`` if it is a path on this site (never another site's address), else ``default``.

    >>> safe_next("/collection?q=clown")
    '/collection?q=clown'
    >>> safe_next("//evil.example/")
    '/'
    >>> safe_next("https://evil.example/")
    '/'
    """
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return default


def _error_page(
    request: Request[Any, Any, Any], status: int, title: str, detail: str
) -> Response[Any]:
    return secured(
        Template(
            template_name="error.html",
            context={
                "visitor": None,
                "here": request.url.path,
                "notice": None,
                "form": FormState(),
                "title": title,
                "detail": detail,
                "status": status,
            },
            status_code=status,
        )
    )


def handle_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The page for an error no handler dealt with: the sign-in page for a visitor without a
    session, else a page saying what went wrong (never a traceback)."""
    if isinstance(exc, SignInRequired):
        location = "/sign-in?" + urlencode({"next": safe_next(exc.next_path)})
        return secured(Redirect(location, status_code=HTTP_303_SEE_OTHER))
    if isinstance(exc, ServiceUnreachable):
        return _error_page(request, 502, "A service is not answering", str(exc))
    if isinstance(exc, ServiceProblem):
        status = exc.status if 400 <= exc.status < 500 else 502
        return _error_page(request, status, exc.title, exc.detail)
    if isinstance(exc, PermissionDeniedException):
        return _error_page(request, 403, "Forbidden", FORBIDDEN_FORM)
    if isinstance(exc, NotAuthorizedException):
        return _error_page(request, 401, "Not signed in", "Sign in to see this page.")
    if isinstance(exc, NotFoundException):
        return _error_page(request, 404, "Not found", "There is no page at this address.")
    if isinstance(exc, ValidationException):
        return _error_page(request, 400, "Not valid", "The request's fields are not valid.")
    if isinstance(exc, HTTPException):
        return _error_page(request, exc.status_code, "Refused", str(exc.detail))
    _log.exception("page failed", path=request.url.path, error=type(exc).__name__)
    return _error_page(
        request, 500, "Something went wrong", "The page could not be shown. Try again in a moment."
    )


QueryText = Annotated[str, QueryParameter(max_length=300)]
"""A query parameter holding text (a search, a token, where to go next)."""
FieldText = Annotated[str, msgspec.Meta(max_length=1024)]
"""A form field's text, bounded (a form's longer fields declare their own bound)."""

FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
"""The body of a page's form (``Annotated[SomeForm, FORM]``)."""


def form_values(form: object) -> dict[str, Any]:
    """A form struct's fields, to show the form again as it was sent."""
    import msgspec

    values: dict[str, Any] = msgspec.structs.asdict(form)  # type: ignore[arg-type]
    return values
