"""Whether a value's last row goes on past its end, under a stamp read there.

A stamp's frame laid over the end of a value (a 2 × 2 seal over 长乐分局) makes the
detector end the value's line at the frame: the line reads whole and sure, and no rule
sees what was not read. Where a stamp lies right past a value's end, the row is read
again as one band reaching past the stamp's edge: print going on there (characters that
are no stamp's words) is part of the value left unread.
"""

from __future__ import annotations

from idcard.extract import RuleBook, stamp_spans
from idcard.text import Quad, union_box

# Past the row's end, in its line heights: where a stamp over the value's continuation
# lies (its frame reaches the next character), and how far the band read again reaches.
_STAMP_REACH = 1.0
_BAND_REACH = 4.0
# Characters of print past the end that make the row go on.
_MORE = 2


def past_end(row: Quad) -> Quad:
    """The stretch of the row just past its end, `_STAMP_REACH` line heights long."""
    _, (right, top), (_, bottom), _ = union_box([row])
    reach = _STAMP_REACH * (bottom - top)
    return ((right, top), (right + reach, top), (right + reach, bottom), (right, bottom))


def end_band(row: Quad, size: tuple[int, int]) -> Quad | None:
    """The row from its start to `_BAND_REACH` line heights past its end, clipped to the
    view; None where nothing of it lies past the end."""
    (left, top), (right, _), (_, bottom), _ = union_box([row])
    far = min(size[0] - 1.0, right + _BAND_REACH * (bottom - top))
    if far - right < (bottom - top) / 2.0:
        return None
    return ((left, top), (far, top), (far, bottom), (left, bottom))


def goes_on(read: str, again: str, rules: RuleBook) -> bool:
    """Whether `again` (the band) holds the row as `read` and more after it: at least
    `_MORE` characters past where the row's last two characters are found that are no
    stamp's or caption's words (仅供办理…使用 laid beside a name reads 供办) and no mark.
    One is not enough: a frame's corner read 田 past a whole authority."""
    tail = read.strip()[-2:]
    at = again.find(tail) if tail else -1
    if at < 0:
        return False
    rest = again[at + len(tail):]
    covered = {i for a, b in stamp_spans(rest, rules.noise) for i in range(a, b)}
    words = _stamp_words(rules)
    more = [char for i, char in enumerate(rest) if i not in covered and char not in words
            and (char.isalnum() or "\u4e00" <= char <= "\u9fff")]
    return len(more) >= _MORE


def _stamp_words(rules: RuleBook) -> frozenset[str]:
    """Every character of the stamps' and captions' words (rules/noise.toml)."""
    enclosing = "".join(word for pair in rules.noise.enclosing for word in pair)
    return frozenset("".join(rules.noise.phrases) + "".join(rules.noise.stamps) + enclosing)

