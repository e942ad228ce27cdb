"""The cache: Redis while it answers, the database's cache table while it does not.

Login throttling, the lockout after failed passwords and TOTP single use all ride on the
cache. With Redis alone, a dead Redis answered every sign-in with a 500 and a frozen one
after a long socket timeout. Here a Redis error sends the call, and every call of this
process for the next few seconds, to the database cache table instead, so throttling and
single use still hold (in PostgreSQL, shared by every worker) and nobody is locked out.

What the switch costs: the two stores do not share their contents. Failures counted in
Redis before it went are not seen by the fallback, and the other way round when it comes
back, so an attacker gains at most one fresh allowance per switch, never unlimited tries.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# After a failure, Redis is left alone this long before it is tried again: a frozen Redis
# costs one call one socket timeout, not every call.
RETRY_REDIS_AFTER_SECONDS = 5.0
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class FallbackRedisCache(RedisCache):
    """A RedisCache that falls back to another cache (OPTIONS["FALLBACK"], an alias)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self._fallback_alias = options.pop("FALLBACK", "fallback")
        super().__init__(server, {**params, "OPTIONS": options})
        self._redis_down_until = 0.0

    @property
    def fallback(self):
        return caches[self._fallback_alias]

    def redis_is_up(self) -> bool:
        return time.monotonic() >= self._redis_down_until

    def _either(self, name, *args, **kwargs):
        if self.redis_is_up():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_DOWN:
                self._redis_down_until = time.monotonic() + RETRY_REDIS_AFTER_SECONDS
                logger.warning("Redis unavailable: the cache uses the database for a while")
        return getattr(self.fallback, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._either("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._either("delete", key, version)

    def get_many(self, keys, version=None):
        return self._either("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._either("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._either("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._either("delete_many", keys, version)

    def clear(self):
        return self._either("clear")
