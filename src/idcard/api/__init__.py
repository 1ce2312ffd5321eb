"""HTTP service (Litestar): `create_app(settings)` in `idcard.api.app`.

Only this package imports Litestar; it sits on `idcard.pipeline` and never runs OCR on
the event loop (see `pool.py`).
"""
