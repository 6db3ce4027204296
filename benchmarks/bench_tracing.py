"""Benchmark of tracing's cost: a service endpoint with tracing off, against the same endpoint
built from the code before tracing existed, and with tracing on.

Run ``python benchmarks/bench_tracing.py`` (``--quick`` for a short smoke run) from a git
checkout: the baseline's code is taken from the history.

What it does:

1. Extracts ``src/`` of the commit before OpenTelemetry came in (the parent of the commit
   that added ``adapters/events/trace_context.py``; ``--baseline-rev`` names another) into a
   scratch folder: the *baseline*, with no OpenTelemetry code path at all.
2. Starts three servers on uvicorn, one process each, each a repti-animal kernel app (the
   request context, authentication, input guard, problem+json, metrics: what every service
   has) with one route ``GET /ping`` that returns a fixed JSON body: the baseline's code;
   today's code with ``REPTIDEX_OTLP_ENDPOINT`` unset (tracing *off*); today's code with it
   set (tracing *on*: a server span per request exported by OTLP/HTTP through the batch
   processor to a sink in this process that answers 200 and counts what it receives).
3. Drives each with ``--clients`` concurrent keep-alive connections (16), interleaving the
   three round by round (``--rounds``, 6) so that all see the same machine.
4. Prints requests per second and latency percentiles of each, and the ratios against the
   baseline: tracing off should sit within the noise of 1.0 (the tables' run-to-run spread
   on this machine is a few percent); the spans the sink received show tracing on did work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from litestar import Response, get

from loadkit import Workload, drive, free_port, request, stop_servers, table, wait_for

ROOT = Path(__file__).resolve().parents[1]
FIRST_TRACED_FILE = "src/reptidex/adapters/events/trace_context.py"
BODY = b'{"ok":true}'


@get("/ping", sync_to_thread=False)
def ping() -> Response[bytes]:
    """A fixed JSON body: all the time a request takes is the app's own."""
    return Response(BODY, media_type="application/json")


def serve(port: int, data_dir: str) -> None:
    """In a server process: the kernel app with ``GET /ping`` on ``port`` until SIGTERM."""

    from loadkit import serve_app
    from reptidex.adapters.sql.migrations import upgrade
    from reptidex.services.kernel.app import build_kernel, create_service_app
    from reptidex.services.kernel.catalog import service_spec
    from reptidex.services.kernel.logging import configure_logging
    from reptidex.services.kernel.settings import load_settings

    environ = {**os.environ, "REPTIDEX_DATA_DIR": data_dir}
    settings = load_settings({k: v for k, v in environ.items() if k.startswith("REPTIDEX_")})
    configure_logging("WARNING", "json")
    upgrade("animal", settings.database_url("animal"))
    serve_app(create_service_app(build_kernel(service_spec("animal"), settings), [ping]), port)


def baseline_rev() -> str:
    """The commit before tracing: the parent of the one that added the first traced file."""
    added = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%H", "--", FIRST_TRACED_FILE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if not added:
        raise SystemExit(f"no commit adds {FIRST_TRACED_FILE}: pass --baseline-rev")
    return f"{added[-1][:12]}^"


def extract(rev: str, into: Path) -> Path:
    """``src/`` of ``rev`` under ``into``; its path."""
    archive = subprocess.run(
        ["git", "archive", rev, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


class Sink:
    """An OTLP/HTTP receiver that answers 200 to every export and counts them."""

    def __init__(self) -> None:
        self.exports = 0
        self.bytes = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                self.bytes += len(await reader.readexactly(length))
                self.exports += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def run(args: argparse.Namespace) -> None:
    rev = args.baseline_rev or baseline_rev()
    sink = Sink()
    sink_server = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    sink_port = sink_server.sockets[0].getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bench-tracing-") as scratch:
        old_src = extract(rev, Path(scratch))
        plain = {k: v for k, v in os.environ.items() if not k.startswith("REPTIDEX_")}
        modes = {
            "baseline (no OpenTelemetry code)": {**plain, "PYTHONPATH": str(old_src)},
            "tracing off": {**plain, "PYTHONPATH": str(ROOT / "src")},
            "tracing on (OTLP to a local sink)": {
                **plain,
                "PYTHONPATH": str(ROOT / "src"),
                "REPTIDEX_OTLP_ENDPOINT": f"http://127.0.0.1:{sink_port}/v1/traces",
            },
        }
        servers = []
        workloads: list[Workload] = []
        try:
            for index, (name, environ) in enumerate(modes.items()):
                port = free_port()
                data = str(Path(scratch) / f"data-{index}")
                servers.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        __file__,
                        "--serve",
                        str(port),
                        data,
                        env=environ,
                        stdout=asyncio.subprocess.DEVNULL,
                        stderr=None if args.verbose else asyncio.subprocess.DEVNULL,
                    )
                )
                workloads.append(Workload(name, port, [request("GET", "/ping")]))
            for work in workloads:
                await wait_for(work.port, "/ping", within=180)
            rng = random.Random(7)
            print(f"baseline: the code at {rev}")
            print(f"warming up, then {args.rounds} rounds of {args.seconds:g} s per server")
            for work in workloads:
                await drive(work, args.clients, 1.0, rng)
                work.latencies.clear()
                work.seconds = 0.0
            for _ in range(args.rounds):
                for work in workloads:
                    await drive(work, args.clients, args.seconds, rng)
        finally:
            await stop_servers(servers)
            sink_server.close()
    rows = {work.name: work.figures() for work in workloads}
    print()
    for line in table(rows):
        print(line)
    base = rows[workloads[0].name]["per_second"]
    print()
    for work in workloads[1:]:
        ratio = rows[work.name]["per_second"] / base
        print(f"{work.name}: {ratio:.3f} of the baseline's requests per second")
    print(f"the sink received {sink.exports} exports ({sink.bytes:,} bytes of spans)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=5.0, help="per server and round")
    parser.add_argument("--baseline-rev", default=None, help="the commit to compare with")
    parser.add_argument("--verbose", action="store_true", help="show the servers' errors")
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DATA_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    if args.quick:
        args.rounds, args.seconds = 2, 1.5
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
