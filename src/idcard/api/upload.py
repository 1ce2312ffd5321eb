"""What a POST /v1/idcard request asks for: the image bytes, the side hint and the crops.

Two body shapes: `multipart/form-data` with the file in part `image`, or JSON
`{"image_base64": ...}`. `side` and `return` may come in the query or in the body; when
both are given they must agree (a silent winner would hide a caller's bug).
"""

from __future__ import annotations

import asyncio
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
from idcard.masks import DEFAULT_MASK, MASK_PARTS, parse_mask

_SIDES: tuple[str, ...] = get_args(SideHint)
_DATA_URL = re.compile(r"data:[A-Za-z0-9.+/-]*(;[A-Za-z0-9=._+-]+)*;base64,")
_WHITESPACE_BYTES = b" \t\r\n\f\v"
_URL_SAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_SLICE_CHARS = 1 << 20  # a multiple of 4
_INLINE_BASE64_CHARS = 256 * 1024


@dataclass(frozen=True)
class ImageRequest:
    data: bytes
    side: SideHint
    crops: frozenset[str]
    mask: frozenset[str] = DEFAULT_MASK
    mask_values: bool = False


@dataclass(frozen=True)
class _Body:
    data: bytes
    side: str | None
    crops: str | None
    mask: str | None = None
    mask_values: str | None = None


async def read_image_request(request: Request[Any, Any, Any], query_side: str | None,
                             query_return: str | None, query_mask: str | None = None,
                             query_mask_values: str | None = None) -> ImageRequest:
    media_type, _ = request.content_type
    if media_type == "multipart/form-data":
        body = await _from_multipart(request)
    elif media_type == "application/json" or media_type.endswith("+json"):
        body = await _from_json(await request.body())
    else:
        raise InputError(
            "unsupported_media_type",
            "send the image as multipart/form-data (part `image`) or as JSON "
            "{\"image_base64\": ...}",
        )
    side = _agreeing("side", _hint(query_side), _hint(body.side)) or "auto"
    crops = _agreeing("return", query_return, body.crops)
    mask = _agreeing("mask", query_mask, body.mask)
    mask_values = _agreeing("mask_values", query_mask_values, body.mask_values)
    return ImageRequest(data=body.data, side=parse_side(side), crops=parse_crops(crops),
                        mask=parse_mask_parameter(mask),
                        mask_values=parse_flag("mask_values", mask_values))


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
                 crops=_text_field(form.get("return"), "return"),
                 mask=_text_field(form.get("mask"), "mask"),
                 mask_values=_text_field(form.get("mask_values"), "mask_values"))


def _text_field(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InputError("invalid_parameter", f"`{name}` must be a text field, not a file")


async def _from_json(raw: bytes) -> _Body:
    try:
        payload = msgspec.json.decode(raw, type=ImageJsonRequest)
    except msgspec.ValidationError as exc:
        raise InputError("invalid_parameter", f"invalid JSON body: {_without_values(exc)}"
                         ) from None
    except msgspec.DecodeError:
        raise InputError("invalid_parameter", "the body is not valid JSON") from None
    if not payload.image_base64:
        raise InputError("image_missing", "`image_base64` is missing or empty")
    flag = None if payload.mask_values is None else str(payload.mask_values).lower()
    return _Body(data=await decode_base64_off_loop(payload.image_base64), side=payload.side,
                 crops=payload.return_, mask=payload.mask, mask_values=flag)


def _without_values(exc: msgspec.ValidationError) -> str:
    # msgspec quotes rejected enum values ("Invalid enum value 'x'"): keep the path only.
    message = str(exc)
    return re.sub(r"'[^']*'", "…", message)


async def decode_base64_off_loop(text: str) -> bytes:
    """`decode_base64`, in a helper thread when the text is large enough to stall the loop."""
    if len(text) < _INLINE_BASE64_CHARS:
        return decode_base64(text)
    return await asyncio.to_thread(decode_base64, text)


def decode_base64(text: str) -> bytes:
    """Standard or URL-safe base64, padding optional, line breaks and a data: URL allowed.

    Works in slices: each C call holds the GIL for a few milliseconds at most, so the
    event loop (probes, other requests) keeps running while a 10 MiB payload is decoded.
    """
    prefix = _DATA_URL.match(text, 0, 256)
    start = prefix.end() if prefix else 0
    compact = bytearray()
    for offset in range(start, len(text), _SLICE_CHARS):
        piece = text[offset:offset + _SLICE_CHARS]
        try:
            compact += piece.encode("ascii").translate(None, _WHITESPACE_BYTES)
        except UnicodeEncodeError:
            raise InputError("invalid_base64",
                             "`image_base64` contains characters outside base64") from None
    return _decode_compact(bytes(compact).rstrip(b"="))


def _decode_compact(raw: bytes) -> bytes:
    if not raw:
        raise InputError("image_missing", "`image_base64` holds no data")
    if len(raw) % 4 == 1:
        raise InputError("invalid_base64", "`image_base64` has an impossible length")
    if b"-" in raw or b"_" in raw:
        raw = raw.translate(_URL_SAFE_TO_STANDARD)
    raw += b"=" * (-len(raw) % 4)
    out = bytearray()
    try:
        for offset in range(0, len(raw), _SLICE_CHARS):  # a multiple of 4: whole quanta
            out += base64.b64decode(raw[offset:offset + _SLICE_CHARS], validate=True)
    except (binascii.Error, ValueError):
        raise InputError("invalid_base64", "`image_base64` is not valid base64") from None
    return bytes(out)


def _agreeing(name: str, from_query: str | None, from_body: str | None) -> str | None:
    if from_query is not None and from_body is not None and from_query != from_body:
        raise InputError("invalid_parameter",
                         f"`{name}` is given in the query and in the body with different values")
    return from_body if from_body is not None else from_query


def _hint(side: str | None) -> str | None:
    # `auto` is no hint at all, so it yields to a side named in the other place: generated
    # clients send the documented default (`auto`) in the query and in the body.
    return None if side is None or side.strip().lower() == "auto" else side


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
        raise InputError("invalid_parameter", "`return` may only list: card, portrait, masked")
    return names


def parse_mask_parameter(value: str | None) -> frozenset[str]:
    parts = parse_mask(value)
    if parts is None:
        raise InputError("invalid_parameter",
                         "`mask` may only list the presets default, strict and the parts "
                         + ", ".join(MASK_PARTS))
    return parts


def parse_flag(name: str, value: str | None) -> bool:
    if value is None:
        return False
    text = value.strip().lower()
    if text not in ("true", "false", "1", "0", ""):
        raise InputError("invalid_parameter", f"`{name}` must be true or false")
    return text in ("true", "1")
