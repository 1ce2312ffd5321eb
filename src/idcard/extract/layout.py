"""Where the card is among the lines, and which text sits on which row.

All geometry is relative: the card's scale and offset come from the labels found on it
(or, lacking labels, from the text's line height), never from pixel constants, because
the lines may come from a straightened card or from a raw photo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import fmean, median

from idcard.extract.labels import LabelHit
from idcard.extract.pieces import Piece
from idcard.extract.rules import LayoutRules

# Labels whose canonical rows lie at least this far apart (card heights) give the scale.
_MIN_SPREAD_FOR_SCALE = 0.2
# An image this close to the card's aspect ratio is taken to be the card itself.
_CARD_ASPECT_SLACK = 0.2


@dataclass(frozen=True)
class Frame:
    """The card's rectangle in image pixels: maps pixels to fractions of the card."""

    x0: float
    y0: float
    width: float
    height: float
    # False when guessed from the text's extent alone: then x positions are only rough.
    anchored: bool = True
    # True when label rows far apart gave the scale; else it is the line height's or the
    # image's guess.
    scaled: bool = False

    def fx(self, x: float) -> float:
        return (x - self.x0) / self.width

    def fy(self, y: float) -> float:
        return (y - self.y0) / self.height

    def y_at(self, fraction: float) -> float:
        return self.y0 + fraction * self.height

    def contains(self, piece: Piece, margin: float = 0.05) -> bool:
        fx = self.fx((piece.left + piece.right) / 2.0)
        fy = self.fy(piece.centre_y)
        return -margin <= fx <= 1.0 + margin and -margin <= fy <= 1.0 + margin


@dataclass(frozen=True)
class Segment:
    """A piece of value text, and the label it directly followed inside its OCR line."""

    piece: Piece
    after_label: str | None = None


def typical_height(pieces: Sequence[Piece]) -> float:
    return median(p.height for p in pieces) if pieces else 1.0


def estimate_frame(hits: Mapping[str, LabelHit], canonical: Mapping[str, tuple[float, float]],
                   pieces: Sequence[Piece], image_size: tuple[int, int],
                   layout: LayoutRules) -> Frame:
    line = typical_height(pieces)
    anchors = [(canonical[name], hit.span) for name, hit in hits.items() if name in canonical]
    if anchors:
        return _frame_from_anchors(anchors, line, layout)
    width, height = image_size
    if height > 0 and abs(width / height - layout.aspect_ratio) <= _CARD_ASPECT_SLACK * \
            layout.aspect_ratio:
        return Frame(0.0, 0.0, float(width), float(height))
    card_h = line / layout.line_height
    left = min((p.left for p in pieces), default=0.0)
    top = min((p.top for p in pieces), default=0.0)
    return Frame(left - 0.07 * card_h * layout.aspect_ratio, top - 0.08 * card_h,
                 card_h * layout.aspect_ratio, card_h, anchored=False)


def _frame_from_anchors(anchors: list[tuple[tuple[float, float], Piece]], line: float,
                        layout: LayoutRules) -> Frame:
    by_height = line / layout.line_height
    fys = [fy for (_, fy), _ in anchors]
    card_h, scaled = by_height, False
    if max(fys) - min(fys) >= _MIN_SPREAD_FOR_SCALE:
        fitted = _fit_scale([(fy, span.centre_y) for (_, fy), span in anchors])
        # A wildly different scale means a label was matched on the wrong row.
        if fitted is not None and 0.5 * by_height <= fitted <= 2.0 * by_height:
            card_h, scaled = fitted, True
    card_w = card_h * layout.aspect_ratio
    y0 = median(span.centre_y - fy * card_h for (_, fy), span in anchors)
    x0 = median(span.left - fx * card_w for (fx, _), span in anchors)
    return Frame(x0, y0, card_w, card_h, scaled=scaled)


def rescaled_by_rows(frame: Frame, rows: Sequence[tuple[float, float]],
                     anchors: Sequence[tuple[float, Piece]], aspect_ratio: float) -> Frame:
    """The frame scaled by text found on known rows (canonical fraction, centre y) far
    apart, where it had no scale of its own; x placed again by `anchors` (canonical x,
    label span) when there are any. Unchanged when the rows give no sane scale."""
    fys = [f for f, _ in rows]
    if frame.scaled or len(rows) < 2 or max(fys) - min(fys) < _MIN_SPREAD_FOR_SCALE:
        return frame
    card_h = _fit_scale(list(rows))
    if card_h is None or not 0.5 * frame.height <= card_h <= 2.0 * frame.height:
        return frame
    card_w = card_h * aspect_ratio
    y0 = median(y - f * card_h for f, y in rows)
    x0 = median(span.left - fx * card_w for fx, span in anchors) if anchors else frame.x0
    return Frame(x0, y0, card_w, card_h, anchored=frame.anchored, scaled=True)


