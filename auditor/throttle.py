"""Request budgets shared per account: one token bucket per AWS account, GCP project or Azure
subscription, drawn from by every thread, worker process and machine that scans it.

A budget key names whose API limits a request counts against: ``aws:<account id>``,
``gcp:<project>``, ``azure:<subscription>``, and for calls every member-account task makes
through the same base credentials (STS AssumeRole, Organizations) the *caller's* account.

Two implementations behind one interface: ``LocalBudget`` (in-process: serial scans, shards
without a broker) and ``RedisBudget`` (an atomic Lua script on the broker's Redis or Valkey, so
every worker draws from the same bucket; the server's clock, so machines need not agree on time).
When the cloud answers "throttled", the key's rate is halved for everyone (at most once a second:
one burst of throttled answers is one signal), held there for ``cooldown`` seconds, then
recovers linearly to the full rate over another ``cooldown``. Throttled answers are counted.

The active budget of a process is installed once (``ensure``) by the worker, and for the length
of a scan (``scoped``) by the shard and the serial ``scan --config``; the SDK hooks in ``auditor.collectors.throttle_hooks`` draw from it.
Nothing installed means no limit (the per-source ``scan aws|gcp|azure`` commands).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from auditor.config import ThrottleConfig

log = logging.getLogger("auditor.throttle")

REDIS_PREFIX = "auditor:throttle:"
MIN_FRACTION = 1 / 16  # the rate never drops below this share of the configured one
HALVE_INTERVAL = 1.0  # seconds: throttled answers closer together than this are one signal
KEY_TTL_MS = 3_600_000  # an idle bucket is forgotten after an hour


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float
    cooldown: float = 10.0

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1 or self.cooldown <= 0:
            raise ValueError(f"invalid rate {self}")


class Budget(Protocol):
    rate: Rate

    def acquire(self, key: str) -> float:
        """Take one request from ``key``'s bucket, sleeping until it may be sent; returns the wait."""
        ...

    def throttled(self, key: str) -> None:
        """The cloud answered "throttled" for ``key``: slow everyone drawing from it down."""
        ...

    def throttles(self, key: str) -> int:
        """Throttled answers recorded for ``key`` (by every process sharing the bucket)."""
        ...


@dataclass
class _State:
    tokens: float
    stamp: float
    fraction: float = 1.0  # of the configured rate, as set by the last throttled answer
    throttled_at: float = float("-inf")
    throttles: int = 0


def current_fraction(fraction: float, throttled_at: float, now: float, cooldown: float) -> float:
    """The share of the rate in force: ``fraction`` for ``cooldown`` s after a throttle, then back
    to 1 linearly over another ``cooldown`` s. (The Lua script computes the same.)"""
    if fraction >= 1 or now <= throttled_at + cooldown:
        return fraction
    return min(1.0, fraction + (1 - fraction) * (now - throttled_at - cooldown) / cooldown)


@dataclass
class LocalBudget:
    """Token buckets in this process (thread-safe). Each acquire reserves the next free slot, so
    callers are spaced at the rate without polling."""

    rate: Rate
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _states: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _advance(self, key: str, now: float) -> tuple[_State, float]:
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = _State(tokens=self.rate.burst, stamp=now)
        share = current_fraction(state.fraction, state.throttled_at, now, self.rate.cooldown)
        if share >= 1:
            state.fraction = 1.0
        per_second = self.rate.per_second * share
        state.tokens = min(self.rate.burst, state.tokens + max(0.0, now - state.stamp) * per_second)
        state.stamp = now
        return state, per_second

    def acquire(self, key: str) -> float:
        with self._lock:
            state, per_second = self._advance(key, self.clock())
            state.tokens -= 1
            wait = -state.tokens / per_second if state.tokens < 0 else 0.0
        if wait > 0:
            self.sleep(wait)
        return wait

    def throttled(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            state, per_second = self._advance(key, now)
            state.throttles += 1
            state.tokens = min(state.tokens, 0.0)  # the burst is spent: the cloud already said too much
            if now - state.throttled_at >= HALVE_INTERVAL:
                state.fraction = max(MIN_FRACTION, per_second / self.rate.per_second / 2)
                state.throttled_at = now
                fraction = state.fraction
            else:
                return
        log.warning("%s: the cloud throttled requests; the shared rate is %.3g/s for %g s, then recovers",
                    key, self.rate.per_second * fraction, self.rate.cooldown)

    def throttles(self, key: str) -> int:
        with self._lock:
            state = self._states.get(key)
            return state.throttles if state else 0

    def fraction(self, key: str) -> float:
        """The share of the configured rate in force for ``key`` now."""
        with self._lock:
            _, per_second = self._advance(key, self.clock())
            return per_second / self.rate.per_second


# One script for both operations, so the arithmetic exists once on the server side. Times come from
# the server (TIME), so workers on machines with different clocks share one timeline.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, burst, cooldown = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local minf, halve, ttl, op = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local s = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'fraction', 'throttled_at', 'throttles')
local tokens = tonumber(s[1]) or burst
local stamp = tonumber(s[2]) or now
local fraction = tonumber(s[3]) or 1
local throttled_at = tonumber(s[4]) or -1e18
local throttles = tonumber(s[5]) or 0
local share = fraction
if fraction < 1 and now > throttled_at + cooldown then
  share = math.min(1, fraction + (1 - fraction) * (now - throttled_at - cooldown) / cooldown)
end
if share >= 1 then fraction = 1 end
local per_second = rate * share
tokens = math.min(burst, tokens + math.max(0, now - stamp) * per_second)
local out = 0
if op == 'acquire' then
  tokens = tokens - 1
  if tokens < 0 then out = -tokens / per_second end
elseif op == 'throttled' then
  throttles = throttles + 1
  tokens = math.min(tokens, 0)
  if now - throttled_at >= halve then
    fraction = math.max(minf, share / 2)
    throttled_at = now
    out = fraction
  end
elseif op == 'count' then
  out = throttles
else
  out = share
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now), 'fraction', tostring(fraction),
           'throttled_at', tostring(throttled_at), 'throttles', tostring(throttles))
