"""Lay out an identity as OCR lines on an 856×540 card, the way an engine would emit them.

Used to write the JSON fixtures next to this file and by the hypothesis tests. Geometry
follows the canonical layout (labels x≈0.07, values x≈0.19, rows at y≈0.12/0.24/0.36/
0.48–0.62/0.86); each character gets a width (Han ~1 em, digits ~0.55 em), so char_positions
are uneven the way CTC time steps are, and a merged label+value line has the gap in it.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import msgspec
from stdnum.cn import ric

from idcard.text import TextLine

WIDTH, HEIGHT = 856, 540
LABEL_PX, VALUE_PX, NUMBER_PX = 22, 28, 24
ADDRESS_CHARS_PER_LINE = 11


@dataclass(frozen=True)
class Identity:
    name: str = "张伟明"
    sex: str = "男"
    ethnicity: str = "汉"
    birth: date = date(1990, 3, 7)
    address: str = "湖北省武汉市洪山区珞喻路1037号华中科技大学"
    region: str = "420111"
    sequence: int = 123
    authority: str = "武汉市公安局洪山分局"
    valid_from: date = date(2016, 5, 12)  # 26 at issue: 20 years
    valid_until: date | None = date(2036, 5, 12)  # None = 长期

    @property
    def id_number(self) -> str:
        seq = self.sequence - self.sequence % 2 + (1 if self.sex == "男" else 0)
        seq = seq if 0 < seq < 1000 else (1 if self.sex == "男" else 2)
        body = f"{self.region}{self.birth:%Y%m%d}{seq:03d}"
        return body + ric.calc_check_digit(body + "0")

    @property
    def printed_period(self) -> str:
        until = f"{self.valid_until:%Y.%m.%d}" if self.valid_until else "长期"
        return f"{self.valid_from:%Y.%m.%d}-{until}"

    def expected_front(self) -> dict[str, str]:
        return {"name": self.name, "sex": self.sex, "ethnicity": self.ethnicity,
                "birth_date": self.birth.isoformat(), "address": self.address,
                "id_number": self.id_number}

    def expected_back(self) -> dict[str, str]:
        return {"issuing_authority": self.authority,
                "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else "long-term"}


@dataclass
class Word:
    """Text placed at (x, y centre) in card pixels, with a font size."""

    text: str
    x: float
    y: float
    size: float
    confidences: list[float] | None = None
    gap_after: list[float] = field(default_factory=list)  # extra space after each char


def char_width(char: str, size: float) -> float:
    return size * (0.55 if char.isascii() else 1.0)


def to_line(word: Word, transform: Transform | None = None) -> TextLine:
    widths = [char_width(c, word.size) for c in word.text]
    gaps = word.gap_after or [0.0] * len(word.text)
    total = sum(widths) + sum(gaps)
    centres, x = [], 0.0
    for w, g in zip(widths, gaps, strict=True):
        centres.append((x + w / 2) / total)
        x += w + g
    h = word.size * 1.15
    x0, x1, y0, y1 = word.x, word.x + total, word.y - h / 2, word.y + h / 2
    box = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    if transform is not None:
        box = tuple(transform.apply(p) for p in box)  # type: ignore[assignment]
    confs = word.confidences or [0.97] * len(word.text)
    return TextLine(text=word.text, confidence=round(sum(confs) / max(1, len(confs)), 4),
                    box=box, char_confidences=tuple(confs),
                    char_positions=tuple(round(c, 4) for c in centres))


@dataclass(frozen=True)
class Transform:
    """Card pixels → image pixels: scale then offset (the raw-photo case)."""

    scale: float = 1.0
    dx: float = 0.0
    dy: float = 0.0

    def apply(self, p: tuple[float, float]) -> tuple[float, float]:
        return (round(p[0] * self.scale + self.dx, 2), round(p[1] * self.scale + self.dy, 2))


def _fx(f: float) -> float:
    return f * WIDTH


def _fy(f: float) -> float:
    return f * HEIGHT


def word_width(word: Word) -> float:
    return sum(char_width(c, word.size) for c in word.text) + sum(word.gap_after)


def merged(label: Word, value: Word) -> Word:
    """Two words read as one line (the gap between them becomes spacing in the line)."""
    gap = max(0.0, value.x - (label.x + word_width(label)))
    label_gaps = label.gap_after or [0.0] * len(label.text)
    value_gaps = value.gap_after or [0.0] * len(value.text)
    gaps = [*label_gaps[:-1], label_gaps[-1] + gap, *value_gaps]
    confs = (label.confidences or [0.97] * len(label.text)) + \
        (value.confidences or [0.97] * len(value.text))
    return Word(label.text + value.text, label.x, value.y, value.size, confs, gaps)


def split(word: Word, at: int) -> list[Word]:
    """A value read as two boxes (cut after `at` characters)."""
    if not 0 < at < len(word.text):
        return [word]
    left_width = sum(char_width(c, word.size) for c in word.text[:at])
    confs = word.confidences or [0.97] * len(word.text)
    return [Word(word.text[:at], word.x, word.y, word.size, confs[:at]),
            Word(word.text[at:], word.x + left_width + word.size * 0.3, word.y, word.size,
                 confs[at:])]


def front_words(person: Identity) -> dict[str, list[Word]]:
    """Each field's label and value words, keyed by field (label first)."""
    y_name, y_sex, y_birth, y_addr, y_num = (_fy(v) for v in (0.125, 0.245, 0.365, 0.485, 0.865))
    birth = person.birth
    birth_words, x = [], _fx(0.19)
    for part in (f"{birth.year}", "年", f"{birth.month}", "月", f"{birth.day}", "日"):
        birth_words.append(Word(part, x, y_birth, VALUE_PX))
        x += sum(char_width(c, VALUE_PX) for c in part) + VALUE_PX * 0.45
    chunks = [person.address[i:i + ADDRESS_CHARS_PER_LINE]
              for i in range(0, len(person.address), ADDRESS_CHARS_PER_LINE)][:3]
    return {
        "name": [Word("姓名", _fx(0.07), y_name, LABEL_PX),
                 Word(person.name, _fx(0.19), y_name, 30)],
        "sex": [Word("性别", _fx(0.07), y_sex, LABEL_PX), Word(person.sex, _fx(0.19), y_sex,
                                                             VALUE_PX)],
        "ethnicity": [Word("民族", _fx(0.36), y_sex, LABEL_PX),
                      Word(person.ethnicity, _fx(0.44), y_sex, VALUE_PX)],
        "birth_date": [Word("出生", _fx(0.07), y_birth, LABEL_PX), *birth_words],
        "address": [Word("住址", _fx(0.07), y_addr, LABEL_PX)] + [
            Word(chunk, _fx(0.19), y_addr + i * VALUE_PX * 1.45, VALUE_PX)
            for i, chunk in enumerate(chunks)],
        "id_number": [Word("公民身份号码", _fx(0.07), y_num, LABEL_PX),
                      Word(person.id_number, _fx(0.345), y_num, NUMBER_PX)],
    }


