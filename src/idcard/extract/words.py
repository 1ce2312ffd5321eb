"""Where a word appears in text, misread: the edit distance that forgives known
misreadings, and the search for a word's windows within the edits it allows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache


def edit_distance(text: str, word: str, aliases: Mapping[str, str]) -> int:
    """Levenshtein distance where a known misreading of a word character costs nothing."""
    previous = list(range(len(word) + 1))
    for i, char in enumerate(text, 1):
        current = [i]
        for j, wanted in enumerate(word, 1):
            same = char == wanted or char in aliases.get(wanted, "")
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (0 if same else 1)))
        previous = current
    return previous[-1]


def allowed_edits(word: str, at_start: bool, alone: bool, min_fuzzy_length: int) -> int:
    """How many edits still count as this label.

    Long labels (公民身份号码) survive a couple of misreads anywhere. A two-character label
    with one misread character is accepted only as a box of its own: inside running text
    "one character of 姓名" is far too common to mean anything.
    """
    if len(word) >= min_fuzzy_length:
        return 1 + len(word) // 6
    return 1 if at_start and alone else 0


Span = tuple[int, int, int]


class WordFinder:
    """`find_word` for one rule book: each word's characters compiled once (with the
    characters OCR prints instead of them), and each text's answer remembered, since one
    card's lines are searched for the same words many times over (each side's labels,
    the side's words, again after every re-read)."""

    def __init__(self, aliases: Mapping[str, str], min_fuzzy_length: int,
                 remembered: int = 8192) -> None:
        self._aliases = aliases
        self._min_fuzzy = min_fuzzy_length
        self._accepts: dict[str, tuple[frozenset[str], ...]] = {}
        self._exact: dict[str, re.Pattern[str]] = {}
        self.find = lru_cache(maxsize=remembered)(self._spans)

    def _spans(self, text: str, word: str) -> tuple[Span, ...]:
        if not word:
            return ()
        if len(word) >= self._min_fuzzy:
            return self._fuzzy_spans(text, word)
        return self._exact_spans(text, word)

    def _accepted(self, word: str) -> tuple[frozenset[str], ...]:
        """Per character of the word, the characters that count as it."""
        found = self._accepts.get(word)
        if found is None:
            found = tuple(frozenset(c + self._aliases.get(c, "")) for c in word)
            self._accepts[word] = found
        return found

    def _exact_spans(self, text: str, word: str) -> tuple[Span, ...]:
        """A short word: read exactly (aliases allowed), or with one misread character
        when it is the whole text (`allowed_edits`)."""
        pattern = self._exact.get(word)
        if pattern is None:
            classes = ("[" + "".join(re.escape(c) for c in sorted(accepted)) + "]"
                       for accepted in self._accepted(word))
            pattern = re.compile("(?=" + "".join(classes) + ")")
            self._exact[word] = pattern
        starts = [m.start() for m in pattern.finditer(text)]
        length = len(word)
        if len(text) == length and starts != [0]:
            # Same lengths: one edit is one misread character (a deletion needs an insertion).
            misread = sum(c not in a for c, a in zip(text, self._accepted(word), strict=True))
            return ((0, length, 1),) if misread == 1 else ()
        return tuple((start, start + length, 0) for start in starts)

    def _fuzzy_spans(self, text: str, word: str) -> tuple[Span, ...]:
        """A long word: at each start the best of the windows one shorter, as long and
        one longer (the shorter first on a tie), within `allowed_edits`, each window
        keeping the word's first, last or second character."""
        accepts = self._accepted(word)
        length = len(word)
        limit = allowed_edits(word, False, False, self._min_fuzzy)
        found: list[Span] = []
        for start in range(len(text)):
            ends = [start + n for n in (length - 1, length, length + 1)
                    if n > 0 and start + n <= len(text)
                    and _keeps_ends(text, start, start + n, accepts)]
            if not ends:
                continue
            distances = _prefix_distances(text[start:ends[-1]], accepts, limit)
            best: Span | None = None
            for end in ends:
                distance = distances[end - start]
                if distance <= limit and (best is None or distance < best[2]):
                    best = (start, end, distance)
            if best is not None:
                found.append(best)
        return tuple(found)


def _keeps_ends(text: str, start: int, end: int, accepts: tuple[frozenset[str], ...]) -> bool:
    # A cheap filter before the edit distance: a real hit keeps its first or last character.
    return text[start] in accepts[0] or text[end - 1] in accepts[-1] or \
        (end - start > 1 and text[start + 1] in accepts[1])


def _prefix_distances(window: str, accepts: tuple[frozenset[str], ...],
                      limit: int) -> list[int]:
    """`edit_distance` of every prefix of the window to the word (index = prefix length),
    from one table; once a whole row exceeds `limit`, so does every longer prefix (a
    row's least entry never falls), and those are given as `limit + 1`."""
    previous = list(range(len(accepts) + 1))
    distances = [previous[-1]]
    for i, char in enumerate(window, 1):
        current = [i]
        for j, accepted in enumerate(accepts, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (char not in accepted)))
        previous = current
        distances.append(current[-1])
        if min(current) > limit:
            distances += [limit + 1] * (len(window) - i)
            break
    return distances
