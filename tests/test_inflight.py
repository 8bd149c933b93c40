"""The in-flight byte pool: computations hold their estimated bytes, never more than the pool."""

import threading

import pytest

from ui.inflight import Busy, BytePool


def test_take_holds_the_bytes_and_gives_them_back():
    pool = BytePool(1000)
    with pool.take(400) as n:
        assert n == 400 and pool.used == 400
    assert pool.used == 0 and pool.peak == 400


def test_bytes_are_given_back_when_the_computation_raises():
    pool = BytePool(1000)
    with pytest.raises(MemoryError):
        with pool.take(700):
            raise MemoryError
    assert pool.used == 0


def test_a_request_past_the_pool_waits_for_a_release():
    pool = BytePool(1000)
    inside, release, second_in = threading.Event(), threading.Event(), threading.Event()

    def first():
        with pool.take(800):
            inside.set()
            release.wait(10)

    def second():
        with pool.take(300):
            second_in.set()

    a = threading.Thread(target=first)
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=second)
    b.start()
    assert not second_in.wait(0.3)  # 800 + 300 > 1000: it waits
    release.set()
    assert second_in.wait(10)  # and goes once the first is done
    a.join(10)
    b.join(10)
    assert pool.used == 0 and pool.peak == 800


def test_busy_after_the_timeout_names_the_wish_and_the_capacity():
    pool = BytePool(1000)
    with pool.take(900):
        with pytest.raises(Busy) as info:
            with pool.take(200, timeout=0.05):
                pass
    assert (info.value.wanted, info.value.capacity) == (200, 1000)
    assert pool.used == 0


def test_a_request_larger_than_the_pool_runs_alone():
    pool = BytePool(1000)
    with pool.take(5000) as n:
        assert n == 1000 and pool.used == 1000


def test_many_threads_never_hold_more_than_the_pool():
    pool = BytePool(1000)
    barrier = threading.Barrier(8)
    seen = []

    def work():
        barrier.wait(10)
        with pool.take(300):
            seen.append(pool.used)
            threading.Event().wait(0.02)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(20)
    assert len(seen) == 8
    assert max(seen) <= 1000 and pool.peak <= 1000
    assert pool.used == 0


def test_capacity_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        BytePool(0)
