"""Merging two recognisers' readings of one line (no model needed)."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest

from idcard.extract.pieces import chars_of, confidence_of, piece_from_line
from idcard.ocr.consensus import (
    disputed,
    distrust_changes,
    keep_surer_common,
    merge_readings,
    rare,
    rare_doubts,
    spell_rare,
    with_doubts,
)
from idcard.ocr.recognize import Reading
from idcard.text import TextLine

SMALL = frozenset("四川省雅安市名山区文化路付龚兰顾琴肿赞活吴周误吊")
LARGE = SMALL | frozenset("䶮翀赟湉吳淏")


def reading(chars: list[tuple[str, float, float]]) -> Reading:
    """(character, position, confidence) per character."""
    text = "".join(c for c, _, _ in chars)
    confidences = tuple(c for _, _, c in chars)
    return Reading(text=text, confidence=sum(confidences) / max(1, len(chars)),
                   char_confidences=confidences,
                   char_positions=tuple(p for _, p, _ in chars))


def evenly(text: str, confidence: float = 0.99, skip: str = "") -> Reading:
    step = 1.0 / len(text)
    return reading([(c, (i + 0.5) * step, confidence) for i, c in enumerate(text)
                    if c not in skip])


def merge(a: Reading, b: Reading) -> str:
    return merge_readings(a, b, first_knows=SMALL, second_knows=LARGE).text


def test_a_character_one_model_skipped_is_kept() -> None:
    full = evenly("四川省雅安市名山区文化路")
    skipping = evenly("四川省雅安市名山区文化路", skip="山文")
    assert merge(full, skipping) == "四川省雅安市名山区文化路"
    assert merge(skipping, full) == "四川省雅安市名山区文化路"


def test_a_character_outside_the_first_dictionary_wins_even_when_less_sure() -> None:
    first = reading([("付", 0.2, 0.99), ("龚", 0.5, 0.70), ("兰", 0.8, 0.99)])
    second = reading([("付", 0.2, 0.99), ("䶮", 0.5, 0.61), ("兰", 0.8, 0.99)])
    assert merge(first, second) == "付䶮兰"


def test_the_same_text_read_twice_is_not_doubled_however_far_apart_its_digits() -> None:
    """Two models place a narrow digit differently (0.19 against 0.11 of the line); the
    text they read is the same, so each character is one glyph read twice."""
    first = reading([("1", 0.187, 1.0), ("1", 0.336, 1.0), ("5", 0.486, 1.0), ("号", 0.785, 1.0)])
    second = reading([("1", 0.112, 1.0), ("1", 0.336, 1.0), ("5", 0.486, 1.0),
                      ("号", 0.785, 1.0)])
    assert merge(first, second) == "115号"


def test_between_characters_both_know_the_surer_one_wins() -> None:
    first = reading([("顾", 0.2, 0.99), ("琴", 0.5, 0.99), ("肿", 0.8, 0.90)])
    second = reading([("顾", 0.2, 0.99), ("琴", 0.5, 0.99), ("肿", 0.8, 0.95)])
    assert merge(first, second) == "顾琴肿"
    third = reading([("顾", 0.2, 0.99), ("琴", 0.5, 0.40), ("肿", 0.8, 0.95)])
    assert merge(third, first) == "顾琴肿"


def test_an_unsure_character_seen_by_one_model_only_is_dropped() -> None:
    first = reading([("顾", 0.2, 0.99), ("琴", 0.5, 0.99), ("肿", 0.8, 0.30)])
    second = reading([("顾", 0.2, 0.99), ("琴", 0.5, 0.99)])
    assert merge(first, second) == "顾琴"
    assert merge(second, first) == "顾琴"


def test_one_glyph_read_as_two_characters_is_not_doubled() -> None:
    # The first model read one glyph as two characters a fifth of a pitch apart (乡 as
    # 多乡); its first half pairs with the other model's 乡, the second is the same glyph.
    first = reading([("多", 0.18, 0.49), ("乡", 0.21, 0.94), ("田", 0.38, 0.99),
                     ("家", 0.54, 0.99)])
    second = reading([("乡", 0.18, 0.99), ("田", 0.38, 0.99), ("家", 0.54, 0.99)])
    assert merge(first, second) == "乡田家"
    assert merge(second, first) == "乡田家"
    # Where the pair kept the wrong half, the half both models read wins.
    sure_first = reading([("多", 0.18, 0.995), ("乡", 0.21, 0.94), ("田", 0.38, 0.99),
                          ("家", 0.54, 0.99)])
    assert merge(sure_first, second) == "乡田家"


def test_a_short_value_in_a_wide_crop_keeps_both_characters() -> None:
    # 傈僳 at a fifth of the crop apart; the other model saw only the second, unsure.
    first = reading([("儒", 0.312, 0.37)])
    second = reading([("傈", 0.199, 0.93), ("僳", 0.312, 0.97)])
    both = frozenset("傈僳儒")
    for x, y in ((first, second), (second, first)):
        assert merge_readings(x, y, first_knows=both, second_knows=both).text == "傈僳"


def test_a_stray_mark_beside_a_digit_does_not_double_it() -> None:
    number = "513228195706289268"
    step = 1.0 / len(number)
    second = evenly(number, confidence=1.0)
    first_chars = [(c, (i + 0.5) * step, 1.0) for i, c in enumerate(number)]
    first_chars.insert(12, (":", 12.05 * step, 0.58))  # a mark just before the second 2
    assert merge(reading(first_chars), second) == number
    assert merge(second, reading(first_chars)) == number


def test_spaces_do_not_pair_with_characters() -> None:
    first = reading([("付", 0.1, 0.99), (" ", 0.35, 0.9), ("兰", 0.6, 0.99)])
    second = reading([("付", 0.1, 0.99), ("兰", 0.45, 0.99)])
    assert merge(first, second) == "付兰"


def test_empty_readings() -> None:
    empty = Reading(text="", confidence=0.0, char_confidences=(), char_positions=())
    assert merge(empty, evenly("兰")) == "兰"
    assert merge(evenly("兰"), empty) == "兰"
    assert merge(empty, empty) == ""


def test_two_readers_sure_of_different_characters_make_a_coin_toss() -> None:
    assert disputed(0.99, 0.99) == pytest.approx(0.5)
    assert disputed(0.99, 0.01) > 0.99
    assert 0.0 <= disputed(1.0, 1.0) <= 1.0


def test_a_second_reading_that_differs_is_not_fully_sure() -> None:
    box = ((0.0, 0.0), (30.0, 0.0), (30.0, 10.0), (0.0, 10.0))
    first = TextLine("胡龚", 0.99, box, (0.99, 0.99), (0.25, 0.75))
    second = TextLine("胡䶮", 0.99, box, (0.99, 0.99), (0.25, 0.75))
    judged = distrust_changes(first, second)
    assert judged.char_confidences[0] == 0.99  # the character both read stays sure
    assert judged.char_confidences[1] == pytest.approx(0.5)
    assert distrust_changes(first, first) == first


def with_runner_ups(read: Reading, runner_ups: list[tuple[str, float]]) -> Reading:
    return Reading(text=read.text, confidence=read.confidence,
                   char_confidences=read.char_confidences,
                   char_positions=read.char_positions, runner_ups=tuple(runner_ups))


def test_a_close_rare_second_replaces_its_common_look_alike() -> None:
    primary = reading([("付", 0.25, 0.99), ("赞", 0.75, 0.95)])
    recheck = with_runner_ups(reading([("付", 0.25, 0.99), ("赞", 0.75, 0.59)]),
                              [("忖", 0.01), ("赟", 0.26)])
    spelled = spell_rare(recheck)
    assert spelled.text == "付赟"
    # As sure as the re-check was that one of the two is there.
    assert spelled.char_confidences == pytest.approx((0.99, 0.85))
    assert spelled.char_positions == recheck.char_positions
    # Merged with the primary's look-alike, the character it cannot spell wins.
    assert merge(primary, spelled) == "付赟"


def test_a_common_second_or_a_rare_first_changes_nothing() -> None:
    common = with_runner_ups(reading([("赞", 0.5, 0.5)]), [("活", 0.45)])
    assert spell_rare(common) == common
    # The top choice itself rare: the rule does not apply.
    rare_top = with_runner_ups(reading([("湉", 0.5, 0.5)]), [("赟", 0.45)])
    assert spell_rare(rare_top) == rare_top
    # A traditional form is the same character (the card prints the simplified one).
    traditional = with_runner_ups(reading([("吴", 0.5, 0.6)]), [("吳", 0.35)])
    assert spell_rare(traditional) == traditional


def test_a_rare_second_choice_short_of_replacing_leaves_the_common_one_in_doubt() -> None:
    # 奭 second to 爽 at 0.027 of it: too unlikely to take, too likely to ignore.
    recheck = with_runner_ups(reading([("夏", 0.2, 0.99), ("爽", 0.8, 0.99)]),
                              [("复", 0.5), ("奭", 0.027 * 0.99)])
    assert spell_rare(recheck) == recheck
    doubts = rare_doubts(recheck)
    assert [(place, char) for place, char, _ in doubts] == [(0.8, "爽")]
    # Even odds at the replacing ratio: 0.027 / 0.05 of the way there.
    assert doubts[0][2] == pytest.approx(0.99 / (0.99 + 0.027 * 0.99 / 0.05))
    # The primary read 爽 as sure as can be; the merged character keeps the doubt.
    primary = reading([("夏", 0.21, 0.999), ("爽", 0.79, 1.0)])
    doubted = with_doubts(primary, doubts)
    assert doubted.text == "夏爽"
    assert doubted.char_confidences == pytest.approx((0.999, doubts[0][2]))
    assert doubted.doubt == pytest.approx(doubts[0][2])  # the line as a whole, too
    # Below the band the doubt could not bring the character under 0.98: none is kept.
    faint = with_runner_ups(reading([("爽", 0.5, 0.99)]), [("奭", 0.0005)])
    assert rare_doubts(faint) == ()
    assert with_doubts(primary, ()) == primary


def test_a_rare_rival_behind_a_common_second_choice_leaves_the_character_in_doubt() -> None:
    # 赟 read 赞: the second choice is another common character, 赟 ranks lower at 0.003
    # of 赞. The likeliest rare class, wherever it ranks, is what the doubt weighs.
    read = with_runner_ups(reading([("杜", 0.2, 0.99), ("赞", 0.8, 0.99)]),
                           [("壮", 0.002), ("替", 0.004)])
    assert rare_doubts(read) == ()  # no rare second choice
    rivals = dataclasses.replace(read, rivals=(("杜", 0.0), ("赟", 0.003 * 0.99)))
    doubts = rare_doubts(rivals)
    assert [(place, char) for place, char, _ in doubts] == [(0.8, "赞")]
    assert doubts[0][2] == pytest.approx(1 / (1 + 0.003 / 0.05)) and doubts[0][2] < 0.98
    # A position where no rare class was watched (""): nothing.
    unwatched = dataclasses.replace(read, rivals=(("", 0.0), ("", 0.0)))
    assert rare_doubts(unwatched) == ()


def test_a_value_from_a_doubted_line_is_no_surer_than_the_doubt() -> None:
    # 史邦赟 read 史邦赞 with 赟 behind 赞 at 0.0024: 赞 drops to 0.955, but the mean of
    # the three characters (0.985) would pass the 0.98 review threshold.
    line = TextLine(text="史邦赞", confidence=0.985, box=((0, 0), (90, 0), (90, 30), (0, 30)),
                    char_confidences=(1.0, 1.0, 0.955), char_positions=(0.17, 0.5, 0.83),
                    doubt=0.955)
    piece = piece_from_line(line)
    assert piece is not None
    assert confidence_of(chars_of([piece])) == pytest.approx(0.955)
    undoubted = piece_from_line(msgspec.structs.replace(line, doubt=1.0))
    assert undoubted is not None
    assert confidence_of(chars_of([undoubted])) == pytest.approx(0.985)


def test_rare_means_the_same_whichever_model_reads_first() -> None:
    # 喆 is in the v4 and v6 tiny dictionaries, 赟 in neither: both are rare in the text
    # every model learnt from, so both may win as a close second.
    assert rare("喆") and rare("赟") and rare("䶮") and rare("堃")
    assert not rare("吉") and not rare("赞") and not rare("淼") and not rare("1")
    assert not rare("吳")  # the traditional form of 吴
    assert not rare("—") and not rare("・")  # rare, but no name character
    recheck = with_runner_ups(reading([("吉", 0.25, 0.7), ("吉", 0.75, 0.99)]),
                              [("喆", 0.2), ("古", 0.005)])
    assert spell_rare(recheck).text == "喆吉"


def test_a_traditional_form_wins_no_merge_for_being_unspellable() -> None:
    # The first model cannot write 吳, but the card prints 吴: the surer reading wins.
    first = reading([("付", 0.25, 0.99), ("吴", 0.75, 0.90)])
    second = reading([("付", 0.25, 0.99), ("吳", 0.75, 0.60)])
    assert merge(first, second) == "付吴"


def test_one_character_in_two_scripts_is_the_simplified_one_as_sure_as_either() -> None:
    first = reading([("黃", 0.25, 0.77), ("兰", 0.75, 0.99)])
    second = reading([("黄", 0.25, 0.53), ("兰", 0.75, 0.99)])
    for merged in (merge_readings(first, second, first_knows=SMALL, second_knows=LARGE),
                   merge_readings(second, first, first_knows=SMALL, second_knows=LARGE)):
        assert merged.text == "黄兰"
        assert merged.char_confidences[0] == pytest.approx(0.77)


def test_a_spelled_character_the_primary_did_not_see_at_all_is_kept() -> None:
    # The primary emits nothing for a glyph outside its dictionary (周 then a gap).
    primary = reading([("周", 0.25, 0.99)])
    recheck = with_runner_ups(reading([("周", 0.25, 0.99), ("误", 0.75, 0.50)]),
                              [("吊", 0.0), ("淏", 0.21)])
    assert merge(primary, spell_rare(recheck)) == "周淏"


def test_the_ratio_decides_how_close_a_second_must_be() -> None:
    recheck = with_runner_ups(reading([("活", 0.5, 0.60)]), [("湉", 0.27)])
    assert spell_rare(recheck, ratio=0.4).text == "湉"
    assert spell_rare(recheck, ratio=0.5).text == "活"


def test_without_runner_ups_the_reading_is_kept() -> None:
    plain = reading([("活", 0.5, 0.60)])
    assert spell_rare(plain) == plain


def test_a_second_look_takes_a_common_character_only_where_it_is_surer() -> None:
    box = ((0.0, 0.0), (30.0, 0.0), (30.0, 10.0), (0.0, 10.0))
    first = TextLine("付梦", 0.86, box, (0.99, 0.72), (0.3, 0.8))
    unsure_again = TextLine("附梦", 0.58, box, (0.36, 0.80), (0.2, 0.6))
    assert keep_surer_common(first, unsure_again).text == "付梦"
    sure_again = TextLine("附梦", 0.9, box, (0.995, 0.80), (0.2, 0.6))
    assert keep_surer_common(first, sure_again).text == "附梦"
    # A rare character is what the second look is for: it stays, however sure.
    look_alike = TextLine("付赞", 0.99, box, (0.99, 0.99), (0.3, 0.8))
    rare_again = TextLine("付赟", 0.8, box, (0.99, 0.6), (0.3, 0.8))
    assert keep_surer_common(look_alike, rare_again).text == "付赟"


def test_two_readers_that_disagree_leave_the_winner_less_sure() -> None:
    # Both models can spell both characters: the surer reading wins, but not at its own
    # confidence (a name read 活 by one model and 吊 by the other is not 0.99 sure).
    first = reading([("吴", 0.2, 0.99), ("活", 0.5, 0.70), ("兰", 0.8, 0.99)])
    second = reading([("吴", 0.2, 0.99), ("吊", 0.5, 0.99), ("兰", 0.8, 0.99)])
    merged = merge_readings(first, second, first_knows=SMALL, second_knows=LARGE)
    assert merged.text == "吴吊兰"
    assert merged.char_confidences[1] == pytest.approx(disputed(0.99, 0.70))
    assert merged.char_confidences[1] < 0.98 < merged.char_confidences[0]
    # The line stays as legible as its model read it: a short value two models spell
    # differently (汉 against 汊) must not be dropped for being disputed.
    assert merged.confidence == pytest.approx(0.99)
    # A reader that doubted its own character hardly disputes the other's.
    doubtful = reading([("吴", 0.2, 0.99), ("活", 0.5, 0.05), ("兰", 0.8, 0.99)])
    merged = merge_readings(doubtful, second, first_knows=SMALL, second_knows=LARGE)
    assert merged.char_confidences[1] > 0.999


def test_the_same_characters_pair_in_order_though_one_model_places_them_later() -> None:
    # A generated scan's validity period: the re-check reads a dash the first model did not,
    # and places each digit up to a third of a pitch later. Paired by place alone, 1 went
    # with 2 and the period came out 2011.0414-长长期.
    first = reading([(c, p, 0.99) for c, p in zip(
        "2012.04.14长期", [0.05, 0.116, 0.183, 0.249, 0.316, 0.382, 0.448, 0.482, 0.548,
                         0.615, 0.747, 0.88], strict=True)])
    second = reading([(c, p, 0.99) for c, p in zip(
        "2012.04.14-长期", [0.05, 0.117, 0.218, 0.285, 0.318, 0.385, 0.452, 0.519, 0.552,
                          0.619, 0.686, 0.787, 0.887], strict=True)])
    digits = frozenset("0123456789.-长期")
    merged = merge_readings(first, second, first_knows=digits, second_knows=digits)
    assert merged.text == "2012.04.14-长期"


def test_a_han_character_the_second_look_skipped_is_put_back_disputed() -> None:
    # rarenames-eval front_clean_025: the first look read 东方建湉 (湉 at 0.6), the second
    # 东方建; the merge gave 东方建 at 1.0.
    box = ((0.0, 0.0), (40.0, 0.0), (40.0, 10.0), (0.0, 10.0))
    first = TextLine("东方建湉", 0.9, box, (1.0, 1.0, 1.0, 0.6), (0.1, 0.35, 0.6, 0.85))
    again = TextLine("东方建", 1.0, box, (1.0, 1.0, 1.0), (0.1, 0.35, 0.6))
    merged = keep_surer_common(first, again)
    assert merged.text == "东方建湉"
    assert merged.char_positions == (0.1, 0.35, 0.6, 0.85)
    assert merged.char_confidences[3] == pytest.approx(disputed(0.6, 1.0))
    assert merged.confidence < 0.8
    # Punctuation only the first look has is not put back.
    dotted = TextLine("李淼.", 0.9, box, (1.0, 1.0, 0.5), (0.2, 0.6, 0.9))
    plain = TextLine("李淼", 1.0, box, (1.0, 1.0), (0.2, 0.6))
    assert keep_surer_common(dotted, plain) == plain
