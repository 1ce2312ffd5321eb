"""idcard: read Chinese resident identity cards into validated, structured fields."""

__version__ = "0.1.0"
