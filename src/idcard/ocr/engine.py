"""The OCR engine: detection → line crops → orientation → recognition."""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import msgspec
import numpy as np
import numpy.typing as npt

from idcard.config import Settings
from idcard.errors import ModelsMissingError
from idcard.ocr import classify, detect, recognize, vocabulary
from idcard.ocr.consensus import merge_readings, rare, rare_doubts, spell_rare, with_doubts
from idcard.ocr.geometry import (
    QuadArray,
    as_quad_array,
    crop_line,
    reading_order,
    reading_quad,
)
from idcard.ocr.image import BgrImage, as_bgr8
from idcard.ocr.packs import (
    ConfiguredPacks,
    PackSpec,
    configured_packs,
    require_pack,
    spec_of,
)
from idcard.ocr.runtime import (
    ONNX_RUNTIME,
    PADDLE_RUNTIME,
    RUNTIME_EXTRAS,
    RUNTIMES,
    Lanes,
    Network,
    count_line_reads,
    open_network,
)
from idcard.text import Quad, TextLine

# Lines the recogniser reads with less confidence than this are noise (PaddleOCR's
# drop_score); boxes the caller names are always returned.
MIN_LINE_CONFIDENCE = 0.5
# At most this many unsure lines per call are read again by the second recogniser.
MAX_RECHECKS = 8
# A line of at least MIN_CHARS_FOR_GAP characters with one gap wider than GAP_RATIO times
# its typical spacing has likely lost a character (measured: 1.8–2.0 for a dropped 赉 or
# 罘, at most 1.67 for dates and periods, whose separators widen the spacing).
MIN_CHARS_FOR_GAP = 4
GAP_RATIO = 1.75
# Upper bound on the detector's input side, whatever the settings say: bounds memory.
MAX_DET_LIMIT = 4096
# What is known of which way up the lines to read lie (OcrEngine.read_text_lines).
WayUp = Literal["each_line", "all_alike", "as_boxed"]

_T = TypeVar("_T")


class DetectedBox(msgspec.Struct, frozen=True):
    quad: Quad  # input pixels, clockwise from top-left
    score: float  # mean text probability inside the box


class ModelInfo(msgspec.Struct, frozen=True):
    det: str
    rec: str
    cls: str
    runtime: str


class OcrResult(msgspec.Struct):
    lines: list[TextLine]
    timings_ms: dict[str, float]  # "detect", "classify" (incl. cropping), "recognize"


class WordScores(msgspec.Struct):
    """Per box, each word's probability that the box reads it (ocr.vocabulary)."""

    scores: list[dict[str, float]]
    timings_ms: dict[str, float]  # "recognize" (incl. cropping)


@dataclass(frozen=True)
class _Recogniser:
    network: Network
    characters: list[str]
    params: recognize.RecognitionParams
    model: str
    known: frozenset[str]
    # One-thread copies that share out a read's lines (None: the network reads them all).
    lanes: Lanes | None = None
    # The output classes that spell a rare character (consensus.rare): set on the re-check
    # only, the one model asked for rare rivals (a name's second look); 40 ms to build.
    rare_classes: npt.NDArray[np.bool_] | None = None

    def read(self, crops: list[BgrImage], runner_ups: bool = False,
             alphabet: str | None = None,
             rare_rivals: bool = False) -> list[recognize.Reading]:
        """`rare_rivals`: each character's likeliest rare rival too (Reading.rivals)."""
        return recognize.recognize(crops, self.network, self.characters, self.params,
                                   runner_ups, alphabet, self.lanes,
                                   self.rare_classes if rare_rivals else None)

    def word_scores(self, crops: list[BgrImage],
                    vocabularies: list[Sequence[str]]) -> list[dict[str, float]]:
        """Each crop's probability of reading each word of its vocabulary; 0 for a word
        with a character this model cannot spell."""
        index = {char: i for i, char in enumerate(self.characters) if i != vocabulary.BLANK}
        matrices = recognize.probabilities(crops, self.network, self.params, self.lanes)
        scores: list[dict[str, float]] = []
        for matrix, words in zip(matrices, vocabularies, strict=True):
            spelt = [w for w in words if w and all(c in index for c in w)]
            found = vocabulary.word_probabilities(matrix, [[index[c] for c in w] for w in spelt])
            scores.append(dict.fromkeys(words, 0.0)
                          | {w: float(p) for w, p in zip(spelt, found, strict=True)})
        return scores


