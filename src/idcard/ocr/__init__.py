"""OCR: PP-OCR text detection, line orientation and recognition on numpy + OpenCV.

`OcrEngine.load(settings)` opens the configured model packs (see `packs.toml`;
`idcard models pull` installs them) on the configured runtime. Nothing outside this
package knows which runtime or model runs: callers see `TextLine`s, `DetectedBox`es and
`ModelInfo` only.

Thread safety: one engine may be called from any number of threads at once, and every
call gives exactly the result it would give alone.
- The engine holds no per-call state: every intermediate lives on the calling stack.
- onnxruntime: `InferenceSession.run` is thread-safe, so all threads share one session
  per model (each `run` uses the session's own intra-op thread count).
- OpenVINO: an infer request is not thread-safe, so each calling thread lazily gets its
  own request of the shared compiled model from a `threading.local`.
- Paddle inference: a predictor is not thread-safe, so each calling thread lazily gets
  its own `predictor.clone()` (weights shared) from a `threading.local`.
- Results depend only on the image: batches are formed within one call, never across
  calls, so concurrency cannot change padding and therefore cannot change readings.
"""

from idcard.ocr.engine import (
    DetectedBox,
    ModelInfo,
    OcrEngine,
    OcrResult,
    WayUp,
    WordScores,
    legible,
    require_packs,
)
from idcard.ocr.runtime import line_reads, network_time_ms, tune_allocator

__all__ = ["DetectedBox", "ModelInfo", "OcrEngine", "OcrResult", "WayUp", "WordScores",
           "legible", "line_reads", "network_time_ms", "require_packs", "tune_allocator"]
