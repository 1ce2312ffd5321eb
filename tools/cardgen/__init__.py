"""Synthetic second-generation resident identity cards for tests and benchmarks (dev only).

`identity` invents consistent people, `render` draws the canonical card sides, `degrade`
turns them into scans, phone photos and photocopy pages. `tools/make_cards.py` is the CLI.
Everything is drawn locally from installed fonts; nothing is downloaded.
"""
