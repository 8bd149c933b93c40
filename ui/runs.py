"""The cache of computed runs, shared read-only by every session: bounded in bytes, in entries
and in time.

Why not `st.cache_resource(ttl=..., max_entries=...)`: it bounds entries and age but not bytes,
and its entries differ in size by four orders of magnitude (a default run keeps 28 kB, hidden
1024 over 2000 steps 118 MB), so no entry count bounds the memory; a byte guard around it could
refuse to store but not evict the oldest to make room. Here every stored value is measured
(`rnn_core.memory.held_bytes`: the nbytes of every array in it) and the oldest entries are
evicted until the total is under the budget. One store holds every view's runs, so the budget
bounds them together.

Sessions run in threads: the table is guarded by one lock, and a value is computed outside it
(a long run does not block other sessions), once per key (a second session asking for the same
key waits for the first one's result instead of computing it again). Values are frozen by their
makers (read-only arrays, frozen dataclasses, mapping proxies); the store never copies them.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from rnn_core.memory import held_bytes

from .inflight import POOL

MB = 1 << 20
CACHE_BUDGET_MB = 1024  # every cached run together; RNNX_CACHE_BUDGET_MB overrides it
CACHE_ENTRIES = 64  # at most this many runs, whatever their size
CACHE_TTL_S = 900.0  # a run nobody asked for in 15 minutes is dropped; RNNX_CACHE_TTL_S


def _env_number(name: str, default: float) -> float:
    """A positive number from the environment, or `default` when unset or not one."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


class RunCache:
    """A least-recently-used map of frozen runs, bounded by total bytes, count and idle time.

    budget: total bytes of the values kept; max_entries: values kept; ttl: seconds an entry
    stays after it was last asked for; clock: seconds, monotonic (a test passes a fake one).
    A value larger than the whole budget is returned but not kept.
    """

    def __init__(self, budget: int, max_entries: int = CACHE_ENTRIES, ttl: float = CACHE_TTL_S,
                 clock: Callable[[], float] = time.monotonic):
        self.budget, self.max_entries, self.ttl, self.clock = int(budget), max_entries, ttl, clock
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()  # key -> (value, bytes, last use)
        self._computing: dict = {}  # key -> the lock its first caller holds while computing
        self.total = 0  # bytes of the values kept

    def get(self, key: Hashable, compute: Callable[[], object]):
        """The value for `key`, computed by `compute()` when absent or expired."""
        while True:
            with self._lock:
                self._expire()
                hit = self._entries.get(key)
                if hit is not None:
                    self._entries[key] = (hit[0], hit[1], self.clock())
                    self._entries.move_to_end(key)
                    return hit[0]
                pending = self._computing.get(key)
                if pending is None:
                    mine = self._computing[key] = threading.Lock()
                    mine.acquire()
                    break
            with pending:  # another session computes this key: wait for it, then look again
                pass
        try:
            value = compute()
            self._put(key, value)
            return value
        finally:
            with self._lock:
                del self._computing[key]
            mine.release()

    def _put(self, key, value) -> None:
        size = held_bytes(value)
        with self._lock:
            if size > self.budget:
                return
            self._entries[key] = (value, size, self.clock())
            self.total += size
            while self.total > self.budget or len(self._entries) > self.max_entries:
                self._evict_oldest()

    def _expire(self) -> None:
        now = self.clock()
        while self._entries:
            _, (_, _, used) = next(iter(self._entries.items()))  # the least recently used
            if now - used <= self.ttl:
                return
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        _, (_, size, _) = self._entries.popitem(last=False)
        self.total -= size

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.total = 0


RUNS = RunCache(int(_env_number("RNNX_CACHE_BUDGET_MB", CACHE_BUDGET_MB) * MB),
                ttl=_env_number("RNNX_CACHE_TTL_S", CACHE_TTL_S))


def cached(namespace: str, key: tuple, compute: Callable[[], object], peak: int = 0):
    """`compute()`'s value, shared by every session under (namespace, key). A miss first takes
    `peak` bytes (the computation's estimated peak, rnn_core.memory) from the in-flight pool
    (`ui.inflight.POOL`), so the runs being made at once stay within it; raises
    `ui.inflight.Busy` when the pool stays short."""
    def bounded():
        with POOL.take(peak):
            return compute()

    return RUNS.get((namespace,) + tuple(key), bounded)
