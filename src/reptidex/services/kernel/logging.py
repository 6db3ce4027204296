"""Structured logs through structlog: JSON lines in production, readable lines on a terminal."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from reptidex.services.kernel.redaction import redact_event


def configure_logging(
    level: str = "INFO", log_format: str = "auto", *, stream: TextIO | None = None
) -> None:
    """Route structlog and the standard library's logging through one JSON (or console) renderer.

    ``log_format`` is ``json``, ``console`` or ``auto`` (console when stderr is a terminal);
    lines go to ``stream`` (default: stderr).
    Secrets never reach the output: tracebacks carry no local variables and every line passes
    through :func:`~reptidex.services.kernel.redaction.redact_event`. Context bound with :func:`structlog.contextvars.bind_contextvars` (the request id, the
    service) appears on every line logged while handling that request.
    """
    use_console = log_format == "console" or (log_format == "auto" and sys.stderr.isatty())
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
        if use_console
        else structlog.processors.JSONRenderer()
    )
    # Tracebacks are formatted here, never with their frames' local variables (they hold
    # passwords, tokens and settings), and before redact_event, so it scrubs their text too.
    exception_formatter: structlog.typing.Processor = (
        structlog.processors.format_exc_info
        if use_console
        else structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    )
    structlog.configure(
        # below the level a line is dropped first, before any processor formats it
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                exception_formatter,
                redact_event,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log would duplicate our one line per request.
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic announces its dialect on every revision lookup; keep its warnings only.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """Return a structlog logger named ``name``."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
