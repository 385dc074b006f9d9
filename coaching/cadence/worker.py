"""Run a function on untrusted input in another process, under CPU, memory and time limits.

A parser bug that an upload can trigger (a segfault, memory without bound, a
loop that never ends) must cost one worker process, never the bot: the job
runs in a worker with a CPU-time limit (`RLIMIT_CPU`), an address-space limit
(`RLIMIT_AS`), no core dumps and a lower priority than the bot, and the
caller stops waiting at a wall-clock deadline and kills the worker. A worker
that died or was killed is replaced by a new one on the next job.

    pool = WorkerPool(size=2, limits=Limits(cpu_seconds=20), preload=("coaching.cadence",))
    try:
        result = await pool.run_for(athlete_id, analyse_file, name, data)
    except WorkerFailure:  # TooComplex, Crashed or TimedOut
        ...

The function and its arguments are pickled (a top-level function, or a
`functools.partial` of one); what it returns or raises comes back pickled. At
most `size` jobs run at once and the rest wait their turn; `run_for` runs the
jobs of one key (one athlete) one after another.

Workers are started with "spawn" (a fork of a process that runs threads is
unsafe), kept and reused, and recycled after `max_jobs_per_worker` jobs so
that none grows old. As with any "spawn", a worker imports the program's main
module: keep it behind `if __name__ == "__main__":` (our console scripts are).
The CPU budget is per job (the soft limit is moved before each one); the
memory budget is on top of what the worker uses at rest, after `preload`.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import math
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

MiB = 1024 * 1024
EXIT_OUT_OF_MEMORY = 75
"""A worker's exit status when a MemoryError escaped everything else."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one job may use. Every limit ends the job with a WorkerFailure, never the caller."""

    cpu_seconds: int = 20
    """CPU time of one job; over it, the kernel stops the worker (SIGXCPU): TooComplex."""
    memory_bytes: int = 512 * MiB
    """Address space one job may add to the worker at rest; over it, MemoryError: TooComplex."""
    wall_seconds: float = 60.0
    """From sending the job to its answer; past it, the worker is killed: TimedOut."""
    start_seconds: float = 60.0
    """For a new worker to start and import `preload` (not counted in `wall_seconds`)."""
    niceness: int = 10
    """Added to the worker's nice value, so the bot's own event loop keeps the CPU first."""


class WorkerFailure(Exception):
    """The job gave no answer: the worker hit a limit, crashed or took too long."""


class TooComplex(WorkerFailure):
    """The job needed more CPU time or memory than its limits allow."""


class Crashed(WorkerFailure):
    """The worker process died (a signal such as SIGSEGV, or an exit) before answering."""


class TimedOut(WorkerFailure):
    """No answer within the wall-clock limit (the job blocked, or had no CPU to run on)."""


class RemoteError(Exception):
    """The job raised an exception that could not be sent back; this carries its text."""


# ------------------------------------------------------------------ the worker process

_READY, _RESULT, _RAISED, _OUT_OF_MEMORY = "ready", "result", "raised", "out of memory"


def _address_space_bytes() -> int:
    """The process' current virtual memory size (VmSize), 0 where /proc is not available."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_seconds_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _capped(value: int, hard: int) -> int:
    return value if hard == resource.RLIM_INFINITY else min(value, hard)


def _settle(preload: Sequence[str], memory_bytes: int, niceness: int) -> None:
    """Everything the worker does once: signals, priority, imports, the memory limit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the bot; it ends the workers
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core dump behind
    if niceness:
        os.nice(niceness)
    for module in preload:
        importlib.import_module(module)
    at_rest = _address_space_bytes()
    if at_rest:  # Linux; elsewhere the CPU and wall-clock limits still hold
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (_capped(at_rest + memory_bytes, hard), hard))


def _serve(conn: Connection, preload: Sequence[str], memory_bytes: int, niceness: int) -> None:
    """The worker's life: settle, then one job at a time until the pipe closes."""
    try:
        _settle(preload, memory_bytes, niceness)
        conn.send((_READY, None))
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return  # the pool closed, or the bot is gone
            except Exception as exc:  # the function could not be unpickled (imported)
                conn.send((_RAISED, exc))
                continue
            reply = _run_job(job)
            try:
                conn.send(reply)
            except (OSError, EOFError):
                return  # the bot stopped waiting (it killed us, or it is gone)
            except Exception as exc:  # the result or exception does not pickle
                conn.send((_RAISED, RemoteError(f"unpicklable {_RESULT}: {exc!r}")))
            if reply[0] == _OUT_OF_MEMORY:
                return  # not worth keeping: memory may stay fragmented
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)


Job = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any], int]
"""(function, args, kwargs, CPU seconds), as sent to a worker."""


