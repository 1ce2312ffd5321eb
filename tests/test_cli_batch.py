"""`idcard extract`: one image as before, and batches over files, folders and globs, in
process (the real engine) and against a live service, with the bad inputs a batch meets:
non-images, symlink loops, symlinks leaving the folder, FIFOs, files that vanish."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from live_server import live_server
from pdfs import pdf_of_images

import idcard.batch.run as batch_run
from idcard.api.keys import add_key
from idcard.batch.inputs import expand
from idcard.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LABELS: dict[str, dict[str, Any]] = {
    entry["file"]: entry
    for entry in json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
}
FRONT, BACK = "front_clean_000.jpg", "back_clean_002.jpg"
OUR_PORTS = range(8450, 8500)


def records(path: Path) -> dict[str, dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {Path(r["path"]).name: r for r in map(json.loads, lines)}


def folder_of(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in names:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


# -- one image, as before --------------------------------------------------------------------

def test_one_image_prints_its_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(FIXTURES / FRONT)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["side"] == "front"
    assert printed["fields"]["id_number"]["value"] == LABELS[FRONT]["fields"]["id_number"]
    assert "pages" not in printed


def test_one_image_raw_prints_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--raw", str(FIXTURES / FRONT)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(LABELS[FRONT]["fields"]["id_number"] in line for line in lines)
    assert all("\t" in line for line in lines)


def test_one_pdf_prints_its_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(pdf_of_images(FIXTURES / FRONT, FIXTURES / BACK))
    assert main(["extract", str(pdf)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["side"] == "both"
    assert [(p["page"], p["side"]) for p in printed["pages"]] == [(1, "front"), (2, "back")]


# -- batches in process ----------------------------------------------------------------------

def test_folder_batch_with_bad_inputs(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = folder_of(tmp_path, FRONT, BACK)
    sub = folder / "sub"
    sub.mkdir()
    (sub / "notes.txt").write_text("not an image", encoding="utf-8")
    (sub / "up").symlink_to("..")  # a loop back to the top: walked once
    (sub / "loop").symlink_to("loop")  # a symlink to itself
    outside = tmp_path / "outside.jpg"
    shutil.copy(FIXTURES / FRONT, outside)
    (sub / "outside.jpg").symlink_to(outside)  # leaves the folder: never read
    os.mkfifo(sub / "pipe")  # opening it to read would block
    (folder / ".hidden.jpg").write_bytes(b"skipped")
    out = tmp_path / "results.jsonl"
    assert main(["extract", str(folder), "--out", str(out), "--jobs", "2"]) == 0
    got = records(out)
    assert set(got) == {FRONT, BACK, "notes.txt", "loop", "outside.jpg", "pipe"}
    assert got[FRONT]["ok"] and got[FRONT]["fields"]["id_number"]["value"] == \
        LABELS[FRONT]["fields"]["id_number"]
    assert got[BACK]["ok"] and got[BACK]["side"] == "back"
    assert got["notes.txt"]["error"]["code"] == "unsupported_media_type"
    assert got["loop"]["error"]["code"] == "file_unreadable"
    assert got["outside.jpg"]["error"]["code"] == "outside_paths"
    assert got["pipe"]["error"]["code"] == "not_a_file"
    assert not any(r["ok"] for r in got.values() if os.path.realpath(r["path"]) == str(outside))
    summary = capsys.readouterr().err
    assert "cards read:    2" in summary
    assert "errors:        4" in summary and "outside_paths 1" in summary
    assert "review needed:" in summary and "cards/s" in summary


def test_a_file_that_vanishes_mid_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = folder_of(tmp_path, FRONT, "front_clean_002.jpg")

    def listed_then_removed(paths: list[str]) -> Any:
        found = expand(paths)
        (folder / "front_clean_002.jpg").unlink()  # gone after listing, before reading
        return found

    monkeypatch.setattr(batch_run, "expand", listed_then_removed)
    out = tmp_path / "r.jsonl"
    assert main(["extract", str(folder), "--out", str(out)]) == 0
    got = records(out)
    assert got[FRONT]["ok"]
    assert got["front_clean_002.jpg"]["error"]["code"] == "file_unreadable"
    assert "the file is gone" in got["front_clean_002.jpg"]["error"]["detail"]


def test_glob_csv_and_resume(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = folder_of(tmp_path, FRONT)
    (folder / "skip.txt").write_text("x", encoding="utf-8")
    out = tmp_path / "results.csv"
    pattern = str(folder / "*.jpg")
    assert main(["extract", pattern, "--out", str(out)]) == 0
    shutil.copy(FIXTURES / BACK, folder / BACK)
    capsys.readouterr()
    assert main(["extract", pattern, "--out", str(out), "--resume"]) == 0
    assert "1 inputs already there, skipped" in capsys.readouterr().err
    with out.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [Path(r["path"]).name for r in rows] == [FRONT, BACK]  # each once, no .txt
    assert rows[0]["id_number"] == LABELS[FRONT]["fields"]["id_number"]
    assert rows[1]["side"] == "back" and rows[1]["ok"] == "true"


def test_missing_paths_are_recorded_not_fatal(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.jsonl"
    assert main(["extract", str(tmp_path / "nope.jpg"), str(tmp_path / "*.png"),
                 "--out", str(out)]) == 0
    codes = [r["error"]["code"] for r in records(out).values()]
    assert codes == ["file_unreadable", "file_unreadable"]


def test_batch_to_stdout_without_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(FIXTURES / FRONT), str(FIXTURES / BACK)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(Path(r["path"]).name for r in lines) == sorted([FRONT, BACK])


# -- against a running service ---------------------------------------------------------------

def test_batch_against_a_live_service_with_a_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "keys.toml"
    key = add_key(keys, "batch")
    folder = folder_of(tmp_path, FRONT, BACK)
    (folder / "card.pdf").write_bytes(pdf_of_images(FIXTURES / FRONT))
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    with live_server(ports=OUR_PORTS, api_keys_file=keys, pool_size=1,
                     timeout_s=300.0) as url:
        dead = "http://127.0.0.1:9"  # nothing listens there: left out with a warning
        out = tmp_path / "r.jsonl"
        monkeypatch.setenv("IDCARD_API_KEY", key)
        assert main(["extract", str(folder), "--url", url, "--url", dead,
                     "--out", str(out)]) == 0
        got = records(out)
        assert got[FRONT]["ok"] and got[FRONT]["request_id"]
        assert got[FRONT]["fields"]["name"]["value"] == LABELS[FRONT]["fields"]["name"]
        assert got[BACK]["side"] == "back"
        assert got["card.pdf"]["pages"] == [{"page": 1, "side": "front", "dpi": 200.0}]
        assert got["notes.txt"]["error"]["code"] == "unsupported_media_type"
        err = capsys.readouterr().err
        assert f"{dead} does not answer" in err and "cards read:    3" in err
        monkeypatch.delenv("IDCARD_API_KEY")
        unkeyed = tmp_path / "unkeyed.jsonl"
        assert main(["extract", str(folder / FRONT), "--url", url,
                     "--out", str(unkeyed)]) == 0
        assert records(unkeyed)[FRONT]["error"]["code"] == "unauthorized"


def test_no_service_answering_cannot_run(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(FIXTURES / FRONT), "--url", "http://127.0.0.1:9"]) == 1
    assert "no service answered" in capsys.readouterr().err


# -- inputs alone (no reading) ---------------------------------------------------------------

def test_recursive_glob_through_a_symlink_loop_ends_with_each_file_once(tmp_path: Path) -> None:
    folder = folder_of(tmp_path, FRONT)
    (folder / "deeper").mkdir()
    shutil.copy(FIXTURES / BACK, folder / "deeper" / BACK)
    (folder / "deeper" / "again").symlink_to("..")
    found = expand([str(folder / "**" / "*.jpg"), str(folder)])
    assert sorted(Path(i.path).name for i in found) == sorted([FRONT, BACK])
    assert all(i.error is None for i in found)


def test_a_reader_that_stops_reading_ends_the_command_quietly() -> None:
    """`idcard extract card.jpg | head -c 100`: the reader closes the pipe before the
    JSON is written; the command exits 0 without a traceback."""
    command = [sys.executable, "-m", "idcard", "extract",
               str(FIXTURES / "front_clean_000.jpg")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # gone before the reading is printed
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors
