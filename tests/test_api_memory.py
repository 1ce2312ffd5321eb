"""The service keeps one malloc arena: `create_app` tunes the allocator before any of the
service's threads allocates, so the OCR worker's freed tensors are not kept a second
time in an arena of its own (peak RSS, README *Latency*)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# In a fresh process: build the app (a reader factory that loads nothing), then let a
# thread allocate as an OCR worker would, and count glibc's arenas (malloc_info's heaps).
PROBE = textwrap.dedent("""
    import ctypes, ctypes.util, os, sys, tempfile, threading
    if {tuned}:
        from idcard.api.app import create_app
        from idcard.config import load_settings
        create_app(load_settings(), reader_factory=lambda: None)
    def work():
        blocks = [ctypes.create_string_buffer(1 << 16) for _ in range(64)]
        del blocks
    thread = threading.Thread(target=work)
    thread.start(); thread.join()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    path = tempfile.mktemp()
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(open(path).read().count("<heap nr="))
    os.unlink(path)
""")


def _arenas(tuned: bool) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE.format(tuned=tuned)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_info")
def test_the_service_threads_share_one_malloc_arena() -> None:
    assert _arenas(tuned=False) >= 2  # the probe sees a thread's own arena
    assert _arenas(tuned=True) == 1
