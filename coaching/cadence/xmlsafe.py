"""Untrusted XML in: refuse DTDs and entities (billion laughs, external entities) first."""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from coaching.cadence.errors import Reason, RunFileError


def parse_xml(data: bytes) -> Element:
    """The document's root; RunFileError(CORRUPT) for malformed or DTD-carrying XML."""
    if not data.strip():
        raise RunFileError(Reason.EMPTY)
    try:
        root: Element = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise RunFileError(Reason.CORRUPT, str(exc)) from exc
    return root


def local_name(element: Element) -> str:
    """The tag without its namespace, lower-cased: `{ns}RunCadence` → `runcadence`."""
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.strip())
    except ValueError:
        return None
