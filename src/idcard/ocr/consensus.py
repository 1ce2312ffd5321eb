"""Two recognisers' readings of one line, merged character by character.

Each model fails differently: the v3/v4 dictionaries lack rare name characters (翀 赟 䶮
come out as a look-alike or not at all), while the v5 mobile model, which has them,
sometimes skips a simple character (山, 文) with full confidence. Both read the same
crop, so their CTC time steps line up: characters at the same place are the same
character read twice (keep the surer reading), and a character only one model saw is
kept when that model was sure of it.

Where the two models disagree on a character both could have read, the kept
character is only as sure as two independent votes leave it (`disputed`): two readers
each 99 % sure of different characters make a coin toss, not a 99 % reading. That is
each character's confidence, which the fields' confidences are made of; the line's own
confidence (whether it is legible at all) stays the mean of the kept characters'
confidences as their model read them, so a short value two models spell differently
(汉 against 汊) is not dropped as illegible for being disputed. Where a line is read
*again* and the second reading differs from the first (the name's second look),
`distrust_changes` does the same.
"""

from __future__ import annotations

import dataclasses
import difflib
import unicodedata
from collections.abc import Collection
from functools import cache
from itertools import pairwise
from typing import NamedTuple

import msgspec
import opencc

from idcard.ocr.recognize import Reading
from idcard.text import TextLine

# A character only one model saw is kept above this confidence.
_LONE_CHARACTER_CONFIDENCE = 0.5
# Two characters are the same one when their centres are closer than this share of the
# line's character pitch.
_SAME_PLACE = 0.5
# A rare second choice replaces a common first choice when it is at least this likely
# relative to it (see `spell_rare`): names hold rare characters about 1/ratio times as
# often as the text the recognisers learnt from. Chosen on a development set of
# generated rare names (data/rarenames, seed 21): the right rare characters came second
# at 0.065–0.995 of the first choice with the v6 small re-check (0.136–0.544 with v5),
# wrong rare second choices at most 0.009 where the first choice was right.
RARE_RUNNER_UP_RATIO = 0.05
# Below that ratio but at least this one, the likeliest rare rival is kept out, yet leaves
# the common character in doubt (see `rare_doubts`). At 0.001 the doubt leaves a
# character 0.98 of its confidence (c / (c + 0.02 c)), the default review threshold, so
# the band starts where it can matter. A right 奭 read 爽 came second at 0.012 and 0.027;
# 赟 read 赞 and 奭 read 爽 at 0.002–0.004 were not second at all (a common look-alike
# was): so the rival is the likeliest rare class, wherever it ranks.
RARE_DOUBT_RATIO = 0.001
_Char = tuple[float, str, float]  # position, character, confidence


def merge_readings(first: Reading, second: Reading, *, first_knows: Collection[str],
                   second_knows: Collection[str]) -> Reading:
    """`first_knows`/`second_knows`: the characters each model can emit. Where the two
    disagree and one read a character the other cannot emit, that one is right (the
    other could only offer a look-alike)."""
    if not (_aligned(first) and _aligned(second)):
        return first  # a dictionary entry of several code points: positions are not 1:1
    a, b = _characters(first), _characters(second)
    if not a or not b:
        return first if len(a) >= len(b) else second
    pitch = _pitch(a if len(a) >= len(b) else b)
    merged = _by_text(a, b, pitch, first_knows, second_knows)
    kept = _without_doubles(merged, pitch)
    against = _disputes(merged, first_knows, second_knows)
    own = [c for _, _, c in kept]
    return Reading(
        text="".join(ch for _, ch, _ in kept),
        confidence=sum(own) / len(own) if own else 0.0,
        char_confidences=tuple(disputed(c, against[(p, ch)]) if (p, ch) in against else c
                               for p, ch, c in kept),
        char_positions=tuple(p for p, _, _ in kept),
    )


def _disputes(merged: list[_Merged], a_knows: Collection[str],
              b_knows: Collection[str]) -> dict[tuple[float, str], float]:
    """Each kept character (by place and character) that the other model, able to read it,
    read as another character, with that model's confidence in its own."""
    found: dict[tuple[float, str], float] = {}
    for m in merged:
        if len(m.seen) != 2:
            continue
        a, b = m.seen
        other = b if m.char is a else a
        if other[1] == m.char[1] or _simplified(other[1]) == _simplified(m.char[1]):
            continue
        if m.char[1] in (b_knows if m.char is a else a_knows):
            found[(m.char[0], m.char[1])] = other[2]
    return found


