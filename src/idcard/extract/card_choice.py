"""Which of several card-like texts is the card: label geometry decides.

A card's labels sit in one compact block at fixed places (`rules/layout.toml`: the
front's six labels, the back's two labels and its title words). Text that merely repeats
the labels — a form asking for the holder's particulars, a letter quoting them — prints
them where a form does: one under another at the same margin, each in running text with
its value. So when a label that a card prints once is read twice, each reading of it
proposes a card frame (scaled by the text on its own row, not the page's), and the frame
in which most of the side's labels land where a card prints them is the card.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean, median

from idcard.extract.labels import LabelHit, find_labels, find_word
from idcard.extract.layout import Frame
from idcard.extract.pieces import Piece
from idcard.extract.rules import BACK_LABELS, FRONT_LABELS, RuleBook

# How far (card heights / card widths) a label may sit from its printed place and still
# count as placed: half the distance between two rows of a card, so a label never counts
# on its neighbour's row. The first pass, from a single label, is looser: the row's text
# gives the scale only roughly; the frame is then fitted to the labels that landed.
_PLACED = 0.06
_ROUGHLY_PLACED = 0.12
# The row's text gives the card's scale only roughly (a back's values are printed larger
# than a front's, a label smaller than its value): the first pass tries these factors.
_SCALES = (0.7, 1.0, 1.4)
# Labels on rows at least this far apart (card heights) give the scale by themselves.
_MIN_FIT_SPREAD = 0.1
# A row's text (a label's value) lies within this many label heights to the label's right.
_ROW_REACH = 16.0
# Labels of this many places must have been read to tell a card from a page that
# repeats its labels by where they sit.
_MIN_LABELS_TO_JUDGE = 3
# A candidate is a card of its own when more than this share of the side's places hold
# their label (a card partly hidden by a stamp or glare still has most of them); text
# whose labels were read is no card when no more than this share of them sit in place.
_CARD_SHARE = 0.5


@dataclass(frozen=True)
class Candidate:
    """One proposed card: its frame and the labels found where the card prints them."""

    frame: Frame
    placed: frozenset[str]
    # How many of the side's places had their label read anywhere in the text.
    read: int = 0

    @property
    def score(self) -> int:
        return len(self.placed)


@dataclass(frozen=True)
class CardChoice:
    chosen: Candidate
    # Another candidate reads as a card of its own (two cards in view).
    other_card: bool
    # The runner-up is as well placed as the chosen one without either being a whole
    # card's worth: which text is the card is a guess, and its fields need a person.
    unsure: bool
    # A once-printed label was read more than once: the text holds more than one card's
    # worth of labels, and only the chosen frame's text is the card.
    repeated: bool = False


# Labels that a card prints once: read twice, they mean two cards' worth of text.
ONCE_PER_CARD = {"front": ("id_number", "name", "birth"),
                 "back": ("issuing_authority", "valid_period")}


def places_of(side: str, rules: RuleBook) -> dict[str, tuple[float, float]]:
    """Each label's (and, on the back, each title word's) left x and centre y."""
    layout = rules.layout
    if side == "front":
        return dict(layout.front_labels)
    return {**layout.back_labels, **layout.back_marks}


def choose_card(anchors: Sequence[LabelHit], pieces: Sequence[Piece], side: str,
                rules: RuleBook) -> CardChoice:
    """Of the frames the `anchors` (readings of the once-printed labels) propose, the one
    whose labels sit where a card prints them; ties go to the larger card (two cards in
    view: the larger is the one photographed). Frames around one place are one card."""
    places = places_of(side, rules)
    hits = side_hits(pieces, side, rules)
    candidates = [_candidate(anchor, pieces, hits, places, rules) for anchor in anchors]
    ranked = sorted(candidates, key=lambda c: (c.score, c.frame.height), reverse=True)
    cards: list[Candidate] = []
    for candidate in ranked:
        if not any(_same_place(candidate.frame, card.frame) for card in cards):
            cards.append(candidate)
    best, runner_up = cards[0], cards[1] if len(cards) > 1 else None
    counts = Counter(anchor.label for anchor in anchors)
    other_card = runner_up is not None and runner_up.score > _CARD_SHARE * len(places)
    unsure = runner_up is not None and runner_up.score >= best.score \
        and best.score < len(places)
    return CardChoice(best, other_card, unsure, repeated=max(counts.values()) > 1)


def _same_place(a: Frame, b: Frame) -> bool:
    """Two frames of one card: each one's centre inside the other."""
    return all(0.0 <= one.fx(other.x0 + other.width / 2) <= 1.0
               and 0.0 <= one.fy(other.y0 + other.height / 2) <= 1.0
               for one, other in ((a, b), (b, a)))


def card_fit(pieces: Sequence[Piece], side: str, rules: RuleBook) -> CardChoice | None:
    """The best card frame that any reading of the side's once-printed labels proposes
    (None when none was read)."""
    anchors = [h for h in find_labels(pieces, ONCE_PER_CARD[side], rules) if h.distance == 0]
    return choose_card(anchors, pieces, side, rules) if anchors else None


