"""The reading strategy: from image bytes to a checked card reading.

- `reader.py`: `CardReader`, decode → views → read each → combine, on one screen;
- `views.py`: which views of an image are read (card outlines, the page's text);
- `pages.py`: a PDF's pages read as images each, combined into one card;
- `one_view.py`: how one view is read (turned over, value regions, the name again);
- `combine.py`: choosing and merging the views' readings, boxes in the client's pixels;
- `crops.py`: the card and portrait crops; `timing.py`: the stopwatch of `timings_ms`.
"""

from idcard.ocr import tune_allocator
from idcard.pipeline.crops import CROP_NAMES
from idcard.pipeline.reader import CardReader, ModelInfo, ReadOutcome

# A service calls `tune_allocator` before it starts its threads (see idcard.ocr.runtime).
__all__ = ["CROP_NAMES", "CardReader", "ModelInfo", "ReadOutcome", "tune_allocator"]
