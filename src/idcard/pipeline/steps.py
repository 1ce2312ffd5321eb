"""The named steps of the reading strategy: each re-read, why it exists, and its timer.

A step's time lands in `timings_ms` as `step:<name>` (and in the API's
`timings_ms.steps`), on top of the stage times (detect, recognize, ...) spent inside it.
A step that runs inside another (a view read again turned over, inside the text beside
a card) counts in both.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP_PREFIX = "step:"


@dataclass(frozen=True)
class Step:
    name: str
    why: str

    @property
    def timer(self) -> str:
        return STEP_PREFIX + self.name


FIRST_LOOK = Step(
    "first_look",
    "every view found (a straightened card, or the text where it lies) is read once")
TURNED_OVER = Step(
    "turned_over",
    "most lines had to be turned over to be read (the view is upside down), or too little "
    "was read to trust the line classifier's sense of up: read the view turned 180°")
STAMP_CLEARED = Step(
    "stamp_cleared",
    "a stamp (复印无效 and the like) was read on the card, and its strokes cross the "
    "values under it: read the card again with the stamp's lighter or red strokes lifted, "
    "and take the lines under the stamp from that reading (only they are recognised)")
VALUE_REGIONS = Step(
    "value_regions",
    "a value was not found among the detected lines (faint, broken by a stamp or glare, "
    "a back's small print beside its large title): read the place the layout prints it "
    "on its own")
NUMBER_ROWS = Step(
    "number_rows",
    "a front's ID number or birth date was not read, or the number was read short or "
    "against its check digit (a stamp as dark as the print breaks the row into pieces, "
    "or joins it to the stamp so the detector drops both): read the row where the labels "
    "place it as one line, in the field's own characters only (digits, X, 年月日), a "
    "little above and below as well when that reads nothing whole, and take the reading "
    "that gives the field (for the number, one whose check digit holds first)")
ADDRESS_ROWS = Step(
    "address_rows",
    "a front's address was read with room for characters that were not read (a stamp as "
    "dark as the print over a row, glare or blur broke the detector's box, and part of "
    "the row was dropped), or not read at all beside its label (a stamp across its first "
    "row): read each of its rows as one band from the value column to the row's end, and "
    "keep that reading where it gives more of the address, with most of what was read "
    "before in it")
AUTHORITY_ROW = Step(
    "authority_row",
    "a back's issuing authority was not read while its validity period was (a stamp as "
    "dark as the print across the authority joined the two into one box that reads as "
    "neither, or the detector dropped the row): read the row one row pitch above the "
    "period's, from the period's column, as one band, and keep that reading where it "
    "gives an authority holding 公安局 and loses no field")
END_UNDER_STAMP = Step(
    "end_under_stamp",
    "a stamp lies right past the end of a name's, address's or authority's last row (a "
    "2 × 2 seal's frame over the end of 福州市公安局长乐分局 ends the detector's line at "
    "福州市公安局, read whole and sure): read the row again as one band reaching four "
    "line heights past its end, through a red filter, and flag the value "
    "`characters_missing` when print that is no stamp's words goes on there")
VOCABULARY = Step(
    "vocabulary",
    "a front's sex or ethnicity was not read, or read unsure (a stamp printed as dark as "
    "the text lies across its row): score every word the card may print there (男/女, "
    "the ethnicities) against the recogniser's probabilities over the value's cell, and "
    "take a word only when the cell reads it with enough probability")
NAME_SECOND_LOOK = Step(
    "name_second_look",
    "names carry rare characters one model drops or swaps for a look-alike: read the "
    "name's lines again, a character wider, with every model")
LEVELLED = Step(
    "levelled",
    "a card view read with fields missing has its text rows tilted (an outline fitted "
    "a little off the card's edges): a value then sits beside its label a row too high "
    "or low. Read the view again turned level by its lines' skew, and keep whichever "
    "reading found more fields")
DESCREENED = Step(
    "descreened",
    "a view read with fields missing shows a screen's pixel grid (a photo of a screen "
    "showing the card): its dark rows and coloured stripes break the strokes into dots "
    "the detector does not join into lines. Read the view again smoothed in one tone "
    "(the brightest of each pixel's red, green and blue stripes), and keep "
    "whichever reading found more fields")
UNSMEARED = Step(
    "unsmeared",
    "a view read with fields missing or unsure shows the one-way blur of a camera that "
    "moved while it shot (imaging.quality's `motion_blur`, on the whole view): strokes "
    "smeared along a line run into each other, and the detector finds no lines or the "
    "recogniser reads other characters. Measure the smear's length and direction from "
    "the view's cepstrum, read the view again with the smear taken back out (Wiener "
    "deconvolution), and keep whichever reading found more fields, then more of them "
    "sure (confidence at least the rules' `low_confidence`)")
THOROUGH = Step(
    "thorough",
    "the fast recogniser read a card view with a field missing or unsure, or the card is "
    "small in the photo (enlarged to be read, its strokes soft): where print is hard to "
    "read it misreads more than the slower recogniser. Read the view again (every step "
    "above) with the thorough recogniser, keep the better reading, and trust no field "
    "the two read differently")
PAGE_CARDS = Step(
    "page_cards",
    "no card outline, or only a small one with print beside it, was found (a scanned "
    "page with both sides, faint edges): each card is placed by the print region around "
    "it (and the page's text lines, glanced at, when the regions alone do not place two "
    "cards), cut out with its whole print, enlarged to a card's size and read once "
    "through a red filter where it lies, turned over by geometry alone")
TEXT_ALONE = Step(
    "text_alone",
    "the card outlines gave too few fields (a wrong outline, a card cut by the frame), or "
    "the whole image would be taken as a card cropped to its edges but its print runs "
    "tilted across it (a tilted card whose corners the frame cut off): read the text "
    "where it lies instead")
CROP_ASKEW = Step(
    "crop_askew",
    "the text of a tilted card cut off by the frame, read alone, missed a field: read the "
    "image as the card cut straight after all (its rows run tilted, so it is levelled), "
    "and keep that reading where it finds more fields")

# In the order the reader may run them (see reader.py).
STEPS = (FIRST_LOOK, TURNED_OVER, STAMP_CLEARED, VALUE_REGIONS, NUMBER_ROWS, ADDRESS_ROWS,
         AUTHORITY_ROW, VOCABULARY, NAME_SECOND_LOOK, END_UNDER_STAMP, LEVELLED, DESCREENED,
         UNSMEARED, THOROUGH, PAGE_CARDS, TEXT_ALONE, CROP_ASKEW)
