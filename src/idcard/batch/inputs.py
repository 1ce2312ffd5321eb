"""The inputs of a batch: files, folders (recursive) and glob patterns, in the order given.

No file outside the given paths is read. A file named on the command line, or matched by
a glob, is read as given (a symlink too: the caller named it). Inside a folder:
- a symlink is followed only when its target lies inside that folder; one that leaves it
  is reported (`outside_paths`), never read;
- a folder reached twice (a symlink back up the tree, a loop) is walked once;
- a broken symlink or a symlink loop is reported (`file_unreadable`);
- hidden entries (`.name`) are skipped;
- anything but a regular file or a folder (a FIFO, a socket, a device) is reported
  (`not_a_file`): opening a FIFO would block the batch.
The same file reached by two paths is read once.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from idcard.codes import BatchCode


@dataclass(frozen=True, slots=True)
class Input:
    path: str
    # (code, detail) when the path cannot be read at all; the batch records it and goes on.
    error: tuple[BatchCode, str] | None = None


def expand(arguments: Sequence[str]) -> list[Input]:
    found: list[Input] = []
    seen: set[str] = set()
    for item in _expanded(arguments):
        key = os.path.realpath(item.path) if item.error is None else item.path
        if key not in seen:
            seen.add(key)
            found.append(item)
    return found


def _expanded(arguments: Sequence[str]) -> Iterator[Input]:
    for argument in arguments:
        if os.path.lexists(argument):
            yield from _given(Path(argument))
        elif glob.has_magic(argument):
            # glob follows symlinked folders under `**`; a loop ends at the kernel's symlink
            # limit and its repeats are dropped by `expand`.
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                yield Input(argument, ("file_unreadable", "no file matches the pattern"))
            for match in matches:
                yield from _given(Path(match))
        else:
            yield Input(argument, ("file_unreadable", "no such file or folder"))


def _given(path: Path) -> Iterator[Input]:
    if path.is_dir():
        root = path.resolve()
        stat = root.stat()
        yield from _walk(path, root, {(stat.st_dev, stat.st_ino)})
    else:
        yield Input(str(path))  # a regular file, or an error when it is read


def _walk(folder: Path, root: Path, walked: set[tuple[int, int]]) -> Iterator[Input]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Input(str(folder), ("file_unreadable", f"the folder cannot be listed: "
                                                     f"{exc.strerror or exc}"))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        problem = _symlink_problem(path, root) if entry.is_symlink() else None
        if problem is not None:
            yield Input(str(path), problem)
            continue
        try:
            if entry.is_dir():
                stat = entry.stat()
                key = (stat.st_dev, stat.st_ino)
                if key not in walked:
                    walked.add(key)
                    yield from _walk(path, root, walked)
            elif entry.is_file():
                yield Input(str(path))
            else:
                yield Input(str(path), ("not_a_file", "not a regular file or a folder"))
        except OSError as exc:
            yield Input(str(path), ("file_unreadable", exc.strerror or str(exc)))


def _symlink_problem(path: Path, root: Path) -> tuple[BatchCode, str] | None:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: a loop, on Python < 3.13
        return ("file_unreadable", "a broken symlink or a symlink loop")
    if not target.is_relative_to(root):
        return ("outside_paths", "a symlink to outside the given folder; not followed")
    return None
