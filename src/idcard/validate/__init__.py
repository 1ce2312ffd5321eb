"""Checks on extracted fields: ID number arithmetic, region codes, dates and their agreement.

Depends only on idcard.card (never on extraction), so it can check values from any source.
"""

from idcard.validate.address import head_fixes, names_a_county
from idcard.validate.authority import (
    authority_place_fixes,
    authority_place_misread,
    names_no_place,
)
from idcard.validate.checks import age_on, is_plausible_birth, parse_iso, run_checks
from idcard.validate.idnumber import (
    birth_date_of,
    birth_date_span,
    check_character,
    checksum_ok,
    is_legacy,
    is_well_formed,
    region_known,
    sex_of,
    states_region,
)
from idcard.validate.period import (
    LONG_TERM,
    expiry_status,
    is_card_term,
    term_for_age,
    validity_status,
)

__all__ = [
    "LONG_TERM",
    "age_on",
    "authority_place_fixes",
    "authority_place_misread",
    "birth_date_of",
    "birth_date_span",
    "check_character",
    "checksum_ok",
    "expiry_status",
    "head_fixes",
    "is_card_term",
    "is_legacy",
    "is_plausible_birth",
    "is_well_formed",
    "names_a_county",
    "names_no_place",
    "parse_iso",
    "region_known",
    "run_checks",
    "sex_of",
    "states_region",
    "term_for_age",
    "validity_status",
    "warm_up_place_tables",
]


def warm_up_place_tables() -> None:
    """Build the GB/T 2260 place tables the address and authority checks read (a few
    hundred ms), so that no request pays for it."""
    names_a_county("")
    head_fixes("")
    authority_place_misread("")