def _fit_scale(points: list[tuple[float, float]]) -> float | None:
    mean_f = fmean(f for f, _ in points)
    mean_y = fmean(y for _, y in points)
    spread = sum((f - mean_f) ** 2 for f, _ in points)
    if spread <= 0:
        return None
    scale = sum((f - mean_f) * (y - mean_y) for f, y in points) / spread
    return scale if scale > 0 else None


def cut_out_labels(pieces: Iterable[Piece], hits: Sequence[LabelHit]) -> list[Segment]:
    """The text left when every label hit is cut out of its piece."""
    segments: list[Segment] = []
    for piece in pieces:
        own = sorted((h for h in hits if h.piece is piece), key=lambda h: h.start)
        position, label = 0, None
        for hit in own:
            rest = piece.cut(position, hit.start)
            if rest is not None:
                segments.append(Segment(rest, label))
            position, label = hit.end, hit.label
        rest = piece.cut(position, len(piece.glyphs))
        if rest is not None:
            segments.append(Segment(rest, label))
    return [part for segment in segments for part in split_at_gaps(segment)]


# Characters further apart than this many typical character pitches are separate texts
# that OCR read as one line (a label and its value, a value and a stray mark).
_GAP_PITCHES = 2.4
# A segment lying this much inside another one on the same row is a duplicate reading.
_DUPLICATE_OVERLAP = 0.5


def split_at_gaps(segment: Segment) -> list[Segment]:
    """A segment cut where its characters' positions leave a wide gap."""
    glyphs = segment.piece.glyphs
    if len(glyphs) < 3:
        return [segment]
    centres = [(g.start + g.end) / 2.0 for g in glyphs]
    steps = [b - a for a, b in pairwise(centres)]
    pitch = median(steps)
    if pitch <= 0:
        return [segment]
    cuts = [i + 1 for i, step in enumerate(steps) if step > _GAP_PITCHES * pitch]
    if not cuts:
        return [segment]
    parts: list[Segment] = []
    for start, end in pairwise([0, *cuts, len(glyphs)]):
        piece = segment.piece.cut(start, end)
        if piece is not None:
            parts.append(Segment(piece, segment.after_label if start == 0 else None))
    return parts


def drop_duplicates(row: Sequence[Segment]) -> list[Segment]:
    """Without segments mostly inside a larger one: the detector's overlapping re-reads."""
    kept: list[Segment] = []
    for segment in sorted(row, key=lambda s: s.piece.right - s.piece.left, reverse=True):
        if not any(_inside(segment.piece, other.piece) for other in kept):
            kept.append(segment)
    return sorted(kept, key=lambda s: s.piece.left)


def _inside(small: Piece, large: Piece) -> bool:
    overlap = min(small.right, large.right) - max(small.left, large.left)
    vertical = min(small.bottom, large.bottom) - max(small.top, large.top)
    width = max(1.0, small.right - small.left)
    return overlap / width >= _DUPLICATE_OVERLAP and vertical > 0


def on_row(segments: Iterable[Segment], centre_y: float, height: float) -> list[Segment]:
    """Segments whose vertical centre lies within half a line of `centre_y`, left to right."""
    tolerance = 0.55 * height
    found = [s for s in segments if abs(s.piece.centre_y - centre_y) <= tolerance]
    return drop_duplicates(found)


def rows_of(segments: Sequence[Segment], height: float) -> list[list[Segment]]:
    """Segments grouped into rows (top to bottom), each row left to right."""
    rows: list[list[Segment]] = []
    for segment in sorted(segments, key=lambda s: s.piece.centre_y):
        if rows and abs(segment.piece.centre_y - fmean(s.piece.centre_y for s in rows[-1])) \
                <= 0.5 * height:
            rows[-1].append(segment)
        else:
            rows.append([segment])
    return [drop_duplicates(row) for row in rows]


def row_centre(row: Sequence[Segment]) -> float:
    return fmean(s.piece.centre_y for s in row)
