"""The Litestar application: routes, problems, request ids, OCR pool life cycle, docs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.exceptions import HTTPException
from litestar.logging import LoggingConfig

from idcard.api.context import AccessLog
from idcard.api.docs import docs_handler, openapi_config, swagger_assets_router, swagger_plugin
from idcard.api.pool import ReaderPool
from idcard.api.problems import ProblemError, exception_handlers, log_unhandled
from idcard.api.routes import Service, healthz, read_card, readyz
from idcard.api.web import demo_page, web_assets_router
from idcard.config import Settings
from idcard.errors import InputError

if TYPE_CHECKING:  # imported when the default factory runs: tests with fakes skip the OCR stack
    from idcard.pipeline import CardReader

log = logging.getLogger("idcard.api")

# Statuses and exceptions that are the caller's doing: answered with a problem, not logged
# as errors (the access log line records them).
_EXPECTED_FAILURES: set[int | type[Exception]] = {
    400, 404, 405, 413, 415, 422, 503, 504, InputError, ProblemError, HTTPException,
}


def create_app(settings: Settings,
               reader_factory: Callable[[], CardReader] | None = None) -> Litestar:
    """Build the service. `reader_factory` makes one reader per OCR worker thread
    (default: `CardReader.load(settings)`); tests pass a fake to exercise the pool."""
    factory = reader_factory or partial(_load_reader, settings)
    swagger = swagger_plugin()
    app = Litestar(
        route_handlers=[read_card, healthz, readyz, docs_handler(swagger),
                        swagger_assets_router(), demo_page, web_assets_router()],
        lifespan=[partial(_ocr_pool, settings=settings, factory=factory)],
        exception_handlers=exception_handlers(),
        openapi_config=openapi_config(swagger),
        request_max_body_size=settings.max_body_bytes,
        logging_config=_logging_config(),
    )
    # Outermost wrapper, outside Litestar's exception handling, so that 404s, 413s and
    # 500s also get their request id header and access-log line.
    app.asgi_handler = AccessLog(app.asgi_handler)
    return app


def _load_reader(settings: Settings) -> CardReader:
    from idcard.pipeline import CardReader

    return CardReader.load(settings)


@asynccontextmanager
async def _ocr_pool(app: Litestar, *, settings: Settings,
                    factory: Callable[[], CardReader]) -> AsyncIterator[None]:
    pool: ReaderPool[CardReader] = ReaderPool(
        factory, workers=settings.effective_pool_size(), queue_size=settings.queue_size)
    log.info("loading OCR models into %d worker thread(s)", pool.workers)
    # Start-up blocks until every worker is warm: a missing model pack stops the process
    # here with a clear error instead of failing requests later.
    seconds = await asyncio.to_thread(pool.start)
    log.info("OCR pool ready: workers=%d queue_size=%d ocr_threads=%d cold_start_s=%.2f",
             pool.workers, pool.queue_size, settings.effective_ocr_threads(), seconds)
    app.state.service = Service(settings=settings, pool=pool)
    try:
        yield
    finally:
        log.info("stopping OCR pool")
        await asyncio.to_thread(pool.close)


def _logging_config() -> LoggingConfig:
    return LoggingConfig(
        configure_root_logger=False,
        formatters={"standard": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        loggers={
            "litestar": {"level": "INFO", "handlers": ["queue_listener"], "propagate": False},
            "idcard": {"level": "INFO", "handlers": ["queue_listener"], "propagate": True},
        },
        log_exceptions="always",
        exception_logging_handler=log_unhandled,
        disable_stack_trace=_EXPECTED_FAILURES,
    )
