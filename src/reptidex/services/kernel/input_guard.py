"""Input every service refuses before a handler sees it: NUL characters and JSON nested too deep.

PostgreSQL cannot store a NUL character in text, and a JSON document nested a few thousand levels
deep exhausts the decoder's recursion limit: both used to end as a 500 after part of the work was
done. The guard runs before each handler and answers 400 problem+json instead, naming the part of
the request at fault. It costs a substring search per request; a JSON body is decoded once more
only when it holds a NUL escape or enough brackets to be deep.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ClientException

MAX_JSON_DEPTH = 64  # far deeper than any document of the API; far below the decoder's limit
_NUL_ESCAPE = b"\\u0000"


def _refuse(where: str) -> ClientException:
    return ClientException(f"The {where} contains a NUL character, which text fields cannot hold.")


def _holds_nul(value: Any) -> bool:
    """Whether a decoded JSON value has a NUL character in any key or string."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _depth(value: Any) -> int:
    """How many containers deep a decoded JSON value nests (a scalar is 0, ``[]`` is 1)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def check_json_body(body: bytes) -> None:
    """Refuse a JSON body with a NUL character in a string or nested too deep.

    Bodies that are not JSON at all are left to the handler's own decoding (a 400 there).

    >>> check_json_body(b'{"name": "Pastel", "tags": ["a"]}')
    >>> check_json_body(b'{"name": "a\\\\u0000b"}')
    Traceback (most recent call last):
    ...
    litestar.exceptions.http_exceptions.ClientException: 400: The JSON body contains a NUL character, which text fields cannot hold.
    >>> check_json_body(b'{"note": "a backslash then u0000: \\\\\\\\u0000"}')
    >>> check_json_body(b"[" * 100 + b"]" * 100)
    Traceback (most recent call last):
    ...
    litestar.exceptions.http_exceptions.ClientException: 400: The JSON body is nested more than 64 levels deep.
    """
    may_hold_nul = _NUL_ESCAPE in body
    may_be_deep = body.count(b"[") + body.count(b"{") > MAX_JSON_DEPTH
    if not (may_hold_nul or may_be_deep):
        return
    too_deep = ClientException(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        value = msgspec.json.decode(body)
    except RecursionError:
        raise too_deep from None
    except msgspec.DecodeError:
        return
    if may_be_deep and _depth(value) > MAX_JSON_DEPTH:
        raise too_deep
    if may_hold_nul and _holds_nul(value):
        raise _refuse("JSON body")


def check_text(text: str, where: str) -> None:
    """Refuse text a handler decoded from the request itself (an uploaded CSV file: the guard
    leaves ``multipart/form-data`` alone, where a NUL byte may be an image's data) when it
    holds a NUL character.

    >>> check_text("name,notes\\nAnn,calm", "file")
    >>> check_text("name,notes\\nA\\x00nn,calm", "file")
    Traceback (most recent call last):
    ...
    litestar.exceptions.http_exceptions.ClientException: 400: The file contains a NUL character, which text fields cannot hold.
    """
    if "\x00" in text:
        raise _refuse(where)


async def guard_input(request: Request[Any, Any, Any]) -> None:
    """The ``before_request`` hook of every service (see the module docstring)."""
    if "\x00" in request.scope["path"]:
        raise _refuse("path")
    if b"%00" in request.scope["query_string"]:
        raise _refuse("query string")
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        check_json_body(await request.body())
    elif content_type == "application/x-www-form-urlencoded" and b"%00" in await request.body():
        raise _refuse("form")
