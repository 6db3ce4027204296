"""``reptidex up``, ``reptidex serve SERVICE`` and ``reptidex db``: run the platform and its databases."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from typing import Any

from reptidex.services.kernel.catalog import SERVICE_NAMES, SERVICES, WEB, service_spec
from reptidex.services.kernel.logging import configure_logging
from reptidex.services.kernel.settings import Settings, SettingsError, load_settings

UP_NAMES = (WEB.name, *SERVICE_NAMES)
"""What `reptidex up` can start: the web application and the six services."""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the platform commands."""
    from reptidex.cli import backup

    up = subparsers.add_parser(
        "up",
        help="start the web application and all six services in one process (embedded default)",
        description="Start the whole platform in one process, one port per service; the web"
        " application (repti-web) on the port before repti-core's (8000 by default).",
    )
    up.add_argument("--host", help="address to listen on (default: REPTIDEX_HOST or 127.0.0.1)")
    up.add_argument(
        "--port-base",
        type=int,
        default=8001,
        help="port of repti-core; the others follow in order, repti-web is one below"
        " (default: 8001, so repti-web on 8000)",
    )
    up.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="SERVICE=PORT",
        help="override one service's port, e.g. --port media=9004 or --port web=8080 (repeatable)",
    )
    up.add_argument(
        "--data-dir", help="folder for the SQLite databases and files (default: ./data)"
    )
    up.add_argument(
        "--services",
        default=",".join(UP_NAMES),
        help="comma-separated subset of services to start (default: web and all six)",
    )
    up.set_defaults(func=_up)

    serve = subparsers.add_parser(
        "serve",
        help="run one service alone (what a container runs)",
        description="Run one service; its database, Redis and peers' URLs come from REPTIDEX_* variables.",
    )
    serve.add_argument("service", choices=UP_NAMES)
    serve.add_argument("--host", help="address to listen on (default: REPTIDEX_HOST or 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, help="port (default: REPTIDEX_PORT or the service's own)"
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply migrations at start (run `reptidex db upgrade` as a separate step)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving on the one port, to use several cores (PostgreSQL only; default 1)",
    )
    serve.set_defaults(func=_serve)

    db = subparsers.add_parser(
        "db", help="database migrations, backups and restores of each service"
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the newest")
    db_upgrade.add_argument("services", nargs="*", type=_service_name, metavar="SERVICE")
    db_upgrade.set_defaults(func=_db_upgrade)
    db_current = db_commands.add_parser("current", help="show each database's schema revision")
    db_current.add_argument("services", nargs="*", type=_service_name, metavar="SERVICE")
    db_current.set_defaults(func=_db_current)
    backup.register(db_commands)


def _service_name(name: str) -> str:
    try:
        return service_spec(name).name
    except KeyError as exc:
        raise argparse.ArgumentTypeError(str(exc).strip("'\"")) from exc


def _settings(data_dir: str | None = None, ports: dict[str, int] | None = None) -> Settings:
    environ = dict(os.environ)
    if data_dir:
        environ["REPTIDEX_DATA_DIR"] = data_dir
    for name, port in (ports or {}).items():
        if name == WEB.name:
            # The links in the platform's mail open the web application started with it.
            environ.setdefault("REPTIDEX_PUBLIC_URL", f"http://127.0.0.1:{port}")
            continue
        # Services started together find each other on the ports chosen for this run.
        environ.setdefault(f"REPTIDEX_{name.upper()}_URL", f"http://127.0.0.1:{port}")
    settings = load_settings(environ)
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _fail(message: str) -> int:
    print(f"reptidex: {message}", file=sys.stderr)
    return 2


def _ports(args: argparse.Namespace, services: list[str]) -> dict[str, int]:
    ports = {spec.name: args.port_base + index for index, spec in enumerate(SERVICES)}
    ports[WEB.name] = args.port_base - 1
    for override in args.port:
        name, sep, value = override.partition("=")
        if not sep or name not in ports or not value.isdigit():
            raise ValueError(f"--port expects SERVICE=PORT with a known service, got {override!r}")
        ports[name] = int(value)
    return {name: ports[name] for name in services}


def _up(args: argparse.Namespace) -> int:
    from reptidex.services.runner import (
        PortInUseError,
        build_apps,
        ensure_ports_free,
        migrate,
        serve_apps,
    )

    try:
        services = [name.strip() for name in args.services.split(",") if name.strip()]
        for name in services:
            if name != WEB.name:
                service_spec(name)
        ports = _ports(args, services)
        settings = _settings(args.data_dir, ports)
        host = args.host or settings.host
        ensure_ports_free(host, ports)
    except (SettingsError, ValueError, KeyError, PortInUseError) as exc:
        return _fail(str(exc).strip("'\""))
    # The banner below says where everything is; uvicorn's six start-up stories would repeat it.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    backends = [name for name in services if name != WEB.name]
    migrate(backends, settings)
    apps = build_apps(backends, settings)
    if WEB.name in services:
        from reptidex.services.web.app import create_app as create_web_app

        apps = {WEB.name: create_web_app(settings), **apps}

    def announce() -> None:
        lines = ["", "ReptiDex is running:"]
        for name in apps:
            url = f"http://{host}:{ports[name]}"
            if name == WEB.name:
                lines.append(f"  repti-{name:<10} {url:<24} open this in a browser")
            else:
                lines.append(f"  repti-{name:<10} {url:<24} docs {url}/schema")
        lines += [f"Data folder: {settings.data_dir.resolve()}", "Press Ctrl-C to stop.", ""]
        print("\n".join(lines), flush=True)

    asyncio.run(serve_apps(apps, host, ports, settings, on_ready=announce))
    print("ReptiDex stopped.", flush=True)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from reptidex.services.runner import (
        PortInUseError,
        build_apps,
        ensure_ports_free,
        migrate,
        serve_apps,
    )
    from reptidex.services.workers import WorkersRefused, check_workers, supervise

    try:
        settings = _settings()
        host = args.host or settings.host
        spec = WEB if args.service == WEB.name else service_spec(args.service)
        ports = {args.service: args.port or settings.port or spec.port}
        if spec is WEB and args.workers != 1:
            raise WorkersRefused("repti-web runs one worker a process; run more containers")
        if spec is not WEB:
            check_workers(args.service, settings, args.workers)
        ensure_ports_free(host, ports)
    except (SettingsError, PortInUseError, WorkersRefused) as exc:
        return _fail(str(exc))
    if spec is WEB:
        from reptidex.services.web.app import create_app as create_web_app

        asyncio.run(serve_apps({WEB.name: create_web_app(settings)}, host, ports, settings))
        return 0
    if not args.no_migrate:
        migrate([args.service], settings)
    if args.workers > 1:
        return supervise(args.service, settings, host, ports[args.service], args.workers)
    apps = build_apps([args.service], settings)
    asyncio.run(serve_apps(apps, host, ports, settings))
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from reptidex.services.runner import migrate

    try:
        settings = _settings()
    except SettingsError as exc:
        return _fail(str(exc))
    services = args.services or list(SERVICE_NAMES)
    migrate(services, settings)
    for name in services:
        print(f"repti-{name}: up to date")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    from reptidex.adapters.sql.engine import create_engine
    from reptidex.adapters.sql.migrations import current_revisions, head_revisions

    try:
        settings = _settings()
    except SettingsError as exc:
        return _fail(str(exc))

    async def revisions(name: str) -> frozenset[str]:
        engine = create_engine(settings.database_url(name), pool_size=1)
        try:
            return await current_revisions(engine)
        finally:
            await engine.dispose()

    for name in args.services or list(SERVICE_NAMES):
        current = asyncio.run(revisions(name))
        heads = head_revisions(name)
        state = "up to date" if current == heads else f"behind (newest: {', '.join(sorted(heads))})"
        print(f"repti-{name}: {', '.join(sorted(current)) or 'empty'} ({state})")
    return 0
