"""Per-key request quotas with the `limits` library, in memory or shared through Redis.

Why `limits` and its moving window: a quota of `rate` requests per second with a `burst`
is kept as "at most `burst` requests in any window of burst / rate seconds". A caller
that was idle may send `burst` requests at once; over time it gets `rate` per second,
as with a token bucket. A moving window (not a fixed one) never lets 2 × burst through
across a window boundary. `limits` has the same strategy in memory and in Redis (a Lua
script), so a replica alone and replicas sharing Redis count the same way. Litestar's
own RateLimitMiddleware has a single fixed-window quota for every caller, no burst and
no per-caller override, so it does not fit.

`limits` counts in whole seconds: the window is burst / rate rounded to the nearest
second (at least 1), so choose `burst` as a multiple of `rate` for exact figures.

Redis going away must not fail requests: the first storage error switches to the
in-memory limiter (each replica then counts alone) with one warning; Redis is tried again
after `_REDIS_RETRY_S`, and its return is logged once as well.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from idcard.api.keys import Quota

log = logging.getLogger("idcard.quota")

_NAMESPACE = "idcard"
_REDIS_RETRY_S = 5.0
# A Redis that hangs must not hold requests: give up on it quickly and count locally.
_REDIS_TIMEOUT_S = 0.25


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until a request is allowed again (at least 1 when refused)


def window_of(quota: Quota) -> RateLimitItem:
    seconds = max(1, round(quota.burst / quota.rate))
    return RateLimitItemPerSecond(quota.burst, seconds, namespace=_NAMESPACE)


class QuotaKeeper:
    """Checks and counts one request against a key's quota."""

    def __init__(self, redis_url: str = "") -> None:
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        self._redis_url = redis_url
        if redis_url:
            self._shared = MovingWindowRateLimiter(_redis_storage(redis_url))
        self._redis_down_until = 0.0

    @property
    def backend(self) -> str:
        if self._shared is None:
            return "memory"
        return "memory (redis unreachable)" if self._redis_down() else "redis"

    async def check(self, name: str, quota: Quota) -> Decision:
        item = window_of(quota)
        if self._shared is not None and not self._redis_down():
            try:
                decision = await _hit(self._shared, item, name)
            except StorageError as exc:
                self._note_redis_down(exc)
            else:
                self._note_redis_up()
                return decision
        return await _hit(self._local, item, name)

    def _redis_down(self) -> bool:
        return time.monotonic() < self._redis_down_until

    def _note_redis_down(self, exc: StorageError) -> None:
        if self._redis_down_until == 0.0:
            log.warning("redis at %s unreachable (%s); quotas are counted per replica until "
                        "it returns", _safe_url(self._redis_url),
                        type(exc.storage_error).__name__)
        self._redis_down_until = time.monotonic() + _REDIS_RETRY_S

    def _note_redis_up(self) -> None:
        if self._redis_down_until != 0.0:
            log.warning("redis at %s reachable again; quotas are shared again",
                        _safe_url(self._redis_url))
            self._redis_down_until = 0.0


async def _hit(limiter: MovingWindowRateLimiter, item: RateLimitItem, name: str) -> Decision:
    allowed = await limiter.hit(item, name)
    stats = await limiter.get_window_stats(item, name)
    reset_s = max(0, math.ceil(stats.reset_time - time.time()))
    if not allowed:
        reset_s = max(1, reset_s)
    return Decision(allowed=allowed, limit=item.amount, remaining=max(0, stats.remaining),
                    reset_s=reset_s)


def _redis_storage(url: str) -> Storage:
    uri = url if url.startswith("async+") else "async+" + url
    return RedisStorage(uri, wrap_exceptions=True, implementation="redispy",
                        socket_timeout=_REDIS_TIMEOUT_S,
                        socket_connect_timeout=_REDIS_TIMEOUT_S)


def _safe_url(url: str) -> str:
    """The URL without a password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"
