"""Characters the recogniser never emitted, seen from where the others sit.

A CTC recogniser's confidence only speaks for the characters it emitted: one it skipped
leaves a line that reads at full confidence. The print does not skip: on a card's value
line each character advances the same pitch (a Chinese character a full width, a digit
or Latin letter half of it). So a gap between two neighbouring characters much wider
than the line's pitch, or a line box running on well past its first or last character,
is room where a glyph was printed and not read.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from idcard.extract.pieces import Char, line_height
from idcard.extract.rules import SpacingRules
from idcard.text import TextLine, point_along


@dataclass(frozen=True)
class Room:
    """The widest unexplained room on a value's lines, in character advances: between two
    neighbouring characters (`gap`, 1 when evenly spaced) and between a line's box end
    and its outer character's centre (`margin`, about 0.5 plus the detector's padding)."""

    gap: float = 0.0
    margin: float = 0.0


def advance(char: str, half_width: float) -> float:
    """A character's advance in full widths: wide (CJK, full-width forms) 1, others less."""
    return 1.0 if unicodedata.east_asian_width(char) in "WF" else half_width


def room_of(chars: Sequence[Char], rules: SpacingRules) -> Room:
    """The widest gap and margin over each run of the value's characters on one line."""
    gaps: list[float] = [0.0]
    margins: list[float] = [0.0]
    for line, indices in _runs(chars):
        run = _run_room(line, indices, rules)
        if run is not None:
            gaps.append(run.gap)
            margins.append(run.margin)
    return Room(gap=max(gaps), margin=max(margins))


def characters_missing(chars: Sequence[Char], rules: SpacingRules) -> bool:
    """Whether the value's lines leave room for a character that was not read."""
    room = room_of(chars, rules)
    return room.gap > rules.max_gap or room.margin > rules.max_margin


def split_room(chars: Sequence[Char], rules: SpacingRules) -> float:
    """The widest room, in character advances, between two neighbouring characters of the
    value that were read on different lines of one row (1 when a line was only split
    where the print goes on at its pitch). A stamp or a glare spot across a value leaves
    its two sides to be read as two lines; whatever was printed between them was not
    read, and neither side's confidence says so."""
    widest = 0.0
    for before, after in pairwise(chars):
        if before.line is after.line:
            continue
        step = _step_between(before, after, rules)
        if step is not None:
            widest = max(widest, step)
    return widest


def _step_between(before: Char, after: Char, rules: SpacingRules) -> float | None:
    """The step from one character to the next on another line of the same row, in
    advances; None when the lines are not side by side on one row, or their boxes are
    not the print's (a word placed in a layout cell)."""
    lines = (before.line, after.line)
    if any(line.placed or line.read_as is not None for line in lines):
        return None
    height = max(line_height(line) for line in lines)
    if height <= 0:
        return None
    x0, y0 = point_along(before.line.box, (before.glyph.start + before.glyph.end) / 2.0)
    x1, y1 = point_along(after.line.box, (after.glyph.start + after.glyph.end) / 2.0)
    if abs(y1 - y0) > height / 2.0 or x1 <= x0:
        return None
    widths = _widest_advance(before.char, rules) + _widest_advance(after.char, rules)
    return (x1 - x0) / (rules.pitch * height * widths / 2.0)


def _widest_advance(char: str, rules: SpacingRules) -> float:
    """A character's advance, taking one of ambiguous width (the · of a minority name,
    which a Chinese face prints full width) at the widest: room is then never made up."""
    if unicodedata.east_asian_width(char) == "A":
        return 1.0
    return advance(char, rules.half_width)


def _runs(chars: Sequence[Char]) -> list[tuple[TextLine, list[int]]]:
    """The line text indices of the value's characters, per run on one line."""
    runs: list[tuple[TextLine, list[int]]] = []
    for char in chars:
        if not runs or runs[-1][0] is not char.line:
            runs.append((char.line, []))
        index = char.glyph.index
        if index not in runs[-1][1]:
            runs[-1][1].append(index)
    return runs


def _run_room(line: TextLine, indices: list[int], rules: SpacingRules) -> Room | None:
    """Room on one line, or None when the recogniser gave no positions to measure."""
    text, positions = line.text, line.char_positions
    height = line_height(line)
    if len(positions) != len(text) or height <= 0 or not indices:
        return None
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    length = math.hypot(x1 - x0, y1 - y0)
    centres = [positions[i] * length for i in indices]
    widths = [advance(text[i], rules.half_width) for i in indices]
    # Each step between neighbours in the line's text, in units of the advance expected.
    steps = [(b - a) / ((wa + wb) / 2.0)
             for a, b, wa, wb, ia, ib in zip(centres, centres[1:], widths, widths[1:],
                                               indices, indices[1:], strict=False)
             if ib == ia + 1]
    # A line with enough steps measures its own pitch; a short one (a name, a sex) is
    # measured against the card's, from the line height.
    pitch = median(steps) if len(steps) >= rules.min_steps else rules.pitch * height
    if pitch <= 0:
        return None
    gap = max(steps, default=0.0) / pitch
    margin = 0.0
    if indices[0] == 0:
        margin = centres[0] / (pitch * widths[0])
    if indices[-1] == len(text) - 1:
        margin = max(margin, (length - centres[-1]) / (pitch * widths[-1]))
    return Room(gap=gap, margin=margin)


def indents(values: Mapping[str, Sequence[Char]], fields: Sequence[str],
            rules: SpacingRules) -> dict[str, float]:
    """How far each field's first character begins right of the column the other fields'
    first characters begin at, in pitches (a character's advance): a card prints these
    values left-aligned, so a field that begins a character or more late was read without
    its first character (a stamp over it, a detector box begun at the second one).

    Only fields whose first character was read on a line of its own print (not a word
    placed in a cell) are measured, and only against at least `min_column` others that
    agree on the column within `column_slack` pitches; otherwise nothing is measured."""
    starts = {name: start for name in fields
              if (chars := values.get(name)) and (start := _start(chars[0], rules)) is not None}
    found: dict[str, float] = {}
    for name, (left, pitch) in starts.items():
        others = [other_left for other, (other_left, _) in starts.items() if other != name]
        if len(others) < rules.min_column or \
                max(others) - min(others) > rules.column_slack * pitch:
            continue
        found[name] = (left - median(others)) / pitch
    return found


def _start(char: Char, rules: SpacingRules) -> tuple[float, float] | None:
    """Where a character begins (image x) and the pitch of its line (pixels)."""
    line = char.line
    if line.read_as is not None or line.placed or line_height(line) <= 0:
        return None
    pitch = rules.pitch * line_height(line)
    centre = (char.glyph.start + char.glyph.end) / 2.0
    x = point_along(line.box, centre)[0]
    return x - advance(char.char, rules.half_width) * pitch / 2.0, pitch
