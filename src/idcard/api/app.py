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
from idcard.api.gate import Gate
from idcard.api.keys import Quota, ReloadingKeyRing
from idcard.api.logs import formatter_config
from idcard.api.metrics import Metrics
from idcard.api.pool import ReaderPool
from idcard.api.problems import ProblemError, exception_handlers, log_unhandled
from idcard.api.quota import QuotaKeeper
from idcard.api.routes import Service, healthz, metrics_endpoint, read_card, readyz
from idcard.api.web import demo_page, web_assets_router
from idcard.config import Settings, load_settings
from idcard.errors import InputError

if TYPE_CHECKING:  # imported when the default factory runs: tests with fakes skip the OCR stack
    from idcard.pipeline import CardReader

log = logging.getLogger("idcard.api")

# Statuses and exceptions that are the caller's doing: answered with a problem, not logged
# as errors (the access log line records them).
_EXPECTED_FAILURES: set[int | type[Exception]] = {
    400, 401, 404, 405, 413, 415, 422, 429, 503, 504, InputError, ProblemError,
    HTTPException,
}


def create_app(settings: Settings,
               reader_factory: Callable[[], CardReader] | None = None) -> Litestar:
    """Build the service. `reader_factory` makes one reader per OCR worker thread
    (default: `CardReader.load(settings)`); tests pass a fake to exercise the pool.

    A key file that cannot be used raises `KeyFileError` (naming the file) here, before
    anything starts.
    """
    from idcard.pipeline import tune_allocator

    # Before any thread of the service allocates: each would keep an arena of its own.
    tune_allocator()
    factory = reader_factory or partial(_load_reader, settings)
    keys = ReloadingKeyRing(settings.api_keys_file) if settings.api_keys_file else None
    metrics = Metrics()
    swagger = swagger_plugin()
    app = Litestar(
        route_handlers=[read_card, healthz, readyz, metrics_endpoint, docs_handler(swagger),
                        swagger_assets_router(), demo_page, web_assets_router()],
        lifespan=[partial(_ocr_pool, settings=settings, factory=factory, metrics=metrics,
                          keys=keys)],
        exception_handlers=exception_handlers(),
        openapi_config=openapi_config(swagger),
        request_max_body_size=settings.max_body_bytes,
        logging_config=_logging_config(settings.log_format),
    )
    app.state.metrics = metrics
    # Admission (queue, key, quota) before Litestar reads or parses anything; outermost,
    # outside Litestar's exception handling, the access log: 401s, 404s, 413s, 429s,
    # 503s and 500s all get their request id header, log line and count.
    gate = Gate(app.asgi_handler, pool=partial(_pool_of, app), keys=keys,
                quotas=QuotaKeeper(settings.redis_url),
                default_quota=Quota(rate=settings.rate_limit_rps,
                                    burst=settings.rate_limit_burst),
                docs_public=settings.docs_public)
    app.asgi_handler = AccessLog(gate, metrics)
    return app


def app_from_environment() -> Litestar:
    """`create_app` with settings from IDCARD_* variables: the factory for running
    several server processes (`uvicorn --factory idcard.api.app:app_from_environment
    --workers N`)."""
    return create_app(load_settings())


def _pool_of(app: Litestar) -> ReaderPool[CardReader] | None:
    service: Service | None = app.state.get("service")
    return service.pool if service is not None else None


def _load_reader(settings: Settings) -> CardReader:
    from idcard.pipeline import CardReader

    return CardReader.load(settings)


@asynccontextmanager
async def _ocr_pool(app: Litestar, *, settings: Settings, factory: Callable[[], CardReader],
                    metrics: Metrics, keys: ReloadingKeyRing | None) -> AsyncIterator[None]:
    _log_access_mode(settings, keys)
    pool: ReaderPool[CardReader] = ReaderPool(
        factory, workers=settings.effective_pool_size(), queue_size=settings.queue_size,
        on_change=metrics.observe_pool)
    metrics.set_pool_size(pool.workers, pool.queue_size)
    log.info("loading OCR models into %d worker thread(s)", pool.workers)
    # Start-up blocks until every worker is warm: a missing model pack stops the process
    # here with a clear error instead of failing requests later.
    seconds = await asyncio.to_thread(pool.start)
    log.info("OCR pool ready: workers=%d queue_size=%d ocr_threads=%d cold_start_s=%.2f",
             pool.workers, pool.queue_size, settings.effective_ocr_threads(), seconds)
    model = getattr(pool.readers[0], "model_info", None) if pool.readers else None
    if model is not None:
        metrics.set_model(det=model.det, rec=model.rec, recheck=settings.recheck_pack,
                          runtime=model.runtime)
    app.state.service = Service(settings=settings, pool=pool, metrics=metrics)
    try:
        yield
    finally:
        log.info("stopping OCR pool")
        await asyncio.to_thread(pool.close)


def _log_access_mode(settings: Settings, keys: ReloadingKeyRing | None) -> None:
    if keys is None:
        log.warning("no API key file (IDCARD_API_KEYS_FILE): the service is open to anyone "
                    "who can reach it")
        return
    log.info("API keys required: %d key(s) from %s; quota %g/s, burst %d per key "
             "(overrides in the file); quota store %s", len(keys.current().keys), keys.path,
             settings.rate_limit_rps, settings.rate_limit_burst,
             "redis" if settings.redis_url else "memory")


def _logging_config(log_format: str) -> LoggingConfig:
    return LoggingConfig(
        configure_root_logger=False,
        formatters={"standard": formatter_config(log_format)},
        loggers={
            "litestar": {"level": "INFO", "handlers": ["queue_listener"], "propagate": False},
            "idcard": {"level": "INFO", "handlers": ["queue_listener"], "propagate": True},
        },
        log_exceptions="always",
        exception_logging_handler=log_unhandled,
        disable_stack_trace=_EXPECTED_FAILURES,
    )
