"""Paddle inference predictors (oneDNN on CPU).

A Paddle predictor is not thread-safe, so each calling thread gets its own
`predictor.clone()` (clones share the loaded weights) kept in a `threading.local`.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from idcard.ocr.runtime import FloatArray, timed_run

# oneDNN caches one compiled kernel set per input shape; shapes vary per image, so keep
# the cache small to bound memory.
_ONEDNN_CACHE_SHAPES = 10


class PaddleNetwork:
    def __init__(self, model: Path, params: Path, threads: int) -> None:
        with warnings.catch_warnings():
            # Paddle warns on import about a missing C++ compiler cache it never uses here.
            warnings.simplefilter("ignore")
            import paddle.inference as inference

        config = inference.Config(str(model), str(params))
        config.disable_gpu()
        config.enable_mkldnn()
        config.set_mkldnn_cache_capacity(_ONEDNN_CACHE_SHAPES)
        config.set_cpu_math_library_num_threads(threads)
        config.disable_glog_info()
        config.switch_use_feed_fetch_ops(False)
        config.enable_memory_optim()
        self._first = inference.create_predictor(config)
        self._clone_lock = threading.Lock()
        self._local = threading.local()
        self._local.predictor = self._first

    def _predictor(self) -> Any:
        predictor = getattr(self._local, "predictor", None)
        if predictor is None:
            with self._clone_lock:
                predictor = self._first.clone()
            self._local.predictor = predictor
        return predictor

    def run(self, batch: FloatArray) -> FloatArray:
        predictor = self._predictor()
        source = predictor.get_input_handle(predictor.get_input_names()[0])
        source.reshape(list(batch.shape))
        source.copy_from_cpu(np.ascontiguousarray(batch))
        with timed_run():
            predictor.run()
        sink = predictor.get_output_handle(predictor.get_output_names()[0])
        result: FloatArray = np.asarray(sink.copy_to_cpu(), dtype=np.float32)
        return result