@dataclass(frozen=True)
class _Line:
    box: QuadArray
    crop: BgrImage
    quarter_turned: bool


class _Memo:
    """The last few detections and oriented line crops, by the image they were made of:
    the thorough step reads a view again, with another recogniser, and its boxes and
    crops are the ones the fast recogniser's read found (a fifth of its time). Shared by
    an engine and its thorough twin, one worker's; each entry holds its image, so no
    other array can take its identity while it is remembered."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._items: OrderedDict[tuple[object, ...], tuple[np.ndarray, object]] = OrderedDict()

    def recall(self, image: np.ndarray, key: tuple[object, ...],
               make: Callable[[], _T]) -> _T:
        # A sparse sample of the pixels as well: an image changed in place is not the same.
        full = (id(image), image.shape, hash(image[::23, ::29].tobytes()), *key)
        found = self._items.get(full)
        if found is not None and found[0] is image:
            self._items.move_to_end(full)
            return found[1]  # type: ignore[return-value]
        value = make()
        self._items[full] = (image, value)
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return value


def require_packs(settings: Settings) -> ConfiguredPacks:
    """Check the configured packs are installed; ModelsMissingError names the fix."""
    runtime = settings.runtime
    if runtime not in RUNTIMES:
        raise ModelsMissingError(
            f"unknown OCR runtime {runtime!r} (IDCARD_RUNTIME): "
            f"use one of {', '.join(repr(name) for name in RUNTIMES)}"
        )
    packs = configured_packs(settings)
    for name in packs:
        if name:
            require_pack(settings.models_dir, name)
    return packs


class OcrEngine:
    """Reads text lines from images. Safe to share between threads (see package docs)."""

    def __init__(self, *, det: Network, cls: Network, rec: _Recogniser,
                 det_params: detect.DetectionParams, info: ModelInfo,
                 recheck: _Recogniser | None = None, recheck_below: float = 0.0,
                 memo: _Memo | None = None) -> None:
        self._det, self._cls, self._rec = det, cls, rec
        self._det_params = det_params
        self._info = info
        self._recheck = recheck
        self._recheck_below = recheck_below
        self._memo = memo or _Memo()

    @classmethod
    def load(cls, settings: Settings, *, reference_batching: bool = False) -> OcrEngine:
        """Open the configured packs. Raises ModelsMissingError naming the fix.

        `reference_batching` batches recognition exactly as PaddleOCR/RapidOCR do (slower;
        for parity checks against them).
        """
        runtime = settings.runtime
        packs = require_packs(settings)
        det_dir, rec_dir = settings.models_dir / packs.det, settings.models_dir / packs.rec
        det_spec = spec_of(packs.det)
        threads = settings.effective_ocr_threads()
        det, cls_net = _open_detection(runtime, threads, det_dir, rec_dir)
        rec = _open_recogniser(runtime, threads, rec_dir, reference_batching,
                               lanes=not reference_batching)
        recheck = None
        if packs.recheck and not reference_batching:
            # An ONNX pack whatever the main runtime (see `configured_packs`): under
            # Paddle it runs on onnxruntime.
            recheck_runtime = ONNX_RUNTIME if runtime == PADDLE_RUNTIME else runtime
            # It reads a line or two a card, one at a time (see `_open_recogniser`).
            recheck = _open_recogniser(recheck_runtime, threads,
                                       settings.models_dir / packs.recheck, False, lanes=False)
            recheck = dataclasses.replace(recheck, rare_classes=np.array(
                [len(char) == 1 and rare(char) for char in recheck.characters]))
        return cls(
            det=det, cls=cls_net, rec=rec, det_params=_detection_params(det_spec,
                                                                         settings.det_limit),
            info=ModelInfo(det=det_spec.det_model, rec=_rec_name(rec, recheck),
                           cls=spec_of(packs.rec).cls_model, runtime=runtime),
            recheck=recheck, recheck_below=settings.recheck_below,
        )

    def thorough(self, settings: Settings) -> OcrEngine | None:
        """This engine reading with the configured thorough pack's recogniser (None when
        there is none): detection, the line classifier and the re-check are this
        engine's, shared, so only one more recogniser is held in memory."""
        name = require_packs(settings).thorough
        if name is None:
            return None
        rec = _open_recogniser(settings.runtime, settings.effective_ocr_threads(),
                               settings.models_dir / name, False, lanes=True)
        return OcrEngine(det=self._det, cls=self._cls, rec=rec, det_params=self._det_params,
                         info=msgspec.structs.replace(self._info,
                                                      rec=_rec_name(rec, self._recheck)),
                         recheck=self._recheck, recheck_below=self._recheck_below,
                         memo=self._memo)

    @property
    def model_info(self) -> ModelInfo:
        return self._info

    @property
    def recogniser_model(self) -> str:
        """The model that reads every line first (without the re-check's)."""
        return self._rec.model

    def detect_text_lines(self, image: np.ndarray,
                          detect_side: int | None = None) -> list[DetectedBox]:
        """Text-line boxes in reading order (top to bottom, left to right); `detect_side`
        as for `read_text_lines`. Reading these boxes with `read_text_lines(image, boxes)`
        and keeping the `legible` lines gives what `read_text_lines(image)` gives."""
        bgr = as_bgr8(image)
        if bgr is None:
            return []
        return [DetectedBox(quad=_as_quad(d.box), score=d.score)
                for d in self._detected(image, bgr, detect_side)]

    def read_text_lines(self, image: np.ndarray, boxes: list[Quad] | None = None,
                        *, second_opinion: bool = False, rare_characters: bool = False,
                        detect_side: int | None = None,
                        alphabet: str | None = None,
                        settled: Callable[[str], bool] | None = None,
                        way_up: WayUp = "each_line") -> OcrResult:
        """Detect (unless `boxes` are given), orient and read every text line.

        Detected lines come back in reading order, without empty or unconfident readings.
        Given boxes come back one line per box, in the order given (their text may be
        empty), each box taken as its first point is where reading starts.
        Lines with an unsure character are read by a second model as well (when one is
        configured); `second_opinion` asks for that on every line (e.g. a name, whose
        rare characters one model may drop without doubt). `detect_side` caps the longest
        side the detector sees below the configured limit (recognition still reads the
        full-resolution image). `rare_characters` (with `second_opinion`; for names) lets
        the second model's runner-up win where it is a rare character and its first choice
        a common one (consensus.spell_rare). `alphabet` reads only its characters (a
        number's digits across a stamp's strokes): every other class is ignored, and each
        character keeps its probability among all classes as its confidence. `settled`
        says which first readings need no second opinion, however unsure (a label word, a
        stamp's words: print whose reading only has to name it). `way_up` says what is
        known of which way up the lines lie: nothing ("each_line": each is classified);
        that they are one card's print, all alike ("all_alike": the classifier sees the
        widest few, classify.upside_down_together); or that each given box starts where
        its text starts ("as_boxed": a line read before, none is turned).
        """
        timings = {"detect": 0.0, "classify": 0.0, "recognize": 0.0}
        bgr = as_bgr8(image)
        if bgr is None:
            return OcrResult(lines=[], timings_ms=timings)
        if boxes is None:
            found = _timed(timings, "detect", lambda: self._detected(image, bgr, detect_side))
            quads = [d.box for d in found]
        else:
            quads = [as_quad_array(q) for q in boxes]
        lines, flips = _timed(timings, "classify",
                              lambda: self._oriented(image, bgr, quads, way_up))
        readings = _timed(timings, "recognize", lambda: self._read(
            lines, second_opinion, rare_characters, alphabet, settled))
        text_lines = [_text_line(line, flip, reading)
                      for line, flip, reading in zip(lines, flips, readings, strict=True)]
        if boxes is None:
            text_lines = [t for t in text_lines if legible(t)]
        return OcrResult(lines=text_lines, timings_ms=timings)

    def score_words(self, image: np.ndarray, boxes: list[Quad],
                    vocabularies: list[Sequence[str]]) -> WordScores:
        """For each box (upright text, first point top-left) and each word of its
        vocabulary, the probability that the box reads exactly that word (ocr.vocabulary):
        the characters of the vocabulary read in the box are that word's, side by side,
        whatever else is read around them. A box's probabilities sum to at most 1.

        With a second recogniser configured, each probability is the mean of the two
        models' (either may be the one that reads a worn glyph): still a probability.
        """
        timings = {"recognize": 0.0}
        bgr = as_bgr8(image)
        if bgr is None or not boxes:
            return WordScores(scores=[dict.fromkeys(v, 0.0) for v in vocabularies],
                              timings_ms=timings)

        def score() -> list[dict[str, float]]:
            crops = [cropped[0] if (cropped := crop_line(bgr, as_quad_array(box))) is not None
                     else _blank_crop() for box in boxes]
            found = self._rec.word_scores(crops, vocabularies)
            count_line_reads(len(crops), 0)
            if self._recheck is None:
                return found
            other = self._recheck.word_scores(crops, vocabularies)
            count_line_reads(0, len(crops))
            return [{word: (mine[word] + theirs[word]) / 2.0 for word in mine}
                    for mine, theirs in zip(found, other, strict=True)]

        return WordScores(scores=_timed(timings, "recognize", score), timings_ms=timings)

    # -- stages -----------------------------------------------------------------------

    def _read(self, lines: list[_Line], every_line: bool, rare_characters: bool = False,
              alphabet: str | None = None,
              settled: Callable[[str], bool] | None = None) -> list[recognize.Reading]:
        """Read every line; lines with an unsure character get a second opinion, unless
        `settled` accepts their first reading."""
        readings = self._rec.read([line.crop for line in lines], alphabet=alphabet)
        count_line_reads(len(lines), 0)
        if self._recheck is None:
            return readings
        unsure = [i for i, r in enumerate(readings) if every_line or (
            (_least_sure(r) < self._recheck_below or _skips_a_character(r))
            and not (settled is not None and settled(r.text)))]
        if not every_line:
            # A card has about a dozen lines; a page of other text must not cost twice.
            unsure = sorted(unsure, key=lambda i: _least_sure(readings[i]))[:MAX_RECHECKS]
        if not unsure:
            return readings
        second = self._recheck.read([lines[i].crop for i in unsure], rare_characters,
                                    alphabet, rare_rivals=rare_characters)
        count_line_reads(0, len(unsure))
        for index, other in zip(unsure, second, strict=True):
            doubts = rare_doubts(other) if rare_characters else ()
            if rare_characters:
                other = spell_rare(other)
            merged = merge_readings(readings[index], other, first_knows=self._rec.known,
                                    second_knows=self._recheck.known)
            readings[index] = with_doubts(merged, doubts)
        return readings

    def _detected(self, image: np.ndarray, bgr: BgrImage,
                  side: int | None) -> list[detect.Detection]:
        return list(self._memo.recall(image, ("detect", side),
                                      lambda: self._detect(bgr, side)))

    def _oriented(self, image: np.ndarray, bgr: BgrImage, quads: list[QuadArray],
                  way_up: WayUp) -> tuple[list[_Line], list[bool]]:
        where = b"".join(np.asarray(q, np.float32).tobytes() for q in quads)
        lines, flips = self._memo.recall(image, ("orient", where, way_up),
                                         lambda: self._orient(bgr, quads, way_up))
        return list(lines), list(flips)

    def _detect(self, bgr: BgrImage, side: int | None = None) -> list[detect.Detection]:
        params = self._det_params
        if side is not None and 32 <= side < params.limit:
            params = dataclasses.replace(params, limit=side)
        tensor = detect.input_tensor(bgr, params)
        probability = self._det.run(tensor)[0, 0]
        found = detect.boxes_from_map(probability, (bgr.shape[0], bgr.shape[1]), params)
        return [found[i] for i in reading_order([d.box for d in found])]

    def _orient(self, bgr: BgrImage, quads: list[QuadArray],
                way_up: WayUp) -> tuple[list[_Line], list[bool]]:
        lines: list[_Line] = []
        for quad in quads:
            cropped = crop_line(bgr, quad)
            crop, turned = cropped if cropped is not None else (_blank_crop(), False)
            lines.append(_Line(box=quad, crop=crop, quarter_turned=turned))
        if way_up == "as_boxed":
            return lines, [False] * len(lines)
        crops = [line.crop for line in lines]
        flips = classify.upside_down_together(crops, self._cls) if way_up == "all_alike" \
            else classify.upside_down(crops, self._cls)
        for index, flip in enumerate(flips):
            if flip:
                line = lines[index]
                lines[index] = _Line(box=line.box, crop=np.ascontiguousarray(line.crop[::-1, ::-1]),
                                     quarter_turned=line.quarter_turned)
        return lines, flips


