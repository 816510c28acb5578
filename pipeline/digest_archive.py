"""The digest archive: `digests/index.html` and the Atom feed `digests/feed.xml`.

Both are rebuilt from the dated files in the folder every time a digest is written,
so they always list exactly what is on disk (a deleted digest drops out). The feed
carries the latest digests' HTML so any feed reader can show them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from feedgen.feed import FeedGenerator

from pipeline.config import atomic_write_text
from pipeline.templating import render

FEED_ENTRIES = 30  # a reader only needs the recent ones; index.html lists them all
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\.html$")
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class ArchivedDigest:
    day: date
    html: Path
    markdown: Path | None
    modified: datetime


def archived_digests(folder: Path) -> list[ArchivedDigest]:
    """The dated digests in the folder, newest first."""
    found: list[ArchivedDigest] = []
    for path in folder.glob("*.html"):
        match = _DATED.match(path.name)
        if not match:
            continue
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            continue
        markdown = path.with_suffix(".md")
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        found.append(ArchivedDigest(day, path, markdown if markdown.exists() else None, modified))
    return sorted(found, key=lambda d: d.day, reverse=True)


def update_archive(
    folder: Path, templates_dir: Path | None, *, feed_id_seed: str
) -> tuple[Path, Path]:
    """Rewrite index.html and feed.xml from the digests on disk; return their paths."""
    digests = archived_digests(folder)
    index = folder / "index.html"
    atomic_write_text(index, render("index.html", {"digests": digests}, templates_dir))
    feed = folder / "feed.xml"
    atomic_write_text(feed, atom_feed(digests[:FEED_ENTRIES], folder, feed_id_seed))
    return index, feed


def atom_feed(digests: list[ArchivedDigest], folder: Path, seed: str) -> str:
    """An Atom feed with one entry per digest, its HTML as the entry content."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, seed)
    generator = FeedGenerator()
    generator.id(f"urn:uuid:{namespace}")
    generator.title("cheesecake digests")
    generator.subtitle("Articles worth sharing and contacts in the news, one digest a day.")
    generator.author({"name": "cheesecake"})
    generator.link(href=(folder / "index.html").resolve().as_uri(), rel="alternate")
    generator.link(href=(folder / "feed.xml").resolve().as_uri(), rel="self")
    generator.language("en")
    generator.updated(max((d.modified for d in digests), default=datetime.now(UTC)))
    for digest in digests:
        entry = generator.add_entry(order="append")
        entry.id(f"urn:uuid:{uuid.uuid5(namespace, digest.day.isoformat())}")
        entry.title(f"Digest for {digest.day.day} {digest.day:%B %Y}")
        entry.link(href=digest.html.resolve().as_uri(), rel="alternate")
        entry.updated(digest.modified)
        entry.published(datetime(digest.day.year, digest.day.month, digest.day.day, tzinfo=UTC))
        # A digest the user edited and saved in another encoding still has its entry.
        page = digest.html.read_text(encoding="utf-8", errors="replace")
        entry.content(_body(page), type="html")
    return str(generator.atom_str(pretty=True).decode("utf-8"))


def _body(html: str) -> str:
    match = _BODY.search(html)
    return match.group(1).strip() if match else html