def looks_like_card(choice: CardChoice, side: str, rules: RuleBook) -> bool:
    """Whether most of the side's labels sit where a card prints them in the chosen
    frame (a page that only repeats the labels places few: one under another at its
    margin, a back's labels without the title above them)."""
    return choice.chosen.score > _CARD_SHARE * len(places_of(side, rules))


def misplaced(choice: CardChoice) -> bool:
    """Whether the side's labels were read (at least `_MIN_LABELS_TO_JUDGE` places) yet at
    most half of them sit where a card prints them, in the best frame any proposes: text
    that repeats a card's labels (a form), not a card. Too few labels read tell nothing."""
    read = choice.chosen.read
    return read >= _MIN_LABELS_TO_JUDGE and choice.chosen.score <= _CARD_SHARE * read


def side_hits(pieces: Sequence[Piece], side: str, rules: RuleBook) -> list[LabelHit]:
    """Every reading of the side's labels, and on the back of its title words (as hits
    named by the word)."""
    labels = FRONT_LABELS if side == "front" else BACK_LABELS
    hits = find_labels(pieces, labels, rules)
    if side != "front":
        hits += [LabelHit(word, piece, start, end, distance)
                 for word in rules.layout.back_marks for piece in pieces
                 for start, end, distance in find_word(piece, word, rules)]
    return hits


def _candidate(anchor: LabelHit, pieces: Sequence[Piece], hits: Sequence[LabelHit],
               places: Mapping[str, tuple[float, float]], rules: RuleBook) -> Candidate:
    """The card frame the anchor proposes: placed at the anchor at a few scales around the
    one its row's text gives, then fitted to the labels that landed roughly in place."""
    layout = rules.layout
    # The label's own height too: the tallest text on its row may be no value but a
    # stamp laid over it, drawn larger (a back's title then fell outside every try).
    heights = dict.fromkeys((_row_height(anchor, pieces), anchor.span.height))
    tries = [_frame_at(anchor, places, height / layout.line_height * factor,
                       layout.aspect_ratio)
             for height in heights for factor in _SCALES]
    rough, start = max(((_placed_hits(f, hits, places, _ROUGHLY_PLACED), f) for f in tries),
                       key=lambda found: len(found[0]))
    rough[anchor.label] = anchor
    frame = _fitted(rough, places, start.height, layout.aspect_ratio)
    return Candidate(frame, frozenset(_placed_hits(frame, hits, places, _PLACED)),
                     read=len({hit.label for hit in hits}))


def _row_height(anchor: LabelHit, pieces: Sequence[Piece]) -> float:
    """The tallest text on the label's row to its right (its value): a label may be
    printed smaller than its value, and a page's other text larger or smaller."""
    span = anchor.span
    reach = span.right + _ROW_REACH * span.height
    row = [p.height for p in pieces if abs(p.centre_y - span.centre_y) <= 0.5 * span.height
           and p.right > span.left and p.left < reach]
    return max(row, default=anchor.piece.height)


def _frame_at(anchor: LabelHit, places: Mapping[str, tuple[float, float]], height: float,
              aspect: float) -> Frame:
    fx, fy = places[anchor.label]
    span = anchor.span
    return Frame(span.left - fx * height * aspect, span.centre_y - fy * height,
                 height * aspect, height)


def _fitted(hits: Mapping[str, LabelHit], places: Mapping[str, tuple[float, float]],
            height: float, aspect: float) -> Frame:
    """The frame through the labels' places: the scale from their rows when they lie on
    rows far enough apart (least squares), else `height`; the offsets as medians."""
    points = [(places[label][1], hit.span.centre_y) for label, hit in hits.items()]
    mean_f = fmean(f for f, _ in points)
    mean_y = fmean(y for _, y in points)
    spread = sum((f - mean_f) ** 2 for f, _ in points)
    if max(f for f, _ in points) - min(f for f, _ in points) >= _MIN_FIT_SPREAD:
        fitted = sum((f - mean_f) * (y - mean_y) for f, y in points) / spread
        if 0.5 * height <= fitted <= 2.0 * height:
            height = fitted
    width = height * aspect
    y0 = median(hit.span.centre_y - places[label][1] * height for label, hit in hits.items())
    x0 = median(hit.span.left - places[label][0] * width for label, hit in hits.items())
    return Frame(x0, y0, width, height)


def _placed_hits(frame: Frame, hits: Sequence[LabelHit],
                 places: Mapping[str, tuple[float, float]],
                 tolerance: float) -> dict[str, LabelHit]:
    """For each place, the reading of its label closest to it, when within `tolerance`."""
    found: dict[str, tuple[float, LabelHit]] = {}
    for hit in hits:
        if hit.label not in places:
            continue
        fx, fy = places[hit.label]
        span = hit.span
        off = max(abs(frame.fx(span.left) - fx), abs(frame.fy(span.centre_y) - fy))
        if off <= tolerance and (hit.label not in found or off < found[hit.label][0]):
            found[hit.label] = (off, hit)
    return {label: hit for label, (_, hit) in found.items()}
