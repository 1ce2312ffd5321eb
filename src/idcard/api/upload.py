"""What a POST /v1/idcard request asks for: the image bytes, the side hint and the crops.

Two body shapes: `multipart/form-data` with the file in part `image`, or JSON
`{"image_base64": ...}`. `side` and `return` may come in the query or in the body; when
both are given they must agree (a silent winner would hide a caller's bug).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any, cast, get_args

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile

from idcard.api.schemas import CROP_NAMES, ImageJsonRequest
from idcard.card import SideHint
from idcard.errors import InputError

_SIDES: tuple[str, ...] = get_args(SideHint)
_DATA_URL = re.compile(r"data:[A-Za-z0-9.+/-]*(;[A-Za-z0-9=._+-]+)*;base64,")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=\-_]")
_WHITESPACE = re.compile(rb"\s+")


@dataclass(frozen=True)
class ImageRequest:
    data: bytes
    side: SideHint
    crops: frozenset[str]


@dataclass(frozen=True)
class _Body:
    data: bytes
    side: str | None
    crops: str | None


async def read_image_request(request: Request[Any, Any, Any], query_side: str | None,
                             query_return: str | None) -> ImageRequest:
    media_type, _ = request.content_type
    if media_type == "multipart/form-data":
        body = await _from_multipart(request)
    elif media_type == "application/json" or media_type.endswith("+json"):
        body = _from_json(await request.body())
    else:
        raise InputError(
            "unsupported_media_type",
            "send the image as multipart/form-data (part `image`) or as JSON "
            "{\"image_base64\": ...}",
        )
    side = _agreeing("side", query_side, body.side) or "auto"
    crops = _agreeing("return", query_return, body.crops)
    return ImageRequest(data=body.data, side=parse_side(side), crops=parse_crops(crops))


async def _from_multipart(request: Request[Any, Any, Any]) -> _Body:
    form = await request.form()
    part = form.get("image")
    if not isinstance(part, UploadFile):
        raise InputError("image_missing", "no file in multipart part `image`")
    data = await part.read()
    await part.close()
    if not data:
        raise InputError("image_missing", "the file in part `image` is empty")
    return _Body(data=data, side=_text_field(form.get("side"), "side"),
                 crops=_text_field(form.get("return"), "return"))


def _text_field(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError("invalid_parameter", f"`{name}` must be a text field, not a file")


def _from_json(raw: bytes) -> _Body:
    try:
        payload = msgspec.json.decode(raw, type=ImageJsonRequest)
    except msgspec.ValidationError as exc:
        raise InputError("invalid_parameter", f"invalid JSON body: {_without_values(exc)}"
                         ) from None
    except msgspec.DecodeError:
        raise InputError("invalid_parameter", "the body is not valid JSON") from None
    if not payload.image_base64:
        raise InputError("image_missing", "`image_base64` is missing or empty")
    return _Body(data=decode_base64(payload.image_base64), side=payload.side,
                 crops=payload.return_)


def _without_values(exc: msgspec.ValidationError) -> str:
    # msgspec quotes rejected enum values ("Invalid enum value 'x'"): keep the path only.
    message = str(exc)
    return re.sub(r"'[^']*'", "…", message)


def decode_base64(text: str) -> bytes:
    """Standard or URL-safe base64, padding optional, line breaks and a data: URL allowed."""
    prefix = _DATA_URL.match(text)
    if prefix:
        text = text[prefix.end():]
    raw = _WHITESPACE.sub(b"", text.encode("ascii", errors="replace"))
    if not raw:
        raise InputError("image_missing", "`image_base64` holds no data")
    if _NOT_BASE64.search(raw):
        raise InputError("invalid_base64", "`image_base64` contains characters outside base64")
    raw = raw.rstrip(b"=")
    if len(raw) % 4 == 1:
        raise InputError("invalid_base64", "`image_base64` has an impossible length")
    raw += b"=" * (-len(raw) % 4)
    try:
        if b"-" in raw or b"_" in raw:
            return base64.urlsafe_b64decode(raw)
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("invalid_base64", "`image_base64` is not valid base64") from None


def _agreeing(name: str, from_query: str | None, from_body: str | None) -> str | None:
    if from_query is not None and from_body is not None and from_query != from_body:
        raise InputError("invalid_parameter",
                         f"`{name}` is given in the query and in the body with different values")
    return from_body if from_body is not None else from_query


def parse_side(value: str) -> SideHint:
    side = value.strip().lower()
    if side not in _SIDES:
        raise InputError("invalid_parameter", "`side` must be one of auto, front, back")
    return cast(SideHint, side)


def parse_crops(value: str | None) -> frozenset[str]:
    if value is None:
        return frozenset()
    names = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    if not names <= CROP_NAMES:
        raise InputError("invalid_parameter", "`return` may only list: card, portrait")
    return names
