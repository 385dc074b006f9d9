"""An event loop in a daemon thread, for servers that tests talk to over real HTTP.

A test may be sync (the bot in a subprocess) or async (the bot in pytest's own
loop); a server on its own thread and loop serves both alike and never competes
with the test's loop. The fake Bot API and the fault proxy both run this way.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fakeapi.waits import WaitTimeout

T = TypeVar("T")


class LoopThread:
    """Runs ``startup``, then the loop until ``stop``; restartable after a stop."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether ``start`` succeeded and ``stop`` has not been called since."""
        return self._thread is not None

    def start(self, startup: Callable[[], Awaitable[None]], timeout: float = 10.0) -> None:
        """Run ``startup`` on a fresh loop in a new thread; return once it finished.

        Returning only after ``startup`` (which binds the socket) means a caller
        can connect right away; a failure in it is raised here, in the caller.
        """
        if self._thread is not None:
            return
        ready = threading.Event()
        failure: list[BaseException] = []
        loop = self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(startup())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise WaitTimeout(f"{self.name} did not start within {timeout:g} s")
        if failure:
            self._thread = None
            raise failure[0]

    def stop(self, shutdown: Callable[[], Awaitable[None]], timeout: float = 10.0) -> None:
        """Run ``shutdown`` on the loop, then stop the loop and join the thread."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(_await(shutdown()), loop)
        try:
            future.result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            self._thread = None

    def run(self, coro: Awaitable[T], timeout: float = 10.0) -> T:
        """Run a coroutine on the loop from another thread and return its result."""
        assert self._loop is not None, f"{self.name} is not started"
        return asyncio.run_coroutine_threadsafe(_await(coro), self._loop).result(timeout)

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Schedule ``callback`` on the loop from any thread; a no-op once the loop is gone."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(callback)


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0 picks a free port), not yet listening.

    ``SO_REUSEADDR`` so a stopped server's port can be bound again at once,
    despite its old connections lingering in TIME_WAIT.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


async def _await(awaitable: Awaitable[T]) -> T:
    """``run_coroutine_threadsafe`` wants a coroutine; this makes one of any awaitable."""
    return await awaitable
