"""Masking sensitive print: on the straightened card image (`return=masked`) and in the
JSON values (`mask_values=true`).

Parts (the `mask` parameter: a preset or a comma-separated list of parts):

- `id_birth`: ID number characters 7–14 (the birth date);
- `id_tail`: ID number characters 7–18;
- `given_name`: the name after the family name (two characters for the compound family
  names listed in `rules/masking.toml`, else one);
- `address_detail`: the address after its county or district;
- `birth_date`: the printed birth date;
- `portrait_eyes`: the eyes of the portrait;
- `issuing_authority`: the back's issuing authority (only when asked for).

Presets: `default` = id_birth, given_name, address_detail, portrait_eyes;
`strict` = default + id_tail, birth_date, issuing_authority. The validity period is
never masked.

On the image, a part is covered where its field was read: the field's box, cut along the
reading direction at the masked characters (card print is fixed-pitch within a field).
Where the field was not read on a straightened card, its whole layout region
(`rules/layout.toml`, `field_regions`) is covered instead.
"""

from __future__ import annotations

import cv2
import msgspec
import numpy as np

from idcard.card import CardFields, CardReading, Field
from idcard.extract import RuleBook
from idcard.imaging.view import Image
from idcard.masks import DEFAULT_MASK
from idcard.text import Quad, sub_box

__all__ = ["DEFAULT_MASK", "mask_image", "mask_reading"]

MASK_CHAR = "*"
_FIELD_OF = {"id_birth": "id_number", "id_tail": "id_number", "given_name": "name",
             "address_detail": "address", "birth_date": "birth_date",
             "portrait_eyes": "portrait_eyes", "issuing_authority": "issuing_authority"}
_FILL = (128, 128, 128)
# Boxes grow by this share of their height: the detector's box hugs the ink.
_PAD = 0.15


def masked_span(part: str, value: str, rules: RuleBook) -> tuple[int, int] | None:
    """Which characters [start, end) of `value` the part masks (None: the whole field)."""
    if part == "id_birth":
        first, last = rules.masking.id_birth_digits
        return (first - 1, min(last, len(value))) if len(value) >= last else None
    if part == "id_tail":
        return (rules.masking.id_birth_digits[0] - 1, len(value)) if len(value) > 6 else None
    if part == "given_name":
        family = 2 if any(value.startswith(s) for s in rules.masking.compound_surnames) else 1
        return (min(family, len(value)), len(value))
    if part == "address_detail":
        return (_address_kept(value, rules), len(value))
    return (0, len(value))


def _address_kept(value: str, rules: RuleBook) -> int:
    head = value[:rules.masking.address_keep_max]
    ends = [head.rfind(word) + len(word) for word in rules.masking.address_keep_until
            if word in head]
    return max(ends) if ends else 0


def mask_text(text: str, span: tuple[int, int]) -> str:
    start, end = span
    return text[:start] + MASK_CHAR * max(0, end - start) + text[end:]


def mask_reading(reading: CardReading, parts: frozenset[str], rules: RuleBook) -> CardReading:
    """The reading with the parts' characters replaced by `*` in `value` and `raw`."""
    updates: dict[str, Field | None] = {}
    for part in sorted(parts):
        name = _FIELD_OF[part]
        field: Field | None = updates.get(name) or getattr(reading.fields, name, None)
        if field is None:
            continue
        span = masked_span(part, field.value, rules) or (0, len(field.value))
        value = mask_text(field.value, span)
        updates[name] = msgspec.structs.replace(field, value=value, raw=value)
    fields: CardFields = msgspec.structs.replace(reading.fields, **updates)
    return msgspec.structs.replace(reading, fields=fields)


def mask_image(image: Image, reading: CardReading, parts: frozenset[str], rules: RuleBook,
               straightened: bool) -> Image:
    """A copy of the card view with the parts covered. `reading`'s boxes are in the
    view's pixels; layout regions are used only on a straightened card."""
    out = image.copy()
    height, width = out.shape[:2]
    for part in sorted(parts):
        name = _FIELD_OF[part]
        field: Field | None = getattr(reading.fields, name, None)
        if field is not None:
            span = masked_span(part, field.value, rules)
            for quad in _span_boxes(part, field, span):
                _cover(out, quad)
        elif straightened and name in rules.layout.field_regions and _on_side(name, reading):
            x0, y0, x1, y1 = rules.layout.field_regions[name]
            cv2.rectangle(out, (int(x0 * width), int(y0 * height)),
                          (int(x1 * width), int(y1 * height)), _FILL, -1)
    return out


def _on_side(name: str, reading: CardReading) -> bool:
    back = name == "issuing_authority"
    return reading.side == "both" or (reading.side == "back") == back


def _span_boxes(part: str, field: Field, span: tuple[int, int] | None) -> list[Quad]:
    count = len(field.value)
    if span is None or count == 0:
        return [field.box]
    start, end = span
    if part != "address_detail":
        return [sub_box(field.box, start / count, end / count)]
    return _address_boxes(field, start)


def _address_boxes(field: Field, kept: int) -> list[Quad]:
    """The address box minus its first `kept` characters: the rest of the first line and
    every later line (lines are equally tall; characters per line from the box's shape)."""
    (x0, y0), (x1, _), (_, y2), _ = field.box
    box_width, box_height = max(1.0, x1 - x0), max(1.0, y2 - y0)
    count = len(field.value)
    lines = _line_count(count, box_width, box_height)
    line_height = box_height / lines
    per_line = max(1, -(-count // lines))
    cut = x0 + box_width * min(1.0, kept / per_line)
    first: Quad = ((cut, y0), (x1, y0), (x1, y0 + line_height), (cut, y0 + line_height))
    rest: Quad = ((x0, y0 + line_height), (x1, y0 + line_height), (x1, y2), (x0, y2))
    return [first, rest] if lines > 1 else [first]


def _line_count(chars: int, width: float, height: float) -> int:
    """How many lines of text fill a width × height box holding `chars` characters: n
    lines at a pitch of height / n hold width / (0.7 × pitch) characters each (a
    character is about 0.7 of the line pitch wide)."""
    best, best_error = 1, float("inf")
    for lines in range(1, 5):
        capacity = lines * width / (height / lines * 0.7)
        error = abs(capacity - chars) / chars if capacity >= chars * 0.8 else float("inf")
        if error < best_error:
            best, best_error = lines, error
    return best


def _cover(image: Image, quad: Quad) -> None:
    points = np.array(quad, dtype=np.float64)
    height = float(np.hypot(*(points[3] - points[0])))
    centre = points.mean(axis=0)
    grown = points + np.sign(points - centre) * height * _PAD
    cv2.fillPoly(image, [np.round(grown).astype(np.int32)], _FILL)