redis.call('PEXPIRE', KEYS[1], ttl)
return tostring(out)
"""


class RedisBudget:
    """The buckets on the broker's Redis or Valkey, shared by every worker on every machine.
    If Redis cannot be reached mid-scan, this process falls back to its own buckets (with a
    warning) and goes back to the shared ones once Redis answers again."""

    RETRY_AFTER = 5.0  # seconds between attempts to return to Redis after it failed

    def __init__(self, client: Any, rate: Rate, *, url: str = "", sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.rate = rate
        self.url = url
        self.sleep = sleep
        self.fallback = LocalBudget(rate)
        self._script = client.register_script(_LUA)
        self._down_until = 0.0
        self._down = False
        self._lock = threading.Lock()

    def _run(self, key: str, op: str) -> float | None:
        if time.monotonic() < self._down_until:
            return None
        try:
            out = self._script(
                keys=[REDIS_PREFIX + key],
                args=[self.rate.per_second, self.rate.burst, self.rate.cooldown, MIN_FRACTION, HALVE_INTERVAL,
                      KEY_TTL_MS, op],
            )
        except Exception as exc:  # redis.RedisError, OSError: never fail a scan for its throttle
            with self._lock:
                first, self._down = not self._down, True
                self._down_until = time.monotonic() + self.RETRY_AFTER
            if first:  # once per outage
                log.warning("throttle: Redis %s unreachable (%s); this process uses its own request budget "
                            "until it answers again", redact(self.url), type(exc).__name__)
            return None
        if self._down:
            with self._lock:
                back, self._down = self._down, False
            if back:
                log.warning("throttle: Redis %s answers again; the request budget is shared again", redact(self.url))
        return float(out.decode() if isinstance(out, bytes) else out)

    def acquire(self, key: str) -> float:
        wait = self._run(key, "acquire")
        if wait is None:
            return self.fallback.acquire(key)
        if wait > 0:
            self.sleep(wait)
        return wait

    def throttled(self, key: str) -> None:
        self.fallback.throttled(key)  # this process slows down even if Redis is gone
        fraction = self._run(key, "throttled")
        if fraction:
            log.warning("%s: the cloud throttled requests; the rate shared by every worker is %.3g/s for %g s, "
                        "then recovers", key, self.rate.per_second * fraction, self.rate.cooldown)

    def throttles(self, key: str) -> int:
        count = self._run(key, "count")
        return self.fallback.throttles(key) if count is None else int(count)

    def fraction(self, key: str) -> float:
        share = self._run(key, "fraction")
        return self.fallback.fraction(key) if share is None else share


def redact(url: str) -> str:
    """A broker URL without its password, for messages."""
    from auditor.redaction import redact_url

    return redact_url(url)


def redis_budget(url: str, rate: Rate) -> Budget:
    """The shared budget on ``url``; this process's own (with a warning) if Redis does not answer."""
    try:
        import redis
    except ImportError:
        log.warning("throttle: the redis package is not installed; each process keeps its own request budget")
        return LocalBudget(rate)
    client = redis.Redis.from_url(url.replace("valkey", "redis", 1) if url.startswith("valkey") else url,
                                  socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except Exception as exc:
        log.warning("throttle: Redis %s unreachable (%s); this process keeps its own request budget, "
                    "not shared with other workers", redact(url), type(exc).__name__)
        return LocalBudget(rate)
    return RedisBudget(client, rate, url=url)


_active: Budget | None = None
_installed_for: tuple[Any, ...] | None = None
_install_lock = threading.Lock()


def install(budget: Budget | None) -> None:
    """Make ``budget`` the one this process's SDK hooks draw from (None: no limit)."""
    global _active, _installed_for
    with _install_lock:
        _active, _installed_for = budget, None


def active() -> Budget | None:
    return _active


def ensure(settings: ThrottleConfig, broker: str | None) -> Budget | None:
    """Install this process's budget for ``distributed.throttle`` once (again after a fork or a
    change): shared through ``broker`` when given, else local; a rate of 0 turns throttling off."""
    global _active, _installed_for
    per_second, burst, cooldown = settings.requests_per_second, settings.burst, settings.cooldown
    wanted = (os.getpid(), per_second, burst, cooldown, broker)
    with _install_lock:
        if _installed_for == wanted:
            return _active
        if per_second <= 0:
            budget: Budget | None = None
        else:
            rate = Rate(per_second, float(burst or max(1.0, 2 * per_second)), cooldown)
            budget = redis_budget(broker, rate) if broker else LocalBudget(rate)
        _active, _installed_for = budget, wanted
        return budget


@contextmanager
def scoped(settings: ThrottleConfig, broker: str | None) -> Iterator[Budget | None]:
    """``ensure`` for the length of one scan, then what was installed before (a scan run inside a
    longer-lived process, e.g. a test or a notebook, leaves no budget behind)."""
    global _active, _installed_for
    with _install_lock:
        saved = (_active, _installed_for)
    try:
        yield ensure(settings, broker)
    finally:
        with _install_lock:
            _active, _installed_for = saved
