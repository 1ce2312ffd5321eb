"""The compiled, remembering word search (extract.words.WordFinder) finds exactly what the
plain search it replaced found: every window, distance and tie, on random misread text."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path

import pytest

from idcard.extract import load_rules
from idcard.extract.rules import RuleBook
from idcard.extract.words import WordFinder, allowed_edits, edit_distance

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


def plain_find_word(text: str, word: str, aliases: Mapping[str, str],
                    min_fuzzy: int) -> list[tuple[int, int, int]]:
    """The search as first written: every window scored on its own."""
    def same(a: str, b: str) -> bool:
        return a == b or a in aliases.get(b, "")

    fuzzy = len(word) >= min_fuzzy
    lengths = (len(word) - 1, len(word), len(word) + 1) if fuzzy else (len(word),)
    found: list[tuple[int, int, int]] = []
    for start in range(len(text)):
        best: tuple[int, int, int] | None = None
        for length in lengths:
            end = start + length
            if end > len(text) or length <= 0:
                continue
            window = text[start:end]
            limit = allowed_edits(word, start == 0, len(text) == length, min_fuzzy)
            if fuzzy and not (same(window[0], word[0]) or same(window[-1], word[-1])
                              or (len(window) > 1 and same(window[1], word[1]))):
                continue
            distance = edit_distance(window, word, aliases)
            if distance <= limit and (best is None or distance < best[2]):
                best = (start, end, distance)
        if best is not None:
            found.append(best)
    return found


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rules(RULES_DIR)


def _words(rules: RuleBook) -> list[str]:
    spellings = [s for rule in rules.labels.labels.values() for s in rule.spellings]
    return sorted({*spellings, *rules.side.front, *rules.side.back, *rules.layout.back_marks})


def _misread(word: str, rng: random.Random, alphabet: str) -> str:
    """The word with a few characters swapped, dropped, doubled or misread by alias."""
    chars = list(word)
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(chars) or 1)
        move = rng.choice(["swap", "drop", "add"])
        if move == "swap" and chars:
            chars[at] = rng.choice(alphabet)
        elif move == "drop" and chars:
            del chars[at]
        else:
            chars.insert(at, rng.choice(alphabet))
    return "".join(chars)


def test_finder_matches_the_plain_search_on_random_text(rules: RuleBook) -> None:
    rng = random.Random(12)
    aliases = rules.labels.char_aliases
    words = _words(rules)
    alphabet = "".join(sorted({*"".join(words), *"".join(aliases.values()), *"0123456789X"}))
    finders = {n: WordFinder(aliases, n) for n in (rules.thresholds.fuzzy_label_min_length, 2, 3)}
    found = 0
    for _ in range(3000):
        word = rng.choice(words)
        parts = [_misread(rng.choice(words), rng, alphabet) for _ in range(rng.randint(0, 2))]
        parts.insert(rng.randint(0, len(parts)), _misread(word, rng, alphabet))
        text = "".join(parts)
        for min_fuzzy in (rules.thresholds.fuzzy_label_min_length, 2, 3):
            want = plain_find_word(text, word, aliases, min_fuzzy)
            got = finders[min_fuzzy].find(text, word)
            assert list(got) == want, (text, word, min_fuzzy)
            found += bool(want)
    assert found > 3000  # most texts hold their (misread) word: the windows were compared


def test_finder_edge_cases(rules: RuleBook) -> None:
    aliases = rules.labels.char_aliases
    finder = WordFinder(aliases, 4)
    for text, word in (("", "姓名"), ("姓", "姓名"), ("姓名", "姓名"), ("娃名", "姓名"),
                       ("娃呂", "姓名"), ("名姓", "姓名"), ("姓名姓名", "姓名"), ("x姓名", "姓名"),
                       ("公民身份号码", "公民身份号码"), ("公民身份码", "公民身份号码"),
                       ("公民身份号码号码", "公民身份号码"), ("[a-]", "a-"), ("abc", "")):
        assert list(finder.find(text, word)) == plain_find_word(text, word, aliases, 4)


def test_find_word_remembers_each_text(rules: RuleBook) -> None:
    finder = rules.word_finder
    assert finder is rules.word_finder  # compiled once per rule book
    first = finder.find("住址北京市", "住址")
    assert finder.find("住址北京市", "住址") is first
    assert first == ((0, 2, 0),)
