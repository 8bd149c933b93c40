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

import itertools
import os
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

from rnn_core.memory import held_bytes

from .inflight import POOL, Busy

MB = 1 << 20
# Every run in memory together (kept, or still drawn by a session); RNNX_CACHE_BUDGET_MB
# overrides it. With the in-flight pool (ui.inflight, 512 MB) and the process itself, a server
# stays under 2 GB (benchmarks/bench_load.py --mode memory: 30 learners, 1.55 GB at its peak).
CACHE_BUDGET_MB = 768
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

    budget: total bytes of the values kept, plus those evicted but still held elsewhere;
    max_entries: values kept; ttl: seconds an entry stays after it was last asked for; clock:
    seconds, monotonic (a test passes a fake one). A value larger than the whole budget is
    returned but not kept.

    Why evicted values still count: a session holds the run its page drew (its fragments and
    download buttons refer to it, also for a while after its tab closed), so evicting an entry
    frees nothing until those sessions let go. A weak reference follows each evicted value
    (`alive`); a session asking for its key again gets it back instead of a second copy, and a
    miss whose estimate (`need`) does not fit beside what is kept and still alive evicts the
    oldest entries, then waits for memory to be let go, and after `timeout` seconds raises
    `Busy`.
    """

    def __init__(self, budget: int, max_entries: int = CACHE_ENTRIES, ttl: float = CACHE_TTL_S,
                 clock: Callable[[], float] = time.monotonic):
        self.budget, self.max_entries, self.ttl, self.clock = int(budget), max_entries, ttl, clock
        # re-entrant: a weak reference's callback can run inside a locked section, when the
        # eviction there drops the last reference to a value
        self._cond = threading.Condition(threading.RLock())
        self._entries: OrderedDict = OrderedDict()  # key -> (value, bytes, last use)
        self._computing: dict = {}  # key -> the lock its first caller holds while computing
        self._alive: dict = {}  # token -> (key, weak reference, bytes) of evicted values
        self._tokens = itertools.count()
        self.total = 0  # bytes of the values kept
        self.alive_bytes = 0  # bytes of the values evicted (or never kept) and still held
        self.reserved = 0  # bytes promised to the misses being computed (their estimates)

    @property
    def live(self) -> int:
        """Bytes of every value made here that is still in memory, and those being made."""
        return self.total + self.alive_bytes + self.reserved

    def get(self, key: Hashable, compute: Callable[[], object], need: int = 0,
            timeout: float = 60.0):
        """The value for `key`, computed by `compute()` when absent or expired; `need`: the
        bytes it will keep (an estimate), room made for before it is computed."""
        need = min(max(int(need), 0), self.budget)
        start = time.monotonic()
        while True:
            with self._cond:
                self._expire()
                hit = self._entries.get(key)
                if hit is not None:
                    self._entries[key] = (hit[0], hit[1], self.clock())
                    self._entries.move_to_end(key)
                    return hit[0]
                value = self._adopt(key)
                if value is not None:
                    return value
                pending = self._computing.get(key)
                if pending is None:
                    self._make_room(need, timeout - (time.monotonic() - start))
                    self.reserved += need  # misses computed at once cannot share one room
                    mine = self._computing[key] = threading.Lock()
                    mine.acquire()
                    break
            with pending:  # another session computes this key: wait for it, then look again
                pass
        try:
            value = compute()
            self._put(key, value, need)
            need = 0
            return value
        finally:
            with self._cond:
                self.reserved -= need
                del self._computing[key]
                self._cond.notify_all()
            mine.release()

    def _adopt(self, key):
        """An evicted value of `key` that a session still holds, kept again; or None."""
        for token, (k, ref, size) in list(self._alive.items()):
            value = ref() if k == key else None
            if value is not None:
                del self._alive[token]
                self.alive_bytes -= size
                self._keep(key, value, size)
                return value
        return None

    def _make_room(self, need: int, timeout: float) -> None:
        while self.live + need > self.budget:
            if self._entries:
                self._evict_oldest()
                continue
            if timeout <= 0:
                raise Busy(need, self.budget, 0.0)
            began = time.monotonic()
            self._cond.wait(min(timeout, 1.0))
            timeout -= time.monotonic() - began

    def hold(self, value, timeout: float = 60.0) -> None:
        """Count `value`, made outside the cache and held by one session (a training run),
        until it is let go: room is made for it first (the oldest entries evicted, then a wait
        for memory to be let go), and `Busy` is raised when none comes within `timeout`."""
        size = held_bytes(value)
        with self._cond:
            self._make_room(min(size, self.budget), timeout)
            self._follow(None, value, size)

    def _put(self, key, value, reserved: int = 0) -> None:
        size = held_bytes(value)
        with self._cond:
            self.reserved -= reserved  # the value itself now stands for its estimate
            if size > self.budget:
                self._follow(key, value, size)
                return
            self._keep(key, value, size)

    def _keep(self, key, value, size: int) -> None:
        self._entries[key] = (value, size, self.clock())
        self.total += size
        while self._entries and (self.live > self.budget
                                 or len(self._entries) > self.max_entries):
            if next(iter(self._entries)) == key and len(self._entries) == 1:
                break  # the value just kept stays: it is in use by its caller
            self._evict_oldest()

    def _follow(self, key, value, size: int) -> None:
        """Count `value` until it is let go (values that cannot be followed count as freed)."""
        token = next(self._tokens)
        try:
            ref = weakref.ref(value, lambda _ref, t=token: self._dead(t))
        except TypeError:
            return
        self._alive[token] = (key, ref, size)
        self.alive_bytes += size

    def _dead(self, token) -> None:
        with self._cond:
            gone = self._alive.pop(token, None)
            if gone is not None:
                self.alive_bytes -= gone[2]
            self._cond.notify_all()

    def _expire(self) -> None:
        now = self.clock()
        while self._entries:
            _, (_, _, used) = next(iter(self._entries.items()))  # the least recently used
            if now - used <= self.ttl:
                return
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        key, (value, size, _) = self._entries.popitem(last=False)
        self.total -= size
        self._follow(key, value, size)
        del value  # the last reference, unless a session holds it: then its callback waits

    def __len__(self) -> int:
        with self._cond:
            return len(self._entries)

    def clear(self) -> None:
        with self._cond:
            self._entries.clear()
            self._alive.clear()
            self.total = self.alive_bytes = 0  # misses in flight still hold their reservations
            self._cond.notify_all()


RUNS = RunCache(int(_env_number("RNNX_CACHE_BUDGET_MB", CACHE_BUDGET_MB) * MB),
                ttl=_env_number("RNNX_CACHE_TTL_S", CACHE_TTL_S))


def cached(namespace: str, key: tuple, compute: Callable[[], object], estimate=None):
    """`compute()`'s value, shared by every session under (namespace, key). `estimate`: the
    computation's `rnn_core.memory.Estimate`: a miss makes room for its kept bytes in the cache
    and takes its peak from the in-flight pool (`ui.inflight.POOL`) while it computes, so the
    runs in memory and those being made stay within their budgets. Raises `ui.inflight.Busy`
    when either stays short."""
    need, peak = (estimate.kept, estimate.peak) if estimate is not None else (0, 0)

    def bounded():
        with POOL.take(peak):
            return compute()

    return RUNS.get((namespace,) + tuple(key), bounded, need)
