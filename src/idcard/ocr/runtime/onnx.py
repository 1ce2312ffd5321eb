"""onnxruntime sessions. `InferenceSession.run` is thread-safe, so one session serves all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from idcard.ocr.runtime import FloatArray, timed_run


class OnnxNetwork:
    def __init__(self, model: Path, threads: int) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Input shapes change with every image and line batch: an arena would keep the
        # largest allocation ever seen for the life of the process.
        options.enable_cpu_mem_arena = False
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Each session owns a thread pool; spinning workers of the model that just ran
        # would steal the cores from the next model (det → cls → rec): ~25% slower on 2.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._output = self._session.get_outputs()[0].name

    def run(self, batch: FloatArray) -> FloatArray:
        with timed_run():
            outputs = self._session.run([self._output], {self._input: batch})
        result: FloatArray = np.asarray(outputs[0], dtype=np.float32)
        return result
