"""API keys: a TOML file of named keys, stored as SHA-256 hashes, with per-key quotas.

    [keys.kyc-portal]
    sha256 = "9f86d08…"          # of the key; the key itself is never stored
    created = "2026-11-30T01:52:55Z"
    rate = 20.0                  # optional: requests per second (default IDCARD_RATE_LIMIT)
    burst = 40                   # optional: requests at once (default IDCARD_RATE_BURST)

Keys are 256 random bits, so a plain SHA-256 is enough to store them (a slow password
hash buys nothing against a key that cannot be guessed, and would make every request
pay for it). A presented key is hashed and compared with every stored hash in constant
time (`hmac.compare_digest`, no early exit), so timing tells nothing about which byte or
which key was close.

The service re-reads the file when it changes (checked at most every few seconds), so
`idcard keys add|revoke`, or a new Kubernetes Secret, take effect without a restart; a
changed file that is broken is refused with one error line and the keys loaded before
stay in force.

No Litestar in here: `idcard keys …` uses this module without loading the web stack.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec

KEY_PREFIX = "idk_"
_KEY_BYTES = 32
_VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_FILE_MODE = 0o600
# How often the service looks at the key file's stamp (one stat call) for changes.
RELOAD_CHECK_S = 5.0

log = logging.getLogger("idcard.keys")


class KeyFileError(Exception):
    """The key file cannot be used; the message names the file and the reason."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"API key file {path}: {reason}")
        self.path = path


class StoredKey(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sha256: str
    created: str = ""
    rate: float | None = None
    burst: int | None = None


class _KeyFileDocument(msgspec.Struct, forbid_unknown_fields=True):
    keys: dict[str, StoredKey] = msgspec.field(default_factory=dict)


@dataclass(frozen=True)
class Quota:
    """Requests per second, and how many may come at once."""

    rate: float
    burst: int


@dataclass(frozen=True)
class KeyRing:
    """The loaded key file: who may call, and with which quota."""

    path: Path
    keys: dict[str, StoredKey]

    def identify(self, presented: str) -> str | None:
        """The name of the key `presented` is, or None. Constant time in the key's bytes."""
        digest = hash_key(presented).encode("ascii")
        found: str | None = None
        for name, stored in self.keys.items():
            # Every stored hash is compared, match or not: no early exit to time.
            if hmac.compare_digest(digest, stored.sha256.encode("ascii")):
                found = name
        return found

    def quota_for(self, name: str, default: Quota) -> Quota:
        stored = self.keys.get(name)
        if stored is None:
            return default
        return Quota(rate=stored.rate if stored.rate is not None else default.rate,
                     burst=stored.burst if stored.burst is not None else default.burst)


class ReloadingKeyRing:
    """The key file as last read successfully, re-read when its stamp changes."""

    def __init__(self, path: Path, check_every_s: float | None = None) -> None:
        self.path = path
        self._check_every_s = RELOAD_CHECK_S if check_every_s is None else check_every_s
        self._stamp = _stamp(path)
        self._ring = load_key_ring(path)  # at start-up a bad file stops the service
        self._next_check = time.monotonic() + self._check_every_s

    def current(self) -> KeyRing:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self._check_every_s
            self._reload_if_changed()
        return self._ring

    def _reload_if_changed(self) -> None:
        try:
            stamp = _stamp(self.path)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        self._stamp = stamp  # a broken file is reported once, not at every check
        try:
            ring = load_key_ring(self.path)
        except KeyFileError as exc:
            log.error("%s; keeping the %d key(s) loaded before", exc, len(self._ring.keys))
            return
        self._ring = ring
        log.info("API key file %s re-read: %d key(s)", self.path, len(ring.keys))


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()  # follows symlinks: a Kubernetes Secret swaps its target
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(_KEY_BYTES)


# -- reading ------------------------------------------------------------------------------

def load_key_ring(path: Path) -> KeyRing:
    """Read and check the key file; any problem raises `KeyFileError` naming the file."""
    return KeyRing(path=path, keys=_read_keys(path, must_exist=True))


def _read_keys(path: Path, *, must_exist: bool) -> dict[str, StoredKey]:
    try:
        info = path.stat()
    except FileNotFoundError:
        if must_exist:
            raise KeyFileError(path, "does not exist") from None
        return {}
    except OSError as exc:
        raise KeyFileError(path, f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(path, "is not a regular file")
    if info.st_mode & stat.S_IWOTH:
        raise KeyFileError(path, "is world-writable; chmod 600 it")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyFileError(path, f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise KeyFileError(path, "is not UTF-8 text") from None
    return _parse(path, text)


def _parse(path: Path, text: str) -> dict[str, StoredKey]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise KeyFileError(path, f"is not valid TOML ({exc})") from None
    try:
        document = msgspec.convert(raw, _KeyFileDocument)
    except msgspec.ValidationError as exc:
        raise KeyFileError(path, f"has an unexpected shape ({exc})") from None
    for name, stored in document.keys.items():
        _check_entry(path, name, stored)
    return document.keys


def _check_entry(path: Path, name: str, stored: StoredKey) -> None:
    if not _VALID_NAME.fullmatch(name):
        raise KeyFileError(path, f"key name {name!r} is not 1-64 of [A-Za-z0-9._-]")
    if not _SHA256_HEX.fullmatch(stored.sha256):
        raise KeyFileError(path, f"key {name!r}: sha256 is not 64 lowercase hex digits")
    if stored.rate is not None and stored.rate <= 0:
        raise KeyFileError(path, f"key {name!r}: rate must be above 0")
    if stored.burst is not None and stored.burst < 1:
        raise KeyFileError(path, f"key {name!r}: burst must be at least 1")


# -- changing (the `idcard keys` commands) ------------------------------------------------

def add_key(path: Path, name: str) -> str:
    """Store a new key's hash under `name`; return the key (shown once, never stored)."""
    if not _VALID_NAME.fullmatch(name):
        raise KeyFileError(path, f"key name {name!r} is not 1-64 of [A-Za-z0-9._-]")
    keys = _read_keys(path, must_exist=False)
    if name in keys:
        raise KeyFileError(path, f"a key named {name!r} exists; revoke it first")
    key = new_key()
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    keys[name] = StoredKey(sha256=hash_key(key), created=created)
    _write(path, keys)
    return key


def revoke_key(path: Path, name: str) -> None:
    keys = _read_keys(path, must_exist=True)
    if keys.pop(name, None) is None:
        raise KeyFileError(path, f"no key named {name!r}")
    _write(path, keys)


def key_names(path: Path) -> list[str]:
    return sorted(_read_keys(path, must_exist=True))


def _write(path: Path, keys: dict[str, StoredKey]) -> None:
    """Replace the file atomically, mode 0600 from the first byte (comments are not kept)."""
    lines = ["# idcard API keys: SHA-256 of each key, never the key itself.",
             "# Optional per key: rate = requests per second, burst = requests at once.", ""]
    for name in sorted(keys):
        stored = keys[name]
        lines.append(f'[keys."{name}"]')  # quoted: a name may hold "."
        lines.append(f'sha256 = "{stored.sha256}"')
        if stored.created:
            lines.append(f'created = "{stored.created}"')
        if stored.rate is not None:
            lines.append(f"rate = {float(stored.rate)!r}")
        if stored.burst is not None:
            lines.append(f"burst = {int(stored.burst)}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
