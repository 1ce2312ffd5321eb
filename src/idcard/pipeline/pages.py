"""A PDF's pages as views of one card: each page is read as an image, then the pages'
readings are combined like the cards of one image (a front and a back merged)."""

from __future__ import annotations

from dataclasses import dataclass

from idcard.card import CardReading, Notice, SideHint, SourcePage
from idcard.extract import merge_sides
from idcard.pipeline.one_view import CardRead, filled


@dataclass(frozen=True, slots=True)
class PageRead:
    """One page's reading (boxes in its card views' pixels) and the views behind it."""

    reading: CardReading
    reads: list[CardRead]
    number: int | None  # None: the input was an image, not a PDF
    dpi: float | None


@dataclass(frozen=True, slots=True)
class PagesReading:
    reading: CardReading
    used: list[PageRead]  # the pages the reading came from, the front's first

    @property
    def sources(self) -> list[SourcePage]:
        return [SourcePage(page=p.number, side=p.reading.side, dpi=round(p.dpi, 2))
                for p in self.used if p.number is not None and p.dpi is not None]

    @property
    def reads(self) -> list[CardRead]:
        return [read for page in self.used for read in page.reads]


def combine_pages(pages: list[PageRead], side: SideHint) -> PagesReading:
    """One reading from the pages that held a card: a page with both sides, or the best
    front and the best back merged; with a side hint, the best page of that side. Any
    other page with a card is reported with a `multiple_cards` warning."""
    if len(pages) == 1:
        return PagesReading(pages[0].reading, pages)
    best = {kind: _best(pages, kind) for kind in ("front", "back", "both")}
    front, back, both = best["front"], best["back"], best["both"]
    if side != "auto":
        chosen = [max((p for p in (best[side], both) if p is not None),
                      key=lambda p: filled(p.reading), default=pages[0])]
        reading = chosen[0].reading
    elif both is not None or front is None or back is None:
        chosen = [both or front or back or pages[0]]
        reading = chosen[0].reading
    else:
        chosen = [front, back]
        reading = merge_sides(front.reading, back.reading)
    if len(chosen) < len(pages):
        reading.warnings.append(Notice(
            "multiple_cards", "more than one page holds a card; the pages named in "
                              "`pages` were read"))
    return PagesReading(reading, chosen)


def _best(pages: list[PageRead], side: str) -> PageRead | None:
    of_side = [p for p in pages if p.reading.side == side]
    return max(of_side, key=lambda p: filled(p.reading)) if of_side else None
