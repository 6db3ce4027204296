"""Headless Chromium (Debian's ``chromium``) for the browser tests: where it is, and a small
driver that speaks the Chrome DevTools Protocol over ``--remote-debugging-pipe`` (JSON
messages ended by a NUL byte on file descriptors 3 and 4), so a test can load pages, fill
and submit forms and read what the browser shows, with no driver library."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from types import TracebackType
from typing import Any

from ci_gate import unavailable

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> None:
    """Skip without Chromium outside CI; under CI (where .ci/run installs it) fail."""
    if CHROMIUM is None:
        unavailable("chromium is not installed (apt-get install chromium)")


def _remove(folder: str, within: float = 10.0) -> None:
    """Remove ``folder``, trying again while files still appear in it."""
    deadline = time.monotonic() + within
    while True:
        try:
            shutil.rmtree(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _high(fd: int) -> int:
    """``fd`` moved above the descriptors the child will use (3 and 4)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


class Browser:
    """One headless Chromium with one page, driven over the DevTools pipe."""

    def __init__(self, *, timeout: float = 30.0) -> None:
        require_chromium()
        assert CHROMIUM is not None
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="reptidex-chromium-")
        commands_read, self._commands = (_high(fd) for fd in os.pipe())
        self._replies, replies_write = (_high(fd) for fd in os.pipe())

        def wire_pipe() -> None:  # in the child, before exec
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        self._process = subprocess.Popen(
            [CHROMIUM, *flags, "--remote-debugging-pipe", f"--user-data-dir={self._profile}"],
            preexec_fn=wire_pipe,
            pass_fds=(3, 4, commands_read, replies_write),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its helper processes in a group of their own
        )
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session = ""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        attached = self.send("Target.attachToTarget", targetId=target, flatten=True)
        self.session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            assert left > 0, "Chromium did not answer in time"
            ready, _, _ = select.select([self._replies], [], [], left)
            if ready:
                chunk = os.read(self._replies, 65536)
                assert chunk, "Chromium closed the DevTools pipe"
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Run a DevTools command on the page (the browser before one is attached)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                assert "error" not in reply, reply["error"]
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for_event(self, method: str) -> dict[str, Any]:
        """The next ``method`` event (those already received first)."""
        deadline = time.monotonic() + self.timeout
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            self.events.append(self._read_message(deadline))

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (the driver's, not the page's)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def _loaded_after(self, action: str) -> None:
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.evaluate(action)
        self.wait_for_event("Page.loadEventFired")

    def open(self, url: str) -> None:
        """Load ``url`` and wait until it has loaded."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired")

    def fill(self, selector: str, value: str) -> None:
        """Type ``value`` into the field ``selector``."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).value = {json.dumps(value)}")

    def click(self, selector: str) -> None:
        """Click ``selector`` (a button that submits a form) and wait for the next page."""
        self._loaded_after(f"document.querySelector({json.dumps(selector)}).click()")

    @property
    def text(self) -> str:
        """What the page shows."""
        return str(self.evaluate("document.body.innerText"))

    @property
    def path(self) -> str:
        """The page's path and query."""
        return str(self.evaluate("location.pathname + location.search"))

    @property
    def status(self) -> int:
        """The HTTP status of the page's document."""
        return int(self.evaluate("performance.getEntriesByType('navigation')[0].responseStatus"))

    def close(self) -> None:
        """Stop Chromium and every helper process it started, then remove its profile (which
        a helper may still be writing for a moment)."""
        try:
            self._process.terminate()
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)
            os.close(self._commands)
            os.close(self._replies)
            _remove(self._profile)

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
