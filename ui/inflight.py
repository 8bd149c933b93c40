"""A bound on the memory that computations in flight hold at once, across every session.

The caches bound what is kept; this bounds what is being made. Each session's script runs in a
thread of one server process, and NumPy releases the interpreter lock, so thirty learners who
open a large configuration at the same moment would each allocate their run at once. A
computation first takes its estimated bytes from one shared pool and gives them back when it is
done; while the pool is short it waits its turn, and after `timeout` seconds it gives up with
`Busy`, which the page shows as a message instead of holding the learner forever.

The server's peak is then about: the process itself, plus the caches' byte budget, plus this
pool.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager


class Busy(RuntimeError):
    """The pool stayed short for `timeout` seconds: the server is busy with other runs."""

    def __init__(self, wanted: int, capacity: int, waited: float):
        super().__init__(f"expected {wanted} bytes of the in-flight pool within {waited:.0f} s "
                         f"(capacity {capacity}), got none")
        self.wanted, self.capacity, self.waited = wanted, capacity, waited


class BytePool:
    """A counting semaphore in bytes. `take(n)` is a context manager that holds n bytes.

    A request larger than the whole pool is clipped to the pool: it then runs alone, which is
    the best the pool can do for a computation the per-run budget has already let through.
    """

    def __init__(self, capacity: int, clock=time.monotonic):
        if capacity <= 0:
            raise ValueError(f"capacity: expected a positive number of bytes, got {capacity}")
        self.capacity = int(capacity)
        self.used = 0
        self.peak = 0
        self._clock = clock
        self._cond = threading.Condition()

    @contextmanager
    def take(self, nbytes: int, timeout: float = 60.0):
        n = min(max(int(nbytes), 0), self.capacity)
        start = self._clock()
        with self._cond:
            while self.used + n > self.capacity:
                left = timeout - (self._clock() - start)
                if left <= 0:
                    raise Busy(n, self.capacity, timeout)
                self._cond.wait(min(left, 1.0))
            self.used += n
            self.peak = max(self.peak, self.used)
        try:
            yield n
        finally:
            with self._cond:
                self.used -= n
                self._cond.notify_all()


def _capacity_from_env(default_mb: int = 512) -> int:
    raw = os.environ.get("RNNX_INFLIGHT_MB", "")
    try:
        mb = int(raw) if raw else default_mb
    except ValueError:
        mb = default_mb
    return max(mb, 1) * 1024 * 1024


POOL = BytePool(_capacity_from_env())
