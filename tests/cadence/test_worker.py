"""Worker processes under limits: whatever a job does, the caller gets an answer and goes on.

Each failure is followed by an ordinary job on the same pool: the pool must
have replaced the worker it lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from coaching.cadence import Reason, RunFileError
from coaching.cadence.worker import (
    Crashed,
    Limits,
    MiB,
    RemoteError,
    TimedOut,
    TooComplex,
    WorkerPool,
)
from tests.cadence import jobs
from tests.cadence.jobs import Gate

LIMITS = Limits(cpu_seconds=2, memory_bytes=256 * MiB, wall_seconds=120.0)
"""Small CPU and memory budgets, and a wall clock far beyond them: they must act first."""


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(size=2, limits=LIMITS) as workers:
        yield workers


async def test_a_job_returns_its_result(pool: WorkerPool) -> None:
    assert await pool.run(jobs.add, 2, 3) == 5


async def test_a_segfault_costs_only_the_worker(pool: WorkerPool) -> None:
    started = pool.started
    with pytest.raises(Crashed, match="SIGSEGV"):
        await pool.run(jobs.segfault)
    assert await pool.run(jobs.add, 1, 1) == 2
    assert pool.started == started + 1  # the dead worker was replaced


async def test_memory_without_bound_is_too_complex(pool: WorkerPool) -> None:
    with pytest.raises(TooComplex, match="memory"):
        await pool.run(jobs.allocate_forever)
    assert await pool.run(jobs.add, 1, 2) == 3


async def test_an_endless_loop_is_stopped_by_its_cpu_limit(pool: WorkerPool) -> None:
    with pytest.raises(TooComplex, match="CPU"):
        await pool.run(jobs.spin_forever)
    assert await pool.run(jobs.add, 1, 3) == 4


async def test_a_blocked_job_times_out() -> None:
    # Asleep, it uses no CPU: only the wall clock can end it.
    with WorkerPool(size=1, limits=Limits(wall_seconds=1.0)) as pool:
        with pytest.raises(TimedOut):
            await pool.run(jobs.sleep_forever)
        assert await pool.run(jobs.add, 2, 2) == 4
        assert pool.started == 2


async def test_what_the_job_raises_comes_back_as_raised(pool: WorkerPool) -> None:
    with pytest.raises(RunFileError) as caught:
        await pool.run(jobs.refuse, "a ride")
    assert caught.value.reason is Reason.NOT_RUNNING and caught.value.detail == "a ride"
    with pytest.raises(RemoteError, match="unpicklable"):
        await pool.run(jobs.unpicklable_result)
    assert await pool.run(jobs.add, 3, 3) == 6


async def test_at_most_size_jobs_run_at_once_and_the_rest_wait() -> None:
    with WorkerPool(size=2, limits=LIMITS) as pool:
        async with Gate() as gate:
            held = [
                asyncio.create_task(pool.run(jobs.add_at_gate, gate.address, i, i))
                for i in range(3)
            ]
            await gate.arrivals(2)  # two jobs run, held at the gate; the event loop is free
            assert gate.arrived == 2 and pool.started == 2  # the third waits for a worker
            assert not any(task.done() for task in held)
            gate.open()
            assert list(await asyncio.gather(*held)) == [0, 2, 4]
            assert gate.arrived == 3 and pool.started == 2  # the third reused a worker


async def test_jobs_for_one_key_run_one_after_another(pool: WorkerPool) -> None:
    async with Gate() as gate:
        first = asyncio.create_task(pool.run_for("ann", jobs.add_at_gate, gate.address, 1, 0))
        second = asyncio.create_task(pool.run_for("ann", jobs.add_at_gate, gate.address, 2, 0))
        other = asyncio.create_task(pool.run_for("bob", jobs.add_at_gate, gate.address, 3, 0))
        await gate.arrivals(2)  # Ann's first and Bob's: two keys, two workers
        assert gate.arrived == 2 and not second.done()  # Ann's second waits for her first
        gate.open()
        assert list(await asyncio.gather(first, second, other)) == [1, 2, 3]
        assert gate.arrived == 3


def test_a_closed_pool_refuses_jobs() -> None:
    pool = WorkerPool(size=1)
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.call(jobs.add, 1, 1)
