"""Write the synthetic line-list fixtures (tests/lines/synthetic/*.json).

Run from the repository root: `python tests/lines/make_fixtures.py`. Each fixture is what an
OCR engine would emit for one failure mode, plus what the rule layer must make of it:

    {"description", "image_size", "side", "lines": [TextLine...],
     "expected": {field: value}, "absent": [field], "warnings": [code], "checks": {name: status}}
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lines.cardlines import (
    HEIGHT,
    VALUE_PX,
    WIDTH,
    Identity,
    Transform,
    Variation,
    Word,
    back_words,
    dump,
    flatten,
    front_words,
    identity_with_check,
    layout,
    merged,
    to_line,
    with_text,
)

OUT = Path(__file__).resolve().parent / "synthetic"

ZHANG = Identity()
AYI = Identity(name="阿依古丽·买买提", sex="女", ethnicity="维吾尔", birth=date(1985, 11, 23),
               address="新疆维吾尔自治区乌鲁木齐市天山区解放南路88号3栋2单元401室",
               region="650102", sequence=246, authority="乌鲁木齐市公安局天山区分局",
               valid_from=date(2012, 6, 30), valid_until=date(2032, 6, 30))
LI = identity_with_check(Identity(name="李娜", sex="女", ethnicity="土家", birth=date(1962, 2, 28),
                                  address="湖南省张家界市永定区大庸桥街道12号",
                                  region="430802", authority="张家界市公安局永定分局",
                                  valid_from=date(2010, 5, 20), valid_until=None), "X")

Case = dict[str, Any]


def case(description: str, lines: list[Any], expected: dict[str, str], *, side: str = "auto",
         size: tuple[int, int] = (WIDTH, HEIGHT), absent: list[str] | None = None,
         warnings: list[str] | None = None, checks: dict[str, str] | None = None) -> Case:
    return {"description": description, "image_size": list(size), "side": side,
            "lines": dump(lines), "expected": expected, "absent": absent or [],
            "warnings": warnings or [], "checks": checks or {}}


ALL_PASS_FRONT = {"id_checksum": "pass", "region_code_known": "pass",
                  "birth_date_matches_id": "pass", "sex_matches_id": "pass",
                  "birth_date_plausible": "pass", "ethnicity_known": "pass"}


def front_clean() -> Case:
    return case("clean front, one line per printed word", layout(front_words(ZHANG)),
                ZHANG.expected_front(), checks=ALL_PASS_FRONT)


def front_merged_everything() -> Case:
    words = front_words(AYI)
    sex_eth = merged(merged(merged(words["sex"][0], words["sex"][1]), words["ethnicity"][0]),
                     words["ethnicity"][1])
    birth = words["birth_date"][0]
    for piece in words["birth_date"][1:]:
        birth = merged(birth, piece)
    lines = [merged(words["name"][0], words["name"][1]), sex_eth, birth,
             merged(words["address"][0], words["address"][1]), *words["address"][2:],
             merged(words["id_number"][0], words["id_number"][1])]
    return case("labels merged with values: 姓名…, 性别男民族维吾尔, 出生1985年11月23日, "
                "公民身份号码…",
                [to_line(w) for w in lines], AYI.expected_front(), checks=ALL_PASS_FRONT)


def front_split_shuffled() -> Case:
    variation = Variation(split=frozenset({"name", "address", "id_number"}), shuffle_seed=7)
    return case("values split into two boxes, lines in random order",
                layout(front_words(AYI), variation), AYI.expected_front())


def front_misread_labels() -> Case:
    words = front_words(ZHANG)
    for name, misread in (("name", "姓容"), ("sex", "性剔"), ("ethnicity", "民旗"),
                          ("birth_date", "岀生"), ("address", "佳址"),
                          ("id_number", "公民身分号玛")):
        words = with_text(words, name, 0, misread)
    return case("every label misread (姓容 性剔 民旗 岀生 佳址 公民身分号玛)",
                layout(words), ZHANG.expected_front())


def front_misread_labels_2() -> Case:
    words = front_words(LI)
    for name, misread in (("name", "娃名"), ("ethnicity", "民康"), ("address", "往址")):
        words = with_text(words, name, 0, misread)
    return case("labels 娃名 民康 往址; X check character", layout(words), LI.expected_front(),
                checks=ALL_PASS_FRONT)


def front_no_labels() -> Case:
    variation = Variation(drop_labels=frozenset(front_words(ZHANG)))
    return case("no label read at all: rows and value shapes only",
                layout(front_words(ZHANG), variation), ZHANG.expected_front())


def front_no_labels_photo() -> Case:
    variation = Variation(drop_labels=frozenset({"name", "sex", "ethnicity", "birth_date"}),
                          transform=Transform(0.7, 260.0, 190.0))
    return case("raw photo (card at 70% in a 1280×960 image), only 住址 and 公民身份号码 read",
                layout(front_words(AYI), variation), AYI.expected_front(), size=(1280, 960))


def front_photo_scaled() -> Case:
    variation = Variation(transform=Transform(1.3, 80.0, 300.0), shuffle_seed=3)
    return case("raw photo, card larger than canonical and offset", layout(front_words(LI),
                variation), LI.expected_front(), size=(1400, 1200))


def front_stray_text() -> Case:
    extra = (
        Word("口", WIDTH * 0.72, HEIGHT * 0.30, 30, [0.41]),
        Word("川一", WIDTH * 0.78, HEIGHT * 0.50, 26, [0.35, 0.3]),
        Word("复印无效", WIDTH * 0.30, HEIGHT * 0.70, 40),
        Word("仅限办理银行开户使用", WIDTH * 0.20, HEIGHT * 0.76, 30),
        Word("≡", WIDTH * 0.95, HEIGHT * 0.02, 20, [0.2]),
    )
    return case("portrait noise, stamps (复印无效, 仅限…使用), background marks",
                layout(front_words(ZHANG), Variation(extra=extra, shuffle_seed=11)),
                ZHANG.expected_front(), checks=ALL_PASS_FRONT)


def front_spaces_fullwidth() -> Case:
    words = front_words(ZHANG)
    words = with_text(words, "name", 1, "张 伟 明")
    words = with_text(words, "address", 0, "住 址")
    number = ZHANG.id_number
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    words = with_text(words, "id_number", 1, spaced.translate(_FULL_WIDTH))
    words["birth_date"][1] = replace(words["birth_date"][1], text="１９９０")
    # The wide year's box swallows 年, so no date is read: the value comes from the number
    # and the checks on the printed birth date have nothing to judge.
    return case("spaces inside values and a label (住 址), full-width digits", layout(words),
                ZHANG.expected_front(), warnings=["birth_date_from_id"],
                checks={**ALL_PASS_FRONT, "birth_date_matches_id": "absent",
                        "birth_date_plausible": "absent"})


_FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def front_confusables() -> Case:
    number = LI.id_number
    misread = number[:3].replace("0", "O") + number[3:8] + "l" + number[9:17] + "x"
    words = with_text(front_words(LI), "id_number", 1, misread)
    words = with_text(words, "birth_date", 1, "l962")
    # The l in the number stands for a 6: the number is repaired (l is a letter, so
    # unsure), and the checks judge it as read: its check character and its date fail.
    return case("number and year with O/l/x read for 0/1/X", layout(words),
                LI.expected_front(), warnings=["id_number_repaired", "birth_date_mismatch"],
                checks={**ALL_PASS_FRONT, "id_checksum": "fail",
                        "birth_date_matches_id": "fail"})


def front_three_line_address() -> Case:
    return case("address wrapping over three lines stops before the number row",
                layout(front_words(AYI)), AYI.expected_front(), checks=ALL_PASS_FRONT)


def front_legacy_number() -> Case:
    old = "420111900307123"
    words = with_text(front_words(ZHANG), "id_number", 1, old)
    expected = {**ZHANG.expected_front(), "id_number": old}
    return case("first-generation 15-digit number", layout(words), expected,
                warnings=["legacy_15_digit_number"],
                checks={"id_checksum": "absent", "birth_date_matches_id": "pass",
                        "sex_matches_id": "pass", "region_code_known": "pass"})


def back_clean() -> Case:
    return case("clean back", layout(back_words(ZHANG)), ZHANG.expected_back(),
                checks={"validity_period_plausible": "pass"})


def back_long_term_misread() -> Case:
    words = with_text(back_words(LI), "valid_period", 1, "2010.05.20-长朗")
    words = with_text(words, "issuing_authority", 0, "签发机美")
    return case("长期 misread as 长朗, label 签发机美", layout(words), LI.expected_back())


def back_separators() -> list[Case]:
    cases = []
    for i, printed in enumerate(("2012.06.30一2032.06.30", "2012-06-30—2032-06-30",
                                 "20120630-20320630", "2012.06.30 - 2032.06.30",
                                 "２０１２.０６.３０-２０３２.０６.３０")):
        words = with_text(back_words(AYI), "valid_period", 1, printed)
        cases.append(case(f"validity period printed/read as {printed}", layout(words),
                          AYI.expected_back(), side="back"))
        cases[-1]["name"] = f"back_separators_{i}"
    return cases


def back_no_labels() -> Case:
    variation = Variation(drop_labels=frozenset({"issuing_authority", "valid_period"}),
                          shuffle_seed=5)
    return case("back without its labels", layout(back_words(AYI), variation),
                AYI.expected_back())


def side_mismatch() -> Case:
    return case("asked for the back, lines are a front", layout(front_words(ZHANG)), {},
                side="back", warnings=["side_mismatch"],
                absent=["name", "id_number"])


def no_lines() -> Case:
    return case("no lines at all", [], {}, warnings=["no_card_text"],
                absent=["name", "id_number", "issuing_authority"])


def only_noise() -> Case:
    words = [Word("复印无效", 100, 100, 40), Word("≡~", 500, 300, 20), Word("ABC", 300, 450, 20)]
    return case("only stamps and marks", [to_line(w) for w in words], {},
                warnings=["no_card_text"], absent=["name", "id_number", "valid_from"])


def two_cards() -> Case:
    second = identity_with_check(replace(AYI, sequence=500), "7")
    lines = layout(front_words(ZHANG)) + layout(front_words(second),
                                                Variation(transform=Transform(1.0, 900.0, 0.0)))
    return case("two fronts side by side in one list: the first is read, with a warning",
                lines, ZHANG.expected_front(), size=(1800, HEIGHT), warnings=["multiple_cards"])


def both_sides() -> Case:
    lines = layout(front_words(AYI)) + layout(back_words(AYI),
                                              Variation(transform=Transform(1.0, 0.0, 700.0)))
    return case("front above back in one list: side both", lines,
                {**AYI.expected_front(), **AYI.expected_back()}, size=(WIDTH, 1300),
                checks={**ALL_PASS_FRONT, "validity_period_plausible": "pass"})


def date_pieces_odd() -> Case:
    words = front_words(ZHANG)
    words["birth_date"] = [words["birth_date"][0],
                           Word("1990年", WIDTH * 0.19, HEIGHT * 0.365, VALUE_PX),
                           Word("3月7日", WIDTH * 0.30, HEIGHT * 0.365, VALUE_PX)]
    return case("birth date read as 1990年 + 3月7日", layout(words), ZHANG.expected_front())


def front_label_words_in_address() -> Case:
    person = replace(ZHANG, address="湖北省武汉市武昌区民族大道出生巷住址小区公民路8号")
    return case("label words (民族, 出生, 住址) inside the address are not labels",
                layout(front_words(person), Variation(shuffle_seed=2)), person.expected_front(),
                checks=ALL_PASS_FRONT)


def front_upside_down_back_below() -> Case:
    back = [to_line(w) for w in flatten(back_words(AYI))]
    turned = [_turn(line, WIDTH, 1300) for line in back]
    return case("front upright above its back turned 180° (a photocopy): side both",
                layout(front_words(AYI)) + turned, {**AYI.expected_front(),
                                                    **AYI.expected_back()},
                size=(WIDTH, 1300))


def _turn(line: Any, width: int, height: int) -> Any:
    """The line as it appears when its card is turned 180° in the lower half of the page."""
    from idcard.text import TextLine
    a, b, c, d = ((width - x, height - y) for x, y in line.box)
    return TextLine(text=line.text, confidence=line.confidence, box=(a, b, c, d),
                    char_confidences=line.char_confidences, char_positions=line.char_positions)


CASES: tuple[Callable[[], Case | list[Case]], ...] = (
    front_clean, front_merged_everything, front_split_shuffled, front_misread_labels,
    front_misread_labels_2, front_no_labels, front_no_labels_photo, front_photo_scaled,
    front_stray_text, front_spaces_fullwidth, front_confusables, front_three_line_address,
    front_legacy_number, back_clean, back_long_term_misread, back_separators, back_no_labels,
    side_mismatch, no_lines, only_noise, two_cards, both_sides, date_pieces_odd,
    front_label_words_in_address, front_upside_down_back_below,
)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    for make in CASES:
        made = make()
        for item in made if isinstance(made, list) else [made]:
            name = item.pop("name", make.__name__)
            (OUT / f"{name}.json").write_text(
                json.dumps(item, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
