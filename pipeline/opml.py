"""OPML, the format every feed reader imports and exports.

`read_opml` turns a reader's export into `FeedSource` records: nested folders and
`category` attributes become tags. It is all or nothing: a file that is not
well-formed OPML, or holds a feed URL cheesecake cannot fetch, raises ImportError_
and nothing is imported. `write_opml` writes OPML 2.0 that readers accept, one
folder per feed's first tag (`save_opml` into a file). This module never touches
feeds.toml itself.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from email.utils import formatdate
from pathlib import Path

from pipeline.config import atomic_write_text, url_problem
from pipeline.errors import ImportError_
from pipeline.records import FeedSource

MAX_OPML_BYTES = 20_000_000


def read_opml(path: Path | str) -> list[FeedSource]:
    """The feeds of an OPML file, in file order, each URL once."""
    import listparser

    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_OPML_BYTES + 1)
    except OSError as exc:
        raise ImportError_(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if len(data) > MAX_OPML_BYTES:
        raise ImportError_(
            f"{path} is larger than {MAX_OPML_BYTES // 1_000_000} MB; "
            "an OPML feed list should be far smaller, check the file."
        )
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise ImportError_(
            f"{path} is not well-formed XML (line {line}, column {column + 1}); "
            "export it again from your feed reader or fix that spot."
        ) from None
    if root.tag.lower() != "opml":
        raise ImportError_(
            f"{path} is not an OPML file (its root element is <{root.tag}>); "
            "export your subscriptions as OPML from your feed reader."
        )
    # Bytes, never a str: listparser would take a str for a URL or a file name.
    parsed = listparser.parse(data)
    sources: dict[str, FeedSource] = {}
    for number, feed in enumerate(parsed.feeds, 1):
        url = str(feed.get("url") or "").strip()
        title = " ".join(str(feed.get("title") or "").split())
        problem = url_problem(url)
        if problem:
            label = f"'{title}'" if title else f"#{number}"
            raise ImportError_(
                f"{path}: feed {label} has the URL {url!r}, which {problem}; "
                "fix or remove that outline and import again."
            )
        if url not in sources:
            tags = _tags(feed.get("categories") or [], feed.get("tags") or [])
            sources[url] = FeedSource(url=url, name=title or None, tags=tags)
    if not sources:
        raise ImportError_(
            f"{path} lists no feeds (no outline has an xmlUrl); "
            "export your subscriptions, not a reading list, from your feed reader."
        )
    return list(sources.values())


def _tags(categories: Iterable[Sequence[str]], tags: Iterable[str]) -> tuple[str, ...]:
    """Folder names and category terms, flattened, each once (first spelling kept)."""
    seen: dict[str, str] = {}
    for path in categories:
        for part in path:
            part = " ".join(part.split())
            if part and part.lower() not in seen:
                seen[part.lower()] = part
    for tag in tags:
        tag = " ".join(tag.split())
        if tag and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return tuple(seen.values())


def write_opml(sources: Iterable[FeedSource], title: str = "cheesecake feeds") -> str:
    """OPML 2.0: feeds grouped in a folder named after their first tag, all tags kept
    in the `category` attribute (comma-separated, as the OPML 2.0 spec defines it)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for source in sources:
        parent = body
        if source.tags:
            first = source.tags[0]
            if first not in folders:
                folders[first] = ET.SubElement(body, "outline", text=first, title=first)
            parent = folders[first]
        name = source.name or source.url
        attributes = {"type": "rss", "text": name, "title": name, "xmlUrl": source.url}
        # A slash makes a category a path and a comma separates two: keep tags flat.
        categories = [t.replace(",", " ").replace("/", " ").strip() for t in source.tags]
        if any(categories):
            attributes["category"] = ",".join(c for c in categories if c)
        ET.SubElement(parent, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def save_opml(path: Path, sources: Iterable[FeedSource]) -> None:
    """Write `write_opml` to `path` (whole or not at all); one sentence if it cannot be."""
    try:
        atomic_write_text(path, write_opml(sources))
    except OSError as exc:
        raise ImportError_(f"Cannot write {path}: {exc.strerror or exc}.") from None
