"""Label words a straightened card need not recognise: their place says what they are.

On a card straightened from its outline, each label (姓名, 住址, 公民身份号码, 签发机关, ...)
is printed in a known place (rules' `front_words` / `back_words`). A detected box that
lies alone in a label's place, and is about the label's size, is that label: it is
handed to the rules as the label's text, marked `placed`, without being recognised.
A box where the label ran into its value reaches past the place and is read as usual.

Only a view whose boxes fill enough of one side's label places is taken for a card of
that side, the right way up: an upside-down or unstraightened view, or the other side,
leaves those places empty or holding something of another size, and is read in full.
The caller still checks the reading agrees (see `ViewReader`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from idcard.extract.rules import LayoutRules
from idcard.extract.side import CardSide
from idcard.text import Quad, TextLine

# A place on the card: left, top, right, bottom as fractions of its width and height.
Place = tuple[float, float, float, float]
# A card's label rows lie about this share of its height apart, within this spread.
_ROW_STEP = 0.12
_ROW_STEP_SPREAD = (1.3, 0.7)


@dataclass(frozen=True)
class ReadPlan:
    """Which detected boxes are labels placed by layout (box index → label name), and the
    side of the card their places say; no side and nothing placed means read every box."""

    side: CardSide | None = None
    placed: Mapping[int, str] = field(default_factory=dict)


READ_EVERYTHING = ReadPlan()


def plan_reads(boxes: Sequence[Quad], size: tuple[int, int],
               layout: LayoutRules) -> ReadPlan:
    """The boxes of a straightened card view that its label places account for.

    Each printing of each side (rules' `front_words`, `back_words`) is tried; a printing
    counts when at least `min_placed_words` of its words (all of them for a printing of
    fewer) each have one box alone in their place. The printing that places strictly
    more words than any other is taken; when none does, nothing is placed (two printings
    with rows close to each other's could each claim part of one card).
    """
    extents = [_fractions(box, size) for box in boxes]
    printings: list[tuple[CardSide, Mapping[str, Place]]] = [
        *(("front", words) for words in layout.front_words),
        *(("back", words) for words in layout.back_words)]
    found: list[tuple[CardSide, dict[int, str]]] = []
    for side, words in printings:
        placed = _words_in_place(extents, words, layout)
        if words and len(placed) >= min(layout.min_placed_words, len(words)) \
                and not _label_above(extents, words, placed, layout):
            found.append((side, placed))
    found.sort(key=lambda item: len(item[1]), reverse=True)
    if not found or (len(found) > 1 and len(found[1][1]) == len(found[0][1])):
        return READ_EVERYTHING
    side, placed = found[0]
    return ReadPlan(side=side, placed=placed)


def placed_line(box: Quad, text: str) -> TextLine:
    """The line the rules get for a label placed by layout: its printed text, characters
    spread evenly along the box, sure of every one (the place, not a reading, says it)."""
    count = len(text)
    positions = tuple((index + 0.5) / count for index in range(count))
    return TextLine(text=text, confidence=1.0, box=box, char_confidences=(1.0,) * count,
                    char_positions=positions, placed=True)


def _words_in_place(extents: Sequence[Place], words: Mapping[str, Place],
                    layout: LayoutRules) -> dict[int, str]:
    placed: dict[int, str] = {}
    for word, place in words.items():
        grown = _grown(place, layout.word_slack)
        fitting = [i for i, extent in enumerate(extents)
                   if _fits(extent, place, grown, layout.word_min_size)]
        # Alone: any other box in the place (the label split in two, a stray mark, a
        # value starting early) makes the place say nothing for certain.
        others = [i for i, extent in enumerate(extents)
                  if i not in fitting and _inside(_centre(extent), grown)]
        if len(fitting) == 1 and not others and fitting[0] not in placed:
            placed[fitting[0]] = word
    return placed


def _label_above(extents: Sequence[Place], words: Mapping[str, Place],
                 placed: Mapping[int, str], layout: LayoutRules) -> bool:
    """Whether a box not placed starts in the column of the printing's first row, about
    a row step above it and about a label's height: the card's labels go on above where
    this printing has its first, so its rows are a row off the card's (two printings'
    rows may lie a row apart, and either then places a card's labels). A caption printed
    above a card's first row lies closer to it than a row step."""
    if not placed:
        return False
    top = min(words.values(), key=lambda place: place[1])
    left, centre, height = top[0], (top[1] + top[3]) / 2.0, top[3] - top[1]
    low, high = (centre - share * _ROW_STEP for share in _ROW_STEP_SPREAD)
    return any(index not in placed and abs(extent[0] - left) <= layout.word_slack[0]
               and low <= (extent[1] + extent[3]) / 2.0 <= high
               and extent[3] - extent[1] >= layout.word_min_size * height
               for index, extent in enumerate(extents))


def _fits(extent: Place, place: Place, grown: Place, min_size: float) -> bool:
    """Inside the grown place, and at least `min_size` of the word's width and height."""
    left, top, right, bottom = extent
    g_left, g_top, g_right, g_bottom = grown
    if left < g_left or top < g_top or right > g_right or bottom > g_bottom:
        return False
    width, height = place[2] - place[0], place[3] - place[1]
    return right - left >= min_size * width and bottom - top >= min_size * height


def _grown(place: Place, slack: tuple[float, float]) -> Place:
    x0, y0, x1, y1 = place
    dx, dy = slack
    return (x0 - dx, y0 - dy, x1 + dx, y1 + dy)


def _fractions(box: Quad, size: tuple[int, int]) -> Place:
    width, height = max(size[0], 1), max(size[1], 1)
    xs, ys = [x for x, _ in box], [y for _, y in box]
    return (min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height)


def _centre(extent: Place) -> tuple[float, float]:
    return ((extent[0] + extent[2]) / 2.0, (extent[1] + extent[3]) / 2.0)


def _inside(point: tuple[float, float], place: Place) -> bool:
    return place[0] <= point[0] <= place[2] and place[1] <= point[1] <= place[3]
