"""Slow clients (slowloris) lose their connection: headers and bodies sent too slowly, over a
real socket to a service served as the runner serves it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator

import msgspec
import pytest
import uvicorn
from litestar import post
from litestar.params import JSONBody

from platform_process import free_port
from reptidex.services.kernel.app import build_kernel, create_service_app
from reptidex.services.kernel.catalog import service_spec
from reptidex.services.kernel.settings import Settings
from reptidex.services.runner import server_config

DEADLINE = 0.6


class Note(msgspec.Struct):
    text: str


@post("/notes", sync_to_thread=False)
def echo(data: JSONBody[Note]) -> Note:
    return data


@pytest.fixture
def address(make_settings: Callable[..., Settings]) -> Iterator[tuple[str, int]]:
    settings = make_settings(header_timeout=str(DEADLINE), body_timeout=str(DEADLINE))
    app = create_service_app(build_kernel(service_spec("animal"), settings), [echo])
    port = free_port()
    server = uvicorn.Server(server_config(app, "127.0.0.1", port, settings))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield ("127.0.0.1", port)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        loop.close()


def _read_until_closed(connection: socket.socket, within: float) -> bytes:
    """Everything the server sends until it closes the connection; fails after ``within`` s."""
    connection.settimeout(within)
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received


def _trickle(connection: socket.socket, pieces: list[bytes], pause: float) -> bool:
    """Send ``pieces`` ``pause`` seconds apart; whether the server closed the connection first."""
    for piece in pieces:
        try:
            connection.sendall(piece)
        except OSError:
            return True
        time.sleep(pause)
        connection.setblocking(False)
        try:
            if connection.recv(4096) == b"":
                return True
        except BlockingIOError:
            pass
        except OSError:
            return True
        finally:
            connection.setblocking(True)
    return False


def test_headers_sent_slowly_end_the_connection(address: tuple[str, int]) -> None:
    started = time.monotonic()
    with socket.create_connection(address) as connection:
        pieces = [b"GET /health HTTP/1.1\r\n", *(b"X-Slow-%d: y\r\n" % i for i in range(40))]
        closed = _trickle(connection, pieces, 0.1)
    assert closed, "the server kept a connection whose headers never ended"
    assert time.monotonic() - started < DEADLINE + 2


def test_a_silent_connection_is_closed(address: tuple[str, int]) -> None:
    with socket.create_connection(address) as connection:
        assert _read_until_closed(connection, DEADLINE + 3) == b""


def test_a_body_sent_slowly_gets_a_408_and_the_connection_closed(address: tuple[str, int]) -> None:
    head = (
        b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n"
    )
    with socket.create_connection(address) as connection:
        connection.sendall(head + b'{"text": "')
        answer = _read_until_closed(connection, DEADLINE + 3)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"application/problem+json" in answer
    assert b"did not arrive within" in answer


def test_prompt_requests_are_served_on_a_kept_connection(address: tuple[str, int]) -> None:
    body = b'{"text": "hello"}'
    request = (
        b"POST /notes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    with socket.create_connection(address) as connection:
        connection.settimeout(5)
        for _ in range(3):  # longer, all told, than the header deadline
            connection.sendall(request)
            answer = b""
            while not answer.endswith(b"}"):
                answer += connection.recv(4096)
            assert answer.startswith(b"HTTP/1.1 201 ")
            time.sleep(DEADLINE * 0.7)
