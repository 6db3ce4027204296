"""The platform in its production shape on one machine: two replicas of each service (separate
``reptidex serve`` processes) behind nginx, on fresh PostgreSQL databases (the services connect
as non-owner roles) and a Redis server of the run's own; and the faults done to it.

Used by ``tests/platform/test_platform_production_shape.py`` (a short journey and a replica
killed) and ``benchmarks/bench_production.py`` (the load and every fault). Everything it starts
it stops, and the databases and roles it creates it drops.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from reptidex.adapters.sql.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
PROXY_INCLUDE = ROOT / "deploy" / "nginx" / "reptidex-proxy.inc"
"""The proxy directives production's nginx uses; the run's nginx includes the same file."""
REPTIDEX = [sys.executable, "-m", "reptidex"]
ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


def nginx_binary() -> str | None:
    """Where nginx is installed (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _free_ports(count: int) -> list[int]:
    """``count`` distinct ports free right now (sockets held until all are chosen)."""
    import socket

    probes = []
    try:
        for _ in range(count):
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            probes.append(probe)
        return [int(p.getsockname()[1]) for p in probes]
    finally:
        for probe in probes:
            probe.close()


async def _sql(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until(condition: object, what: str, within: float = 90.0) -> float:
    """Seconds until ``condition()`` held; raise naming ``what`` after ``within`` seconds."""
    started = time.monotonic()
    while not condition():  # type: ignore[operator]
        if time.monotonic() - started > within:
            raise RuntimeError(f"{what} within {within:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started


@dataclass
class Replica:
    """One ``reptidex serve`` process of a service."""

    service: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None


@dataclass
class ProductionShape:
    """The running shape: where each service is reached (through nginx) and its parts."""

    workdir: Path
    services: tuple[str, ...]
    environ: dict[str, str]
    front: dict[str, int]
    replicas: dict[str, list[Replica]]
    redis_port: int
    redis_dir: Path
    databases: list[tuple[str, str]] = field(default_factory=list)
    """(database, role) pairs to drop."""
    redis: subprocess.Popen[bytes] | None = None
    nginx: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def url(self, service: str) -> str:
        """The service's address on nginx."""
        return f"http://127.0.0.1:{self.front[service]}"

    # --- Redis ------------------------------------------------------------------------------

    def start_redis(self, *, keep_data: bool = True) -> None:
        """Start the run's Redis (append-only file in ``redis_dir``); ``keep_data=False``
        empties the folder first, as a server replaced without its volume would start."""
        if not keep_data:
            shutil.rmtree(self.redis_dir, ignore_errors=True)
        self.redis_dir.mkdir(parents=True, exist_ok=True)
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.redis_dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--daemonize",
                "no",
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._redis_answers, "Redis did not answer", within=20)

    def _redis_answers(self) -> bool:
        import redis

        client = redis.Redis(port=self.redis_port, socket_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop_redis(self) -> None:
        """Stop Redis as an orchestrator does (SIGTERM: it flushes its append-only file)."""
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=20)
        self.redis = None

    # --- replicas ---------------------------------------------------------------------------

    def start_replica(self, replica: Replica) -> None:
        """Start ``replica`` (migrations were applied before; replicas never race on them)."""
        log = replica.log.open("ab")
        replica.process = subprocess.Popen(
            [*REPTIDEX, "serve", replica.service, "--port", str(replica.port), "--no-migrate"],
            env=self.environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill_replica(self, service: str, index: int = 0) -> Replica:
        """SIGKILL one replica of ``service`` (no graceful shutdown: a crash)."""
        replica = self.replicas[service][index]
        assert replica.process is not None
        replica.process.kill()
        replica.process.wait()
        return replica

    def wait_healthy(self, replicas: Sequence[Replica], within: float = 300.0) -> float:
        """Seconds until every one of ``replicas`` answers ``/health`` itself."""

        def all_up() -> bool:
            for replica in replicas:
                assert replica.process is not None
                if replica.process.poll() is not None:
                    raise RuntimeError(
                        f"{replica.service} on {replica.port} exited:\n"
                        + replica.log.read_text(errors="replace")[-3000:]
                    )
            return all(_healthy(replica.port) for replica in replicas)

        try:
            return wait_until(all_up, "the replicas did not become healthy", within)
        except RuntimeError as exc:
            down = [f"{r.service} on {r.port}" for r in replicas if not _healthy(r.port)]
            raise RuntimeError(f"{exc}: {', '.join(down)}") from None

    # --- nginx ------------------------------------------------------------------------------

    def nginx_config(self) -> str:
        """nginx's configuration for this run: one listener and one upstream per service."""
        temp = self.workdir / "nginx"
        lines = [
            "daemon off;",
            "worker_processes 1;",
            f"pid {temp}/nginx.pid;",
            f"error_log {temp}/error.log warn;",
            "events { worker_connections 1024; }",
            "http {",
            "  access_log off;",
            *(
                f"  {kind}_temp_path {temp}/{kind};"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            ),
        ]
        for service in self.services:
            servers = " ".join(
                f"server 127.0.0.1:{r.port} max_fails=1 fail_timeout=5s;"
                for r in self.replicas[service]
            )
            lines += [
                # idle connections close before the services' own keep-alive timeout (5 s):
                # nginx never sends a POST on a connection the replica is closing
                f"  upstream reptidex_{service} {{ {servers} keepalive 16; "
                "keepalive_timeout 4s; }",
                f"  server {{ listen 127.0.0.1:{self.front[service]};",
                f"    location / {{ proxy_pass http://reptidex_{service}; "
                f"include {PROXY_INCLUDE}; }} }}",
            ]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def start_nginx(self, binary: str) -> None:
        temp = self.workdir / "nginx"
        temp.mkdir(parents=True, exist_ok=True)
        config = temp / "nginx.conf"
        config.write_text(self.nginx_config())
        self.nginx = subprocess.Popen(
            [binary, "-p", str(temp), "-e", str(temp / "error.log"), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(temp / "stderr.log").open("wb"),
        )
        wait_until(
            lambda: all(_healthy(port) for port in self.front.values()),
            "nginx did not pass /health to the services",
            within=20,
        )

    # --- the end ----------------------------------------------------------------------------

    def stop_all(self) -> None:
        """Stop nginx, every replica (SIGTERM, then SIGKILL) and Redis."""
        processes = [self.nginx] + [r.process for group in self.replicas.values() for r in group]
        for process in processes:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in processes:
            if process is None:
                continue
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.stop_redis()


def _create_databases(shape: ProductionShape, services: Sequence[str]) -> None:
    """A fresh database per service, migrated, with a non-owner login role for the service."""
    base = ADMIN_URL.rsplit("/", 1)[0]
    host = base.split("@", 1)[1]
    for service in services:
        name = f"reptidex_prod_{service}_{uuid.uuid4().hex[:8]}"
        role = f"prod_{service}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_sql(ADMIN_URL, f'CREATE DATABASE "{name}"'))
        shape.databases.append((name, role))
        owner_url = f"{base}/{name}"
        upgrade(service, owner_url)
        asyncio.run(
            _sql(
                owner_url,
                f"CREATE ROLE {role} LOGIN PASSWORD 'prod' NOSUPERUSER NOBYPASSRLS",
                f"GRANT reptidex_{service}_app TO {role}",
            )
        )
        shape.environ[f"REPTIDEX_{service.upper()}_DATABASE_URL"] = (
            f"postgresql+asyncpg://{role}:prod@{host}/{name}"
        )


def _drop_databases(shape: ProductionShape) -> None:
    for name, role in shape.databases:
        with contextlib.suppress(Exception):
            asyncio.run(
                _sql(
                    ADMIN_URL,
                    f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                    f"DROP ROLE IF EXISTS {role}",
                )
            )


@contextlib.contextmanager
def production_shape(
    workdir: Path,
    services: Sequence[str],
    *,
    replicas: int | Mapping[str, int] = 2,
    nginx: str | None = None,
) -> Iterator[ProductionShape]:
    """The shape running with ``replicas`` of each of ``services`` (a number, or one per
    service); all stopped and dropped afterwards. ``nginx``: the binary (default: the one
    installed)."""
    binary = nginx or nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
    counts = {s: replicas if isinstance(replicas, int) else replicas[s] for s in services}
    ports = _free_ports(sum(counts.values()) + len(services) + 1)
    front = {service: ports.pop() for service in services}
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REPTIDEX_")}
    shape = ProductionShape(
        workdir=workdir,
        services=tuple(services),
        environ=environ,
        front=front,
        replicas={
            service: [
                Replica(service, ports.pop(), workdir / f"{service}-{n}.log")
                for n in range(counts[service])
            ]
            for service in services
        },
        redis_port=ports.pop(),
        redis_dir=workdir / "redis",
    )
    shape.data_dir.mkdir(parents=True, exist_ok=True)
    environ.update(
        {
            "REPTIDEX_DATA_DIR": str(shape.data_dir),
            "REPTIDEX_LOG_FORMAT": "json",
            "REPTIDEX_LOG_LEVEL": "WARNING",
            "REPTIDEX_REDIS_URL": shape.redis_url,
            "REPTIDEX_TRUSTED_PROXIES": "127.0.0.1",
            **{f"REPTIDEX_{s.upper()}_URL": shape.url(s) for s in services},
        }
    )
    try:
        shape.start_redis()
        _create_databases(shape, services)
        every = [r for group in shape.replicas.values() for r in group]
        for replica in every:
            shape.start_replica(replica)
        shape.wait_healthy(every)
        shape.start_nginx(binary)
        yield shape
    finally:
        shape.stop_all()
        _drop_databases(shape)


# --- the breeder's journey, over HTTP through nginx ------------------------------------------

PASSWORD = "basking-under-the-heat-lamp"


@dataclass(frozen=True, slots=True)
class Call:
    """One request of the journey: its step, when it started (monotonic), how long it took,
    its status (0: no answer) and whether it did what the journey expected."""

    step: str
    started: float
    seconds: float
    status: int
    ok: bool
    detail: str = ""
    """What a failed call got (the start of its body, or the transport error)."""


@dataclass(frozen=True, slots=True)
class Write:
    """A write the platform acknowledged (2xx): where to read it back, with whose token."""

    kind: str
    service: str
    path: str
    token: str


@dataclass
class Ledger:
    """Every call made and every write acknowledged, shared by the journey's users."""

    calls: list[Call] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)


def mailed_token(data_dir: Path, kind: str, to: str, within: float = 30.0) -> str | None:
    """The token of the newest ``kind`` mail to ``to`` in the mail outbox folder."""
    import re

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for path in sorted((data_dir / "mail-outbox").glob(f"*-{kind}-*.eml"), reverse=True):
            text = path.read_text("utf-8", errors="replace")
            if re.search(rf"^To: {re.escape(to)}$", text, re.MULTILINE):
                match = re.search(r"^Token: (\S+)$", text, re.MULTILINE)
                if match:
                    return match.group(1)
        time.sleep(0.2)
    return None


class JourneyFailed(Exception):
    """A step of the journey did not succeed (the user starts the round again)."""


class Breeder:
    """One user: registers and sets up an organisation, then keeps breeding."""

    def __init__(self, shape: ProductionShape, ledger: Ledger, number: int) -> None:
        self.shape = shape
        self.ledger = ledger
        self.email = f"breeder{number}.{uuid.uuid4().hex[:6]}@example.org"
        # nginx appends the client's address it saw; the services trust nginx (127.0.0.1),
        # so each user is the client address it claims, as users behind their own IPs are
        self.address = f"198.51.{100 + number // 250}.{1 + number % 250}"
        self.token = ""
        self.registered = False
        self.client = httpx.AsyncClient(timeout=30, headers={"X-Forwarded-For": self.address})

    async def close(self) -> None:
        await self.client.aclose()

    async def call(
        self, step: str, service: str, method: str, path: str, expect: int, **kw: object
    ) -> httpx.Response:
        """One request; recorded, and raising :class:`JourneyFailed` unless ``expect``."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        started = time.monotonic()
        try:
            response = await self.client.request(
                method,
                self.shape.url(service) + path,
                headers=headers,
                **kw,  # type: ignore[arg-type]
            )
        except httpx.HTTPError as exc:
            self.ledger.calls.append(
                Call(step, started, time.monotonic() - started, 0, False, repr(exc)[:160])
            )
            raise JourneyFailed(f"{step}: {exc!r}") from exc
        ok = response.status_code == expect
        self.ledger.calls.append(
            Call(
                step,
                started,
                time.monotonic() - started,
                response.status_code,
                ok,
                "" if ok else response.text[:160],
            )
        )
        if not ok:
            raise JourneyFailed(f"{step}: {response.status_code} {response.text[:300]}")
        return response

    async def register(self) -> None:
        """Register, verify the address, log in, create an organisation and switch to it."""
        self.token = ""
        await self.call(
            "register",
            "core",
            "POST",
            "/auth/register",
            202,
            json={"email": self.email, "password": PASSWORD},
        )
        mail = await asyncio.to_thread(
            mailed_token, self.shape.data_dir, "verify_email", self.email
        )
        if mail is None:
            raise JourneyFailed("register: no verification mail")
        await self.call("verify", "core", "POST", "/auth/verify-email", 200, json={"token": mail})
        self.registered = True
        await self.login()

    async def login(self) -> None:
        """Log in, create an organisation and switch to it (no token unless all three did)."""
        self.token = ""
        try:
            await self._login()
        except JourneyFailed:
            self.token = ""
            raise

    async def _login(self) -> None:
        login = await self.call(
            "login",
            "core",
            "POST",
            "/auth/login",
            200,
            json={"email": self.email, "password": PASSWORD},
        )
        self.token = login.json()["access_token"]
        organisation = await self.call(
            "organisation", "core", "POST", "/orgs", 201, json={"name": f"Farm {self.address}"}
        )
        switched = await self.call(
            "switch",
            "core",
            "POST",
            "/auth/switch-organisation",
            200,
            json={"organisation_id": organisation.json()["id"]},
        )
        self.token = switched.json()["access_token"]

    def acknowledged(self, kind: str, service: str, path: str) -> None:
        self.ledger.writes.append(Write(kind, service, path, self.token))

    async def breed(self, season: int) -> None:
        """One round: a pair of animals, their pairing, a clutch and its hatchlings, a
        hatchling's lineage and pedigree chart, and a genetics prediction."""
        animals = []
        for sex, name, morph in (("male", "Zeus", "Pastel het Clown"), ("female", "Hera", "Clown")):
            created = await self.call(
                "add animal",
                "animal",
                "POST",
                "/animals/",
                201,
                json={
                    "species": "ball_python",
                    "name": name,
                    "sex": sex,
                    "morph": morph,
                    "hatch_date": "2021-05-01",
                },
            )
            animals.append(created.json()["id"])
            self.acknowledged("animal", "animal", f"/animals/{animals[-1]}")
        pair = await self.call(
            "pair",
            "animal",
            "POST",
            "/breeding/pairs",
            201,
            json={"sire_id": animals[0], "dam_id": animals[1], "season": str(2000 + season % 99)},
        )
        self.acknowledged("pair", "animal", f"/breeding/pairs/{pair.json()['id']}")
        clutch = await self.call(
            "clutch",
            "animal",
            "POST",
            "/breeding/clutches",
            201,
            json={
                "pair_id": pair.json()["id"],
                "laid_on": "2026-04-02",
                "eggs": 4,
                "fertile": 3,
                "slugs": 1,
            },
        )
        self.acknowledged("clutch", "animal", f"/breeding/clutches/{clutch.json()['id']}")
        hatched = await self.call(
            "hatch",
            "animal",
            "POST",
            f"/breeding/clutches/{clutch.json()['id']}/hatchlings",
            201,
            json={
                "hatched_on": "2026-05-30",
                "hatchlings": [{"morph": "Clown"}, {"morph": "Pastel"}],
            },
        )
        babies = [baby["id"] for baby in hatched.json()]
        for baby in babies:
            self.acknowledged("animal", "animal", f"/animals/{baby}")
        await self.call("lineage", "animal", "GET", f"/lineage/{babies[0]}?generations=3", 200)
        await self.call(
            "render", "media", "GET", f"/render/pedigree/{babies[0]}?generations=3", 200
        )
        await self.call(
            "predict",
            "animal",
            "POST",
            "/genetics/predict",
            200,
            json={"species": "ball_python", "sire": "Pastel het Clown", "dam": "Clown"},
        )


async def run_breeders(
    shape: ProductionShape, ledger: Ledger, users: int, until: asyncio.Event, pause: float = 0.0
) -> None:
    """``users`` breeders each registering, then breeding round after round until ``until``
    is set; a failed step starts the user's round again (after logging in again if it lost
    its token on the way)."""

    async def one(number: int) -> None:
        breeder = Breeder(shape, ledger, number)
        rounds = 0
        try:
            while not until.is_set():
                try:
                    if not breeder.registered:
                        await breeder.register()
                    elif not breeder.token:
                        await breeder.login()
                    rounds += 1
                    await breeder.breed(rounds)
                except JourneyFailed:
                    await asyncio.sleep(0.5)
                if pause:
                    await asyncio.sleep(pause)
        finally:
            await breeder.close()

    await asyncio.gather(*(one(n) for n in range(users)))


async def lost_writes(shape: ProductionShape, writes: Sequence[Write]) -> list[Write]:
    """The acknowledged writes that cannot be read back (each read tried a few times, so a
    replica still restarting is not taken for a loss)."""
    lost = []
    async with httpx.AsyncClient(timeout=30) as client:
        for write in writes:
            for attempt in range(5):
                try:
                    response = await client.get(
                        shape.url(write.service) + write.path,
                        headers={"Authorization": f"Bearer {write.token}"},
                    )
                except httpx.HTTPError:
                    response = None
                if response is not None and response.status_code in (200, 404):
                    break
                await asyncio.sleep(0.5 * (attempt + 1))
            if response is None or response.status_code != 200:
                lost.append(write)
    return lost