def _by_text(a: list[_Char], b: list[_Char], pitch: float, a_knows: Collection[str],
             b_knows: Collection[str]) -> list[_Merged]:
    """Runs of the same characters in the same order (difflib's matching blocks) paired one
    to one: they are the same glyphs read twice, however far apart two models place a
    narrow digit (115号: 0.19 against 0.11 of the line; 2012.04.14 against
    2012.04.14-, where one model places each digit a third of a pitch later than the
    other). What lies between those runs is paired by place."""
    matcher = difflib.SequenceMatcher(None, [c for _, c, _ in a], [c for _, c, _ in b],
                                      autojunk=False)
    merged: list[_Merged] = []
    for tag, i0, i1, j0, j1 in matcher.get_opcodes():
        if tag == "equal":
            merged += [_Merged(_pick(x, y, a_knows, b_knows), (x, y))
                       for x, y in zip(a[i0:i1], b[j0:j1], strict=True)]
        else:
            merged += _by_place(a[i0:i1], b[j0:j1], pitch, a_knows, b_knows)
    return merged


def _by_place(a: list[_Char], b: list[_Char], pitch: float, a_knows: Collection[str],
              b_knows: Collection[str]) -> list[_Merged]:
    """Characters at the same place (within half a pitch) paired, the others alone."""
    merged: list[_Merged] = []
    i = j = 0
    while i < len(a) or j < len(b):
        if j == len(b) or (i < len(a) and a[i][0] < b[j][0] - _SAME_PLACE * pitch):
            merged.append(_Merged(a[i], (a[i],)))
            i += 1
        elif i == len(a) or b[j][0] < a[i][0] - _SAME_PLACE * pitch:
            merged.append(_Merged(b[j], (b[j],)))
            j += 1
        else:
            merged.append(_Merged(_pick(a[i], b[j], a_knows, b_knows), (a[i], b[j])))
            i += 1
            j += 1
    return merged


