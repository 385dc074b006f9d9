"""Untrusted XML in, one pass, bounded: how GPX and TCX files are read.

Expat calls us for each start tag, run of text and end tag; nothing builds a
tree, nothing is copied, and every element is seen once, so time is linear in
the file and memory is the open elements (at most `MAX_DEPTH`) plus what the
reader keeps. A document type declaration is refused before anything in it is
read, so there are no entities to expand (billion laughs) and nothing external
to fetch. A file nested deeper than `MAX_DEPTH` or with more than
`MAX_ELEMENTS` elements and attributes is not a watch export: it is refused
as too complex as soon as the limit is crossed.

Real exports are not always well-formed in two harmless ways, and both are
read: whitespace or byte-order marks before `<?xml` (Strava's and Polar
Flow's exports; XML allows neither), and namespace prefixes that are never
declared (some converters write `gpxtpx:cad` without `xmlns:gpxtpx`). Names
are matched by their local part anyway, so the parser does no namespace
processing at all: a prefix is just part of the name, and `local` drops it.

A reader implements `start` and `end`; `end` gets the element's text as
ElementTree's `.text` has it (the characters before its first child):

    class Titles(XmlReader):
        def start(self, name: str, attrs: Mapping[str, str]) -> None: ...
        def end(self, name: str, text: str | None) -> None: ...

    read_xml(data, Titles())
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from xml.parsers import expat

from coaching.cadence.errors import Reason, RunFileError

MAX_DEPTH = 64
"""Watch exports nest 7 (GPX) to 10 (TCX) deep; 64 leaves room for any extension."""
MAX_ELEMENTS = 1_000_000
"""Elements plus attributes. A 10 MB export holds about 300,000; each costs a few µs."""
CHUNK_BYTES = 64 * 1024
"""Fed to expat at a time, so a refusal stops the reading within one chunk."""


class XmlReader(Protocol):
    """What a format's reader does with the stream of elements."""

    def start(self, name: str, attrs: Mapping[str, str]) -> None:
        """An element opens; `name` is its local name (no prefix), as written."""

    def end(self, name: str, text: str | None) -> None:
        """The element closes; `text` is its character data before its first child."""


LEADING_JUNK = (b" ", b"\t", b"\r", b"\n", b"\xef\xbb\xbf")
"""What exporters put before `<?xml`: whitespace and UTF-8 byte-order marks, in any order."""


def local(name: str) -> str:
    """`ns3:RunCadence` (or `RunCadence`) → `RunCadence`: the prefix, declared or not, goes."""
    return name.rsplit(":", 1)[-1]


def document_start(data: bytes) -> int:
    """Where the XML really starts: past the whitespace and byte-order marks before it.

    Linear in what is skipped; a UTF-16 file keeps its BOM, which expat reads.
    """
    start = 0
    while True:
        for junk in LEADING_JUNK:
            if data.startswith(junk, start):
                start += len(junk)
                break
        else:
            return start


def number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None


class _Stream:
    """The expat callbacks: depth and element budget, text before the first child."""

    def __init__(self, reader: XmlReader, max_depth: int, max_elements: int) -> None:
        self.reader = reader
        self.max_depth = max_depth
        self.budget = max_elements
        self.names: list[str] = []
        self.texts: list[list[str] | str | None] = []
        """Per open element: pieces still being collected, or the finished text."""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.budget -= 1 + len(attrs)
        if self.budget < 0:
            raise RunFileError(Reason.TOO_COMPLEX, "too many XML elements")
        if len(self.names) >= self.max_depth:
            raise RunFileError(Reason.TOO_COMPLEX, f"XML nested over {self.max_depth} levels")
        if self.texts:
            pieces = self.texts[-1]
            if isinstance(pieces, list):  # the parent's text ends where its first child starts
                self.texts[-1] = "".join(pieces) if pieces else None
        name = local(name)
        self.names.append(name)
        self.texts.append([])
        self.reader.start(name, attrs)

    def data(self, text: str) -> None:
        if self.texts:
            pieces = self.texts[-1]
            if isinstance(pieces, list):
                pieces.append(text)

    def end(self, _name: str) -> None:
        pieces = self.texts.pop()
        if isinstance(pieces, list):
            pieces = "".join(pieces) if pieces else None
        self.reader.end(self.names.pop(), pieces)


def _refuse_dtd(*_args: object) -> None:
    raise RunFileError(Reason.CORRUPT, "XML with a document type declaration")


def _refuse_external(*_args: object) -> int:
    raise RunFileError(Reason.CORRUPT, "XML with an external entity")


def read_xml(
    data: bytes,
    reader: XmlReader,
    *,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> None:
    """Feed the document to `reader`; RunFileError(CORRUPT or TOO_COMPLEX) when refused.

    An exception raised by the reader (or by the limits) in a callback stops
    expat and comes out of `Parse` unchanged.
    """
    start = document_start(data)
    if start == len(data):
        raise RunFileError(Reason.EMPTY)
    stream = _Stream(reader, max_depth, max_elements)
    parser = expat.ParserCreate()  # no namespace processing: undeclared prefixes are fine
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_external
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = stream.start
    parser.EndElementHandler = stream.end
    parser.CharacterDataHandler = stream.data
    try:
        for offset in range(start, len(data), CHUNK_BYTES):
            parser.Parse(data[offset : offset + CHUNK_BYTES], False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise RunFileError(Reason.CORRUPT, str(exc)) from exc