def legible(line: TextLine) -> bool:
    """Whether a detected line's reading is kept: neither empty nor unconfident."""
    return bool(line.text.strip()) and line.confidence >= MIN_LINE_CONFIDENCE


def _rec_name(rec: _Recogniser, recheck: _Recogniser | None) -> str:
    return rec.model + (f"+{recheck.model}" if recheck else "")


def _open_detection(runtime: str, threads: int, det_dir: Path,
                    rec_dir: Path) -> tuple[Network, Network]:
    return (_open(runtime, det_dir, "det", threads), _open(runtime, rec_dir, "cls", threads))


def _open_recogniser(runtime: str, threads: int, pack_dir: Path,
                     reference_batching: bool, *, lanes: bool) -> _Recogniser:
    spec = spec_of(pack_dir.name)
    characters = recognize.load_dictionary((pack_dir / "dict.txt").read_text(encoding="utf-8"))
    # With `lanes` and more than one thread, the recogniser is one one-thread copy per
    # thread, and the lines of a read are shared out to them, run side by side
    # (recognize.share_rows): faster than one run on all threads. A lone v4 line reads
    # about as fast on one thread as on two (12.9 against 11.9 ms), so no multi-thread
    # copy is kept; the larger v6 small does not (24.7 against 15.6 ms), and as the
    # re-check it reads lines one or two at a time, so it keeps its threads instead.
    copies = [_open(runtime, pack_dir, "rec", 1) for _ in range(threads)] \
        if lanes and threads > 1 else []
    return _Recogniser(
        network=copies[0] if copies else _open(runtime, pack_dir, "rec", threads),
        lanes=Lanes(copies) if copies else None,
        characters=characters,
        known=frozenset(characters),
        params=recognize.RecognitionParams(height=spec.rec_height,
                                           min_width=spec.rec_min_width
                                           if reference_batching else spec.rec_pad_width,
                                           reference_batching=reference_batching),
        model=spec.rec_model,
    )


