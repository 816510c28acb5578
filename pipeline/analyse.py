"""What an extraction worker computes for one fetched page.

The page's text and metadata (pipeline.extract) and the text's near-duplicate
fingerprint (pipeline.dedup), both CPU-bound, so both run in the worker and the
event loop only stores the result. Its own module so that a worker process imports
just these two stages, not the fetcher, the feed parser and the store.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from pipeline.extract import Extracted, extract_page

if TYPE_CHECKING:  # dedup loads NumPy, which a fetch with nothing new never needs
    from pipeline.dedup import Fingerprint


@dataclass(frozen=True)
class Analysed(Extracted):
    """A page's extracted text and metadata, with the text's MinHash fingerprint."""

    fingerprint: Fingerprint | None = None


def analyse_page(html: bytes, url: str, *, content_type: str | None = None) -> Analysed:
    """Runs in an extraction worker (pipeline.workers); ExtractError if no text."""
    from pipeline.dedup import fingerprint

    found = extract_page(html, url, content_type=content_type)
    values = {f.name: getattr(found, f.name) for f in fields(Extracted)}
    return Analysed(**values, fingerprint=fingerprint(found.text))