def _pitch(chars: list[_Char]) -> float:
    """The reading's character pitch, as a share of the line: the median step between
    its characters (a short value in a wide crop is far from 1/count apart)."""
    steps = sorted(b[0] - a[0] for a, b in pairwise(chars))
    step = steps[len(steps) // 2] if steps else 0.0
    return step if step > 0 else 1.0 / len(chars)


def _pick(a: _Char, b: _Char, a_knows: Collection[str], b_knows: Collection[str]) -> _Char:
    if a[1] != b[1] and b[1] == _simplified(a[1]):
        # One character in two scripts (黃, 黄): both read it; cards print the simplified.
        return (b[0], b[1], max(a[2], b[2]))
    if a[1] != b[1] and a[1] == _simplified(b[1]):
        return (a[0], a[1], max(a[2], b[2]))
    if a[1] != b[1]:
        if b[1] not in a_knows and not _traditional_form(b[1]):
            return b
        if a[1] not in b_knows and not _traditional_form(a[1]):
            return a
    return a if a[2] >= b[2] else b


def rare(char: str) -> bool:
    """Outside GB2312 (the 6,763 characters of the national standard for everyday text)
    and no traditional form of one of them: rare in any recogniser's training text,
    whatever its dictionary (赟 湉 䶮 喆 堃; not 活 赞 淼, nor 吳, nor a dash)."""
    return _han(char) and not _in_gb2312(char) and not _traditional_form(char)


def spell_rare(reading: Reading, ratio: float = RARE_RUNNER_UP_RATIO) -> Reading:
    """The re-check's `reading` with each common character replaced by the re-check's
    second choice where that one is `rare` and at least `ratio` as likely. Its
    confidence is the two choices' sum: how sure the re-check is that a character of
    the two is there; the pipeline then distrusts the change against the first reading.

    Why: a rare name character (赟 湉 䶮) is rare in a recogniser's training text too, so
    even a model that has it tends to prefer its common look-alike (赞 活 龚), leaving the
    rare one a close second. Names carry rare characters far more often than the text
    the models learnt from, and that holds for every model, so the rule asks whether the
    characters are common, not which model can spell them (a primary that cannot spell
    the rare one offers its look-alike; one that can is biased the same way). Meant for
    names only. A traditional form (吳 for 吴) is no rare character: cards print
    simplified characters.
    """
    if len(reading.runner_ups) != len(reading.text):
        return reading
    chars = list(reading.text)
    confidences = list(reading.char_confidences)
    for k, (char, (other, p_other)) in enumerate(zip(reading.text, reading.runner_ups,
                                                     strict=True)):
        if not rare(char) and rare(other) and p_other >= ratio * confidences[k]:
            chars[k], confidences[k] = other, min(1.0, confidences[k] + p_other)
    if chars == list(reading.text):
        return reading
    return Reading(text="".join(chars), confidence=sum(confidences) / len(confidences),
                   char_confidences=tuple(confidences),
                   char_positions=reading.char_positions)


def rare_doubts(reading: Reading, ratio: float = RARE_RUNNER_UP_RATIO,
                floor: float = RARE_DOUBT_RATIO) -> tuple[_Char, ...]:
    """The common characters of the re-check's `reading` (a name's) whose likeliest rare
    rival (`Reading.rivals`; without them, the second choice when it is rare) is at least
    `floor` but less than `ratio` as likely, each with what is left of its confidence:
    `spell_rare` takes a rare second choice at even odds once the prior that names favour
    rare characters (1/ratio) is counted, so below that the common one stands, but only
    as sure as those odds leave it."""
    rivals = reading.rivals if len(reading.rivals) == len(reading.text) else reading.runner_ups
    if len(rivals) != len(reading.text):
        return ()
    return tuple(
        (position, char, confidence / (confidence + p_other / ratio))
        for char, (other, p_other), confidence, position in zip(
            reading.text, rivals, reading.char_confidences,
            reading.char_positions, strict=True)
        if not rare(char) and other and rare(other)
        and floor * confidence <= p_other < ratio * confidence)


def with_doubts(reading: Reading, doubts: tuple[_Char, ...]) -> Reading:
    """`reading` with each character that `doubts` names (the same character within half
    a pitch of its place) no surer than the doubt leaves it."""
    if not doubts or len(reading.char_positions) != len(reading.text):
        return reading
    pitch = _pitch(_characters(reading))
    confidences = list(reading.char_confidences)
    doubt = reading.doubt
    for k, (char, position) in enumerate(zip(reading.text, reading.char_positions,
                                             strict=True)):
        for place, doubted_char, left in doubts:
            if doubted_char == char and abs(place - position) < _SAME_PLACE * pitch:
                confidences[k] = min(confidences[k], left)
                doubt = min(doubt, confidences[k])
    return dataclasses.replace(reading, char_confidences=tuple(confidences), doubt=doubt)


@cache
def _han(char: str) -> bool:
    return unicodedata.name(char, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"))


@cache
def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@cache
def _traditional_form(char: str) -> bool:
    """A traditional character whose simplified form is in GB2312 (吳 → 吴)."""
    simple = _simplified(char)
    return simple != char and _in_gb2312(simple)


@cache
def _simplified(char: str) -> str:
    return str(_to_simplified().convert(char))


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def disputed(p: float, q: float) -> float:
    """Confidence left in a reading `p` sure when an independent reader, `q` sure, read
    something else: p(1-q) / (p(1-q) + q(1-p))."""
    p, q = min(max(p, 0.0), 1.0), min(max(q, 0.0), 1.0)
    agree, against = p * (1.0 - q), q * (1.0 - p)
    return agree / (agree + against) if agree + against > 0 else 0.5


def _aligned(reading: Reading) -> bool:
    return len(reading.text) == len(reading.char_confidences) == len(reading.char_positions)


def _characters(reading: Reading) -> list[_Char]:
    # Spaces are left out: one model's space would pair with the other's character.
    return [char for char in zip(reading.char_positions, reading.text,
                                 reading.char_confidences, strict=True)
            if not char[1].isspace()]


class _Merged(NamedTuple):
    char: _Char  # the character kept at this place
    seen: tuple[_Char, ...]  # each reading's character here: one (a lone one) or two

    @property
    def lone(self) -> bool:
        return len(self.seen) == 1


def _without_doubles(merged: list[_Merged], pitch: float) -> list[_Char]:
    """The merged characters, each lone one kept only when its model was sure of it and
    it does not sit where a paired neighbour already is. Two glyphs cannot share a place:
    that is one model reading one glyph as two characters (乡 as 多乡, 2 as :2), the
    other half of which was paired with the other model's reading of the glyph. Where
    the lone half agrees with the other model, the glyph is what both read."""
    chars = [m.char for m in merged]
    keep = [True] * len(merged)
    for k, lone in enumerate(merged):
        if not lone.lone:
            continue
        if lone.char[2] < _LONE_CHARACTER_CONFIDENCE:
            keep[k] = False
            continue
        for n in (k - 1, k + 1):
            if not (0 <= n < len(merged)) or merged[n].lone or not any(
                    abs(lone.char[0] - seen[0]) < _SAME_PLACE * pitch for seen in merged[n].seen):
                continue
            keep[k] = False
            agreeing = [seen for seen in merged[n].seen if seen[1] == lone.char[1]]
            if agreeing:
                chars[n] = max([lone.char, *agreeing], key=lambda c: c[2])
            break
    return [char for char, kept in zip(chars, keep, strict=True) if kept]


def keep_surer_common(before: TextLine, after: TextLine) -> TextLine:
    """`after` (a second reading of the line `before`) with each common character that
    replaces one of `before` less surely than `before` read its own put back: for common
    characters the second reading is one more reading, and the surer one wins. A rare
    character (what the second look is for, and what a first reader may only write as a
    sure look-alike) and characters only `after` has stay as `after` reads them. A Han
    character only `before` has is put back, as sure as a reader who saw nothing there
    leaves it: a second look that skips a rare glyph (东方建湉 read 东方建) must not take
    it out of the value."""
    if (len(after.char_confidences) != len(after.text)
            or len(before.char_confidences) != len(before.text) or before.text == after.text):
        return after
    placed = len(after.char_positions) == len(after.text) \
        and len(before.char_positions) == len(before.text)
    chars: list[str] = []
    confidences: list[float] = []
    positions: list[float] = []
    matcher = difflib.SequenceMatcher(None, before.text, after.text, autojunk=False)
    for tag, i0, i1, j0, j1 in matcher.get_opcodes():
        if tag == "delete" and placed:
            for i in range(i0, i1):
                if _han(before.text[i]):
                    chars.append(before.text[i])
                    confidences.append(disputed(before.char_confidences[i], after.confidence))
                    positions.append(before.char_positions[i])
            continue
        one_for_one = tag == "replace" and i1 - i0 == j1 - j0
        for k, j in enumerate(range(j0, j1)):
            char, confidence = after.text[j], after.char_confidences[j]
            i = i0 + k
            if one_for_one and not rare(char) and confidence < before.char_confidences[i]:
                char, confidence = before.text[i], before.char_confidences[i]
            chars.append(char)
            confidences.append(confidence)
            if placed:
                positions.append(after.char_positions[j])
    text = "".join(chars)
    if text == after.text:
        return after
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return msgspec.structs.replace(
        after, text=text, char_confidences=tuple(confidences), confidence=mean,
        char_positions=tuple(positions) if placed else after.char_positions)


def distrust_changes(before: TextLine, after: TextLine) -> TextLine:
    """`after` (a second reading of the line `before`) with each character that differs
    from the first reading only as sure as two disagreeing readers leave it."""
    if len(after.char_confidences) != len(after.text) or before.text == after.text:
        return after
    confidences = list(after.char_confidences)
    old = before.char_confidences if len(before.char_confidences) == len(before.text) \
        else (before.confidence,) * len(before.text)
    matcher = difflib.SequenceMatcher(None, before.text, after.text, autojunk=False)
    for tag, i0, i1, j0, j1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # A character read only the second time was not seen by the first reader at all.
        against = max(old[i0:i1], default=before.confidence)
        for j in range(j0, j1):
            confidences[j] = disputed(confidences[j], against)
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return msgspec.structs.replace(after, char_confidences=tuple(confidences), confidence=mean)
