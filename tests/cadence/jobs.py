"""Jobs for worker processes in tests (top-level, so they pickle), and a gate to hold them.

A `Gate` is a TCP rendezvous on the test's event loop: a job calls
`wait_at_gate(address)` and blocks until the test opens the gate, so a test
knows for certain that a job is running (it has arrived) and decides when it
goes on, without sleeping and hoping.
"""

from __future__ import annotations

import asyncio
import ctypes
import socket
import time
from types import TracebackType

from coaching.cadence import CadenceAnalysis, Reason, RunFileError, analyse_file

CRASH = b"<crash/>"
"""A file with exactly these bytes makes `analyse_or_crash` kill its worker."""


def add(a: int, b: int) -> int:
    return a + b


def segfault() -> None:
    """Read address 0: SIGSEGV, as a parser bug in C code would."""
    ctypes.string_at(0)


def allocate_forever() -> None:
    kept = []
    while True:
        kept.append(bytearray(16 * 1024 * 1024))


def spin_forever() -> None:
    while True:
        pass


def sleep_forever() -> None:
    time.sleep(3600)


def refuse(detail: str) -> None:
    raise RunFileError(Reason.NOT_RUNNING, detail)


def unpicklable_result() -> object:
    return lambda: None


def wait_at_gate(address: tuple[str, int]) -> None:
    """Check in at the test's gate and block until it opens."""
    with socket.create_connection(address, timeout=600) as connection:
        connection.recv(1)


def add_at_gate(address: tuple[str, int], a: int, b: int) -> int:
    wait_at_gate(address)
    return a + b


def analyse_at_gate(address: tuple[str, int], filename: str | None, data: bytes) -> CadenceAnalysis:
    """The real analysis, once the test lets it go on."""
    wait_at_gate(address)
    return analyse_file(filename, data)


def analyse_or_crash(
    address: tuple[str, int], filename: str | None, data: bytes
) -> CadenceAnalysis:
    """The real analysis, except for the file `CRASH`: wait at the gate, then segfault."""
    if data == CRASH:
        wait_at_gate(address)
        segfault()
    return analyse_file(filename, data)


class Gate:
    """`async with Gate() as gate:` give jobs `gate.address`, `await gate.arrivals(n)`, `open()`."""

    def __init__(self) -> None:
        self.arrived = 0
        self.is_open = False
        self._waiting: list[asyncio.StreamWriter] = []
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self.address: tuple[str, int] = ("127.0.0.1", 0)

    async def __aenter__(self) -> Gate:
        self._server = await asyncio.start_server(self._arrive, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        self.address = (host, port)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.open()  # never leave a worker waiting
        assert self._server is not None
        self._server.close()
        for writer in self._waiting:
            writer.close()

    async def _arrive(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_open:
            writer.write(b"!")
        self._waiting.append(writer)
        async with self._changed:
            self.arrived += 1
            self._changed.notify_all()

    async def arrivals(self, count: int, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Wait until `count` jobs have checked in (they are running, held at the gate)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.arrived >= count)

    def open(self) -> None:
        """Let every job through, those waiting and those still to come."""
        self.is_open = True
        for writer in self._waiting:
            if not writer.is_closing():
                writer.write(b"!")
