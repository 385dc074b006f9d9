"""Read Bot API call parameters whichever way the client encoded them.

PTB sends plain calls form-urlencoded and uploads as multipart, with every
value already a string (nested objects JSON-encoded); other clients send a
JSON body with native values. ``Params`` hides that difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from fakeapi.records import ApiError


@dataclass(slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to one call's parameters; missing or malformed ones raise ``ApiError``."""

    __slots__ = ("values", "uploads")

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def has(self, name: str) -> bool:
        """Whether the parameter was sent at all."""
        return name in self.values or name in self.uploads

    def string(self, name: str, default: str | None = None) -> str | None:
        """A string parameter (JSON-native numbers are stringified)."""
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def required_string(self, name: str) -> str:
        """A string parameter that must be present and non-empty."""
        value = self.string(name)
        if not value:
            raise ApiError(400, f"Bad Request: {name} is empty")
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def required_integer(self, name: str) -> int:
        """An integer parameter that must be present."""
        value = self.integer(name)
        if value is None:
            raise ApiError(400, f"Bad Request: {name} is empty")
        return value

    def number(self, name: str, default: float) -> float:
        """A float parameter (e.g. getUpdates ``timeout``)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        """A boolean parameter; absent means False."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() == "true"
        return bool(value)

    def structured(self, name: str) -> Any:
        """A nested object (reply_markup, allowed_updates, scope…), decoded if sent as text."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
        return value


async def read_params(request: web.Request) -> Params:
    """Collect query string, JSON, form or multipart parameters of a request."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return Params(values)
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON body") from None
        if isinstance(body, dict):
            values.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(value.filename, value.content_type, value.file.read())
            elif isinstance(value, bytes | bytearray):
                values[key] = bytes(value).decode("utf-8")
            else:
                values[key] = value
    return Params(values, uploads)