def _open(runtime: str, pack_dir: Path, role: str, threads: int) -> Network:
    try:
        return open_network(runtime, pack_dir, role, threads)
    except ImportError as exc:
        raise ModelsMissingError(
            f"runtime {runtime!r} is not installed ({exc.name}): "
            f"pip install 'idcard[{RUNTIME_EXTRAS.get(runtime, runtime)}]'") from exc


def _detection_params(spec: PackSpec, det_limit: int) -> detect.DetectionParams:
    return detect.DetectionParams(limit=max(32, min(det_limit, MAX_DET_LIMIT)),
                                  mean=spec.det_mean, std=spec.det_std,
                                  box_thresh=spec.det_box_thresh,
                                  unclip_ratio=spec.det_unclip_ratio)


def _timed(timings: dict[str, float], stage: str, work: Callable[[], _T]) -> _T:
    start = time.perf_counter()
    result = work()
    timings[stage] += (time.perf_counter() - start) * 1000.0
    return result


def _skips_a_character(reading: recognize.Reading) -> bool:
    """A gap between two characters as wide as a missing one: a recogniser emits nothing,
    with full confidence, for a glyph outside its dictionary (镇赉县 → 镇县)."""
    positions = reading.char_positions
    if len(positions) < MIN_CHARS_FOR_GAP:
        return False
    spacing = np.diff(np.asarray(positions))
    typical = float(np.median(spacing))
    return typical > 0 and float(spacing.max()) > GAP_RATIO * typical


def _least_sure(reading: recognize.Reading) -> float:
    """The confidence of the reading's least sure character, spaces left out: a space's
    says only how wide a gap between characters is (月7 日), not what is printed, and a
    re-check of a line all of whose characters were read surely would read it again for
    nothing (a v6 small read of a date line costs about 18 ms)."""
    text, confidences = reading.text, reading.char_confidences
    printed = [c for char, c in zip(text, confidences, strict=True) if not char.isspace()] \
        if len(text) == len(confidences) else list(confidences)
    return min(printed or confidences, default=0.0)


def _blank_crop() -> BgrImage:
    # A degenerate box still gets a reading (an empty one) so given boxes map 1:1 to lines.
    return np.full((8, 8, 3), 255, dtype=np.uint8)


def _as_quad(box: QuadArray) -> Quad:
    return reading_quad(box, quarter_turned=False, upside_down=False)


def _text_line(line: _Line, flipped: bool, reading: recognize.Reading) -> TextLine:
    return TextLine(
        text=reading.text,
        confidence=reading.confidence,
        box=reading_quad(line.box, line.quarter_turned, flipped),
        char_confidences=reading.char_confidences,
        char_positions=reading.char_positions,
        doubt=reading.doubt,
    )
