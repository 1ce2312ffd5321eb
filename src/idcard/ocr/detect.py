"""DB text detection: the network's input tensor, and boxes from its probability map."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import pyclipper

from idcard.ocr.geometry import QuadArray, order_clockwise
from idcard.ocr.image import BgrImage
from idcard.ocr.runtime import FloatArray

_STRIDE = 32  # the network downsamples by 32: both input sides must be multiples of it
_DILATE_KERNEL = np.ones((2, 2), dtype=np.uint8)


@dataclass(frozen=True)
class DetectionParams:
    limit: int  # longest input side
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    pixel_thresh: float = 0.3  # probability above which a pixel is text
    box_thresh: float = 0.5  # mean probability inside a box to keep it
    unclip_ratio: float = 1.6  # how far the shrunk text kernel grows back out
    max_candidates: int = 1000
    min_side: float = 3.0  # boxes thinner than this (map pixels) are noise


@dataclass(frozen=True)
class Detection:
    box: QuadArray  # in source image pixels, clockwise from top-left
    score: float


def input_size(height: int, width: int, limit: int) -> tuple[int, int]:
    """Network input (height, width): scaled so the longest side is at most `limit`, each
    side a multiple of 32 and at least 32 (so tiny or very thin images still run)."""
    ratio = min(1.0, limit / max(height, width))
    cap = max(_STRIDE, limit // _STRIDE * _STRIDE)

    def side(length: int) -> int:
        rounded = round(int(length * ratio) / _STRIDE) * _STRIDE
        return min(cap, max(_STRIDE, rounded))

    return side(height), side(width)


def input_tensor(image: BgrImage, params: DetectionParams) -> FloatArray:
    """(1, 3, H, W) float32, normalised with the pack's mean/std (applied to BGR order,
    as PaddleOCR does)."""
    height, width = input_size(image.shape[0], image.shape[1], params.limit)
    resized = cv2.resize(image, (width, height))
    std = np.asarray(params.std, dtype=np.float32)
    scale = 1.0 / (255.0 * std)
    offset = np.asarray(params.mean, dtype=np.float32) / std
    # Channel by channel into the tensor (a strided channel of the interleaved image
    # is slow to read): the same float32 products and differences, written in place.
    tensor = np.empty((1, 3, height, width), dtype=np.float32)
    for channel, plane in enumerate(cv2.split(resized)):
        np.multiply(plane, scale[channel], out=tensor[0, channel])
        np.subtract(tensor[0, channel], offset[channel], out=tensor[0, channel])
    return tensor


def boxes_from_map(probability: FloatArray, source_shape: tuple[int, int],
                   params: DetectionParams) -> list[Detection]:
    """Text boxes in source pixels from the (H, W) probability map."""
    mask = (probability > params.pixel_thresh).astype(np.uint8)
    mask = np.asarray(cv2.dilate(mask, _DILATE_KERNEL), dtype=np.uint8)
    contours, _ = cv2.findContours(mask * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    map_h, map_w = probability.shape
    src_h, src_w = source_shape
    scale = np.array([src_w / map_w, src_h / map_h], dtype=np.float32)
    found: list[Detection] = []
    for contour in contours[: params.max_candidates]:
        kernel, short_side = _min_area_box(contour)
        if short_side < params.min_side:
            continue
        score = _mean_inside(probability, kernel)
        if score < params.box_thresh:
            continue
        grown, short_side = _min_area_box(_unclip(kernel, params.unclip_ratio))
        if short_side < params.min_side + 2:
            continue
        box = _to_source(grown, scale, src_w, src_h)
        if box is not None:
            found.append(Detection(box=box, score=score))
    return found


def _min_area_box(points: npt.NDArray[np.generic]) -> tuple[QuadArray, float]:
    """The minimum-area rectangle around `points`, top-left first, and its short side."""
    rect = cv2.minAreaRect(points.reshape(-1, 1, 2).astype(np.float32))
    corners = cv2.boxPoints(rect)
    by_x = corners[np.argsort(corners[:, 0], kind="stable")]
    first, fourth = (0, 1) if by_x[1][1] > by_x[0][1] else (1, 0)
    second, third = (2, 3) if by_x[3][1] > by_x[2][1] else (3, 2)
    box = np.array([by_x[first], by_x[second], by_x[third], by_x[fourth]], dtype=np.float32)
    return box, float(min(rect[1]))


def _mean_inside(probability: FloatArray, box: QuadArray) -> float:
    """Mean probability inside the box (over its bounding rectangle, masked)."""
    map_h, map_w = probability.shape
    xs, ys = box[:, 0], box[:, 1]
    x_min = _on_map(math.floor(float(xs.min())), map_w)
    x_max = _on_map(math.ceil(float(xs.max())), map_w)
    y_min = _on_map(math.floor(float(ys.min())), map_h)
    y_max = _on_map(math.ceil(float(ys.max())), map_h)
    mask = np.zeros((y_max - y_min + 1, x_max - x_min + 1), dtype=np.uint8)
    shifted = box - np.array([x_min, y_min], dtype=np.float32)
    cv2.fillPoly(mask, [shifted.astype(np.int32)], 1)
    window = probability[y_min : y_max + 1, x_min : x_max + 1]
    return float(cv2.mean(window, mask)[0])


def _on_map(index: int, size: int) -> int:
    # Plain integers: numpy's clip on a scalar costs more than the whole comparison.
    return min(max(index, 0), size - 1)


def _unclip(box: QuadArray, ratio: float) -> npt.NDArray[np.int64]:
    """Grow the text kernel outwards by area * ratio / perimeter (the DB paper's rule)."""
    area = abs(float(cv2.contourArea(box)))
    perimeter = float(cv2.arcLength(box.reshape(-1, 1, 2), True))
    distance = area * ratio / perimeter if perimeter > 0 else 0.0
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(box.tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    paths = offset.Execute(distance)
    if not paths:
        return box.astype(np.int64)
    return np.concatenate([np.asarray(p, dtype=np.int64) for p in paths])


def _to_source(box: QuadArray, scale: npt.NDArray[np.float32], src_w: int,
               src_h: int) -> QuadArray | None:
    """Map pixels to whole source pixels inside the image; None if under 4 px a side."""
    scaled = np.rint(box * scale)
    scaled[:, 0] = np.clip(scaled[:, 0], 0, src_w)
    scaled[:, 1] = np.clip(scaled[:, 1], 0, src_h)
    ordered = order_clockwise(scaled)
    ordered[:, 0] = np.clip(ordered[:, 0], 0, src_w - 1)
    ordered[:, 1] = np.clip(ordered[:, 1], 0, src_h - 1)
    width = int(np.linalg.norm(ordered[0] - ordered[1]))
    height = int(np.linalg.norm(ordered[0] - ordered[3]))
    if width <= 3 or height <= 3:
        return None
    return ordered
