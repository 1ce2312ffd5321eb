"""OpenVINO compiled models on CPU (the `.[openvino]` extra).

An infer request is not thread-safe, so each calling thread lazily gets its own from a
`threading.local` (requests of one compiled model share its weights and kernels).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from idcard.ocr.runtime import FloatArray, timed_run

# OpenVINO's CPU default on processors with bf16 units is bf16 inference, which changes
# recognised text (曹轩国 → 曹轩國): every model runs in f32, as on onnxruntime.
_PRECISION = "f32"


class OpenVinoNetwork:
    def __init__(self, model: Path, threads: int) -> None:
        import openvino

        core = openvino.Core()
        self._compiled = core.compile_model(core.read_model(str(model)), "CPU", {
            "INFERENCE_PRECISION_HINT": _PRECISION,
            # One stream of `threads` threads, like one onnxruntime session's intra-op
            # pool; no pinning, so worker threads of several models never fight over a
            # core they each claim.
            "INFERENCE_NUM_THREADS": threads,
            "NUM_STREAMS": 1,
            "PERFORMANCE_HINT": "LATENCY",
            "ENABLE_CPU_PINNING": False,
        })
        self._local = threading.local()

    def _request(self) -> Any:
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._compiled.create_infer_request()
            self._local.request = request
        return request

    def run(self, batch: FloatArray) -> FloatArray:
        request = self._request()
        with timed_run():
            request.infer({0: np.ascontiguousarray(batch)})
        # Copied: the request reuses its output buffer on the next call.
        result: FloatArray = np.array(request.get_output_tensor(0).data, dtype=np.float32)
        return result