def back_words(person: Identity) -> dict[str, list[Word]]:
    return {
        "title": [Word("中华人民共和国", _fx(0.36), _fy(0.24), 42),
                  Word("居民身份证", _fx(0.33), _fy(0.45), 62)],
        "issuing_authority": [Word("签发机关", _fx(0.17), _fy(0.745), LABEL_PX),
                              Word(person.authority, _fx(0.38), _fy(0.745), VALUE_PX)],
        "valid_period": [Word("有效期限", _fx(0.17), _fy(0.865), LABEL_PX),
                         Word(person.printed_period, _fx(0.38), _fy(0.865), VALUE_PX)],
    }


@dataclass(frozen=True)
class Variation:
    """How the engine's output departs from one clean line per printed word."""

    merge: frozenset[str] = frozenset()  # fields whose label and first value word are one line
    split: frozenset[str] = frozenset()  # fields whose (first) value word is two boxes
    drop_labels: frozenset[str] = frozenset()
    shuffle_seed: int | None = None
    transform: Transform | None = None
    extra: tuple[Word, ...] = ()


def layout(groups: dict[str, list[Word]], variation: Variation = Variation()) -> list[TextLine]:
    words: list[Word] = []
    for name, group in groups.items():
        label, values = group[0], list(group[1:])
        if name in variation.split and values:
            values = split(values[0], max(1, len(values[0].text) // 2)) + values[1:]
        if name in variation.drop_labels:
            words += values
        elif name in variation.merge and values:
            words += [merged(label, values[0]), *values[1:]]
        else:
            words += [label, *values]
    words += variation.extra
    lines = [to_line(w, variation.transform) for w in words]
    if variation.shuffle_seed is not None:
        random.Random(variation.shuffle_seed).shuffle(lines)
    return lines


def front_lines(person: Identity, variation: Variation = Variation()) -> list[TextLine]:
    return layout(front_words(person), variation)


def back_lines(person: Identity, variation: Variation = Variation()) -> list[TextLine]:
    return layout(back_words(person), variation)


def with_text(words: dict[str, list[Word]], name: str, index: int, text: str,
              confidences: Sequence[float] | None = None) -> dict[str, list[Word]]:
    """A copy with one word's text replaced (a misread), optionally with its confidences."""
    out = {k: list(v) for k, v in words.items()}
    word = out[name][index]
    out[name][index] = replace(word, text=text,
                               confidences=list(confidences) if confidences else None)
    return out


def dump(lines: Iterable[TextLine]) -> list[dict[str, object]]:
    return msgspec.to_builtins(list(lines))  # type: ignore[no-any-return]


def load(data: object) -> list[TextLine]:
    return msgspec.convert(data, list[TextLine])


def identity_with_check(person: Identity, check: str) -> Identity:
    """The same person with a sequence number whose ID ends in `check`."""
    for sequence in range(1, 999):
        candidate = replace(person, sequence=sequence)
        if candidate.id_number.endswith(check):
            return candidate
    raise ValueError(check)


def flatten(groups: dict[str, list[Word]]) -> list[Word]:
    return [w for group in groups.values() for w in group]