def _run_job(job: Job) -> tuple[str, Any]:
    fn, args, kwargs, cpu_seconds = job
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    # RLIMIT_CPU counts the worker's whole life: the job's budget starts at what is used now.
    soft = _capped(math.ceil(_cpu_seconds_used()) + cpu_seconds, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    try:
        return (_RESULT, fn(*args, **kwargs))
    except MemoryError:
        return (_OUT_OF_MEMORY, None)
    except Exception as exc:
        return (_RAISED, exc)


# ------------------------------------------------------------------ the pool, in the bot


class _Worker:
    """One worker process and our end of its pipe."""

    def __init__(self, context: Any, preload: Sequence[str], limits: Limits) -> None:
        ours, theirs = context.Pipe(duplex=True)
        self.process: BaseProcess = context.Process(
            target=_serve,
            args=(theirs, tuple(preload), limits.memory_bytes, limits.niceness),
            name="hipcoach-worker",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.conn: Connection = ours
        self.jobs = 0
        self.killed = False
        try:
            self._receive(limits.start_seconds, "to start")
        except BaseException:
            self.stop()
            raise

    def run(self, job: Job, limits: Limits) -> Any:
        """Send the job and wait for its answer; raise what the job raised or a WorkerFailure."""
        self.jobs += 1
        try:
            self.conn.send(job)
        except (BrokenPipeError, ConnectionError, EOFError) as exc:
            raise self._death() from exc
        kind, value = self._receive(limits.wall_seconds, "to answer")
        if kind == _RESULT:
            return value
        if kind == _OUT_OF_MEMORY:
            self.stop()
            raise TooComplex(f"over the memory limit of {limits.memory_bytes // MiB} MiB")
        if isinstance(value, BaseException):
            raise value
        raise RemoteError(repr(value))  # pragma: no cover - the worker sends exceptions only

    def _receive(self, seconds: float, what: str) -> tuple[str, Any]:
        try:
            answered = self.conn.poll(seconds)  # also true when the worker died: EOF
        except (ConnectionError, OSError) as exc:
            raise self._death() from exc
        if not answered:
            self.stop()
            raise TimedOut(f"the worker took over {seconds:g} s {what}")
        try:
            message: tuple[str, Any] = self.conn.recv()
        except (EOFError, ConnectionError, OSError) as exc:
            raise self._death() from exc
        except Exception as exc:  # the answer does not unpickle here
            self.stop()
            raise RemoteError(f"unreadable answer from the worker: {exc!r}") from exc
        return message

    def _death(self) -> WorkerFailure:
        """What the worker's end says about why it died."""
        self.process.join(5)
        self.stop()
        code = self.process.exitcode
        if code == -signal.SIGXCPU:
            return TooComplex("over the CPU time limit")
        if code == EXIT_OUT_OF_MEMORY or code == -signal.SIGKILL:
            return TooComplex(f"out of memory (exit status {code})")
        if code is not None and code < 0:
            return Crashed(f"the worker died of {signal.Signals(-code).name}")
        return Crashed(f"the worker exited with status {code}")

    @property
    def alive(self) -> bool:
        return not self.killed and self.process.is_alive()

    def stop(self) -> None:
        """Kill the process (if still running) and close the pipe; idempotent."""
        if not self.killed:
            self.killed = True
            if self.process.is_alive():
                self.process.kill()
            self.process.join(5)
            self.conn.close()


class WorkerPool:
    """Up to `size` worker processes running jobs under `limits`; see the module docstring."""

    def __init__(
        self,
        size: int = 2,
        limits: Limits | None = None,
        *,
        preload: Sequence[str] = (),
        max_jobs_per_worker: int = 100,
    ) -> None:
        self.size = size
        self.limits = limits or Limits()
        self.preload = tuple(preload)
        self.max_jobs_per_worker = max_jobs_per_worker
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(size)
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="worker-pool")
        self._keys: dict[Hashable, tuple[asyncio.Lock, int]] = {}
        self._closed = False
        self.started = 0
        """Worker processes started so far (a replaced worker counts again)."""

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`fn(*args, **kwargs)` in a worker, awaited without blocking the event loop.

        Returns what `fn` returned; raises what it raised, or TooComplex, Crashed
        or TimedOut. Jobs beyond `size` wait in line for a free worker.
        """
        loop = asyncio.get_running_loop()
        call = functools.partial(self.call, fn, *args, **kwargs)
        return await loop.run_in_executor(self._executor, call)

    async def run_for(
        self, key: Hashable, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run`, one job per `key` at a time: a second job for the key waits for the first."""
        lock, users = self._keys.get(key) or (asyncio.Lock(), 0)
        self._keys[key] = (lock, users + 1)
        try:
            async with lock:
                return await self.run(fn, *args, **kwargs)
        finally:
            lock, users = self._keys[key]
            if users == 1:
                del self._keys[key]  # forget idle keys so the table does not grow
            else:
                self._keys[key] = (lock, users - 1)

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`run`, blocking the calling thread; safe to call from several threads."""
        job = (fn, args, kwargs, self.limits.cpu_seconds)
        with self._slots:
            worker = self._take()
            try:
                result: T = worker.run(job, self.limits)
            finally:
                self._give_back(worker)
        return result

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker
                worker.stop()
            self.started += 1
        return _Worker(self._context, self.preload, self.limits)

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            keep = not self._closed and worker.alive
            if keep and worker.jobs < self.max_jobs_per_worker:
                self._idle.append(worker)
                return
        worker.stop()

    def close(self) -> None:
        """Stop the idle workers; a job still running ends with its worker. Idempotent."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
