"""A card view read by the fast recogniser, and again by the thorough one where that
reading is unsure (pipeline step `thorough`).

The fast recogniser (v6 tiny) reads a clear card as well as the thorough one (v4) in a
third of its time, but misreads more where print is hard to read: blurred or small cards,
grey scans, stamps across the text. Its reading says where that is: a field missing or
below the review threshold, a failed check, or a card enlarged to be read. There the view
is read again with the thorough recogniser and the better reading kept; a field the two
read differently is flagged for review (`readings_disagree`); where the fast reading is
kept, a field both read alike is as sure as the thorough reader was.
"""

from __future__ import annotations

import msgspec

from idcard.card import CardFields, CardReading, Field, Notice, SideHint
from idcard.extract import RuleBook
from idcard.imaging.locate import CardOutline
from idcard.imaging.view import CardView
from idcard.pipeline.one_view import CardRead, ViewReader
from idcard.pipeline.steps import THOROUGH
from idcard.pipeline.timing import Stopwatch
from idcard.pipeline.trust import confirmed, reviewed_before_quality

# A card outline enlarged by this much or more to be straightened was small in the photo:
# its strokes are a few pixels wide, soft after enlarging, where the fast recogniser
# misreads a character it is sure of (零林乡 for 枣林乡).
SMALL_CARD_ENLARGED = 1.5


class SurestViews:
    """Reads card views fast, and thoroughly where the fast reading is unsure."""

    def __init__(self, fast: ViewReader, thorough: ViewReader | None, rules: RuleBook,
                 review_below: float) -> None:
        self._fast, self._thorough = fast, thorough
        self._rules = rules
        self._review_below = review_below

    def read_view(self, view: CardView, outline: CardOutline | None, side: SideHint,
                  clock: Stopwatch) -> CardRead:
        read = self._fast.read_view(view, outline, side, clock)
        if self._thorough is None:
            return read
        doubted = self._reviewed(read)
        # A view with nothing read is no card (a stamp's frame, a wrong outline) as often
        # as a card: reading it again would double the cost of every such outline (a
        # small card's is read again all the same).
        unsure = read.field_count > 0 and doubted.review_needed \
            and not _only_the_name_doubted(doubted)
        if not (unsure or _small_card(read)):
            return read
        with clock.step(THOROUGH):
            again = self._thorough.read_view(view, outline, side, clock)
        if _rank(self._reviewed(again)) > _rank(doubted):
            again.reading = with_disputes(again.reading, read.reading, other_doubts=False)
            return again
        read.reading = with_disputes(read.reading, again.reading)
        return read

    def _reviewed(self, read: CardRead) -> CardReading:
        return reviewed_before_quality(read.reading, self._review_below,
                                       self._rules.thresholds.low_confidence)


def _rank(reviewed: CardReading) -> tuple[int, int, int, float]:
    """More fields, then more of them confirmed by their checks (a birth date the number
    states), then more trusted, then surer."""
    fields = _present(reviewed.fields)
    return (len(fields), len(confirmed(reviewed)), sum(not f.review for f in fields),
            sum(f.confidence for f in fields))


def with_disputes(kept: CardReading, other: CardReading, *,
                  other_doubts: bool = True) -> CardReading:
    """`kept` with a `readings_disagree` notice for each field that `other` read as
    another value (one of two readers misread it, and neither says which: a reader sure
    of a misread glyph is what made the card unsure in the first place). With
    `other_doubts` (the kept reading is the fast recogniser's), each field both read
    alike is only as sure as the less sure of the two: the thorough reader's doubt is not
    overruled by a fast reader sure of every soft stroke. The fast reader's doubt where
    the thorough reading is kept is not counted: measured, it added flags on right
    fields and caught no error (README, *Ninth session*)."""
    names: list[str] = []
    surest: dict[str, Field] = {}
    for name in kept.fields.__struct_fields__:
        mine: Field | None = getattr(kept.fields, name)
        theirs: Field | None = getattr(other.fields, name)
        if mine is None or theirs is None:
            continue
        if mine.value != theirs.value:
            names.append(name)
        elif other_doubts and theirs.confidence < mine.confidence:
            surest[name] = msgspec.structs.replace(mine, confidence=theirs.confidence)
    if not names and not surest:
        return kept
    return msgspec.structs.replace(
        kept, fields=msgspec.structs.replace(kept.fields, **surest),
        warnings=kept.warnings + [
            Notice("readings_disagree", f"{name}: the two recognisers read it differently")
            for name in names])


def _only_the_name_doubted(reviewed: CardReading) -> bool:
    """Whether the name, read, is all the reading doubts. Its lines were read again by
    every model the engine has (the name's second look), the re-check recogniser among
    them, which spells more names than the thorough one: reading the whole card again
    cannot settle the name, and finds nothing to settle elsewhere."""
    return reviewed.fields.name is not None and bool(reviewed.review_reasons) and all(
        reason.field == "name" for reason in reviewed.review_reasons)


def _present(fields: CardFields) -> list[Field]:
    return [f for name in fields.__struct_fields__ if (f := getattr(fields, name)) is not None]


def _small_card(read: CardRead) -> bool:
    return read.outline is not None and \
        read.view.size[0] >= SMALL_CARD_ENLARGED * read.outline.longest_side
