"""The parts of a card `return=masked` and `mask_values=true` may cover, and the
presets (part of the API contract; the masking itself is in `pipeline.masking`)."""

from __future__ import annotations

MASK_PARTS = ("id_birth", "id_tail", "given_name", "address_detail", "birth_date",
              "portrait_eyes", "issuing_authority")
DEFAULT_MASK = frozenset({"id_birth", "given_name", "address_detail", "portrait_eyes"})
MASK_PRESETS = {
    "default": DEFAULT_MASK,
    "strict": DEFAULT_MASK | {"id_tail", "birth_date", "issuing_authority"},
}


def parse_mask(value: str | None) -> frozenset[str] | None:
    """The parts a `mask` parameter names (presets and parts, comma-separated; empty or
    absent = default); None when it names something unknown."""
    if value is None or not value.strip():
        return DEFAULT_MASK
    out: set[str] = set()
    for name in (part.strip().lower() for part in value.split(",") if part.strip()):
        if name in MASK_PRESETS:
            out |= MASK_PRESETS[name]
        elif name in MASK_PARTS:
            out.add(name)
        else:
            return None
    return frozenset(out)
