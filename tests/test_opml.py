"""OPML import and export, as a library and through `feeds import/export`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path

import listparser
import pytest

from pipeline.config import load_config
from pipeline.errors import ImportError_
from pipeline.opml import read_opml, write_opml
from pipeline.records import FeedSource
from pipeline.workspace import Workspace

# As a feed reader exports it: folders nested two deep, a category attribute, an
# entity in a title, a duplicate subscription, and a non-feed outline (a link).
READER_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>Subscriptions of Mara Quill</title>
    <dateCreated>Mon, 03 Mar 2025 09:12:44 GMT</dateCreated>
  </head>
  <body>
    <outline text="Logistics" title="Logistics">
      <outline type="rss" text="Harbourline Weekly" title="Harbourline Weekly"
               xmlUrl="https://news.harbourline.example/feed.xml"
               htmlUrl="https://news.harbourline.example/"/>
      <outline text="Ports">
        <outline type="rss" text="Port of Nordvik &amp; Partners"
                 xmlUrl="https://nyheter.nordvik.example/rss" category="/energy,shipping"/>
      </outline>
    </outline>
    <outline text="Coffee">
      <outline type="rss" text="Brightmoor Market Notes"
               xmlUrl="https://blog.brightmoor.example/news/atom.xml"/>
      <outline type="rss" text="Harbourline (again)"
               xmlUrl="https://news.harbourline.example/feed.xml"/>
    </outline>
    <outline type="link" text="Kestrel careers page" url="https://kestrel.example/careers"/>
    <outline type="rss" text="Kestrel Analytics Press Room" xmlUrl="https://press.kestrel.example/rss"/>
  </body>
</opml>
"""


def write(tmp_path: Path, text: str, name: str = "subs.opml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_reader_export(tmp_path: Path) -> None:
    sources = read_opml(write(tmp_path, READER_EXPORT))
    assert sources == [
        FeedSource(
            url="https://news.harbourline.example/feed.xml",
            name="Harbourline Weekly",
            tags=("Logistics", "Coffee"),  # filed in two folders: both are tags
        ),
        FeedSource(
            url="https://nyheter.nordvik.example/rss",
            name="Port of Nordvik & Partners",
            tags=("energy", "shipping", "Logistics", "Ports"),
        ),
        FeedSource(
            url="https://blog.brightmoor.example/news/atom.xml",
            name="Brightmoor Market Notes",
            tags=("Coffee",),
        ),
        FeedSource(url="https://press.kestrel.example/rss", name="Kestrel Analytics Press Room"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not well-formed XML"),
        ("<opml version='2.0'><body><outline xmlUrl='https://a.example/f'>", "line 1"),
        ("<rss version='2.0'><channel/></rss>", "not an OPML file"),
        (
            "<opml version='2.0'><head/><body><outline text='Empty folder'/></body></opml>",
            "lists no feeds",
        ),
        (
            "<opml version='2.0'><body><outline text='Local' xmlUrl='file:///etc/passwd'/>"
            "</body></opml>",
            "feed 'Local' has the URL 'file:///etc/passwd', which must start with http",
        ),
    ],
)
def test_broken_files_are_rejected_with_a_sentence(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImportError_, match=message):
        read_opml(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImportError_, match="Cannot read"):
        read_opml(tmp_path / "nope.opml")


def test_write_is_valid_opml_2(tmp_path: Path) -> None:
    sources = [
        FeedSource(
            url="https://news.harbourline.example/feed.xml",
            name="Harbourline Weekly",
            tags=("logistics", "ports"),
        ),
        FeedSource(url="https://press.kestrel.example/rss?lang=en&format=rss"),
        FeedSource(
            url="https://blog.brightmoor.example/news/atom.xml",
            name="Brightmoor <Notes>",
            tags=("coffee",),
        ),
    ]
    text = write_opml(sources)
    root = ET.fromstring(text)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert parsedate_to_datetime(root.findtext("head/dateCreated") or "").tzinfo is not None
    assert root.findtext("head/title")
    outlines = {o.get("xmlUrl"): o for o in root.iter("outline") if o.get("xmlUrl")}
    harbour = outlines["https://news.harbourline.example/feed.xml"]
    assert harbour.attrib == {
        "type": "rss",
        "text": "Harbourline Weekly",
        "title": "Harbourline Weekly",
        "xmlUrl": "https://news.harbourline.example/feed.xml",
        "category": "logistics,ports",
    }
    assert outlines["https://press.kestrel.example/rss?lang=en&format=rss"].get("text") == (
        "https://press.kestrel.example/rss?lang=en&format=rss"  # no name: the URL stands in
    )
    # other readers parse it too
    assert len(listparser.parse(text.encode()).feeds) == 3


def test_round_trip(tmp_path: Path) -> None:
    sources = read_opml(write(tmp_path, READER_EXPORT))
    again = read_opml(write(tmp_path, write_opml(sources), "again.opml"))
    assert again == sources


def test_cli_import_adds_to_feeds_toml_keeping_comments(
    run_cli, workspace: Workspace, tmp_path: Path
) -> None:
    config = workspace.config_path
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n# my own feed, keep this comment\n[[feeds]]\nurl = "https://press.kestrel.example/rss"\n',
        encoding="utf-8",
    )
    result = run_cli("feeds", "import", str(write(tmp_path, READER_EXPORT)))
    assert result.exit_code == 0, result.output
    assert "Imported 3 of 4 feeds" in result.output
    assert "1 already in feeds.toml" in result.output
    text = config.read_text(encoding="utf-8")
    assert "# my own feed, keep this comment" in text
    feeds = load_config(config).feeds
    assert [f.url for f in feeds] == [
        "https://press.kestrel.example/rss",
        "https://news.harbourline.example/feed.xml",
        "https://nyheter.nordvik.example/rss",
        "https://blog.brightmoor.example/news/atom.xml",
    ]
    assert feeds[2].tags == ("energy", "shipping", "Logistics", "Ports")


def test_cli_import_of_a_broken_file_changes_nothing(
    run_cli, workspace: Workspace, tmp_path: Path
) -> None:
    before = workspace.config_path.read_text(encoding="utf-8")
    result = run_cli("feeds", "import", str(write(tmp_path, "<opml><body><outline")))
    assert result.exit_code == 1
    assert "not well-formed XML" in result.output
    assert "Traceback" not in result.output
    assert workspace.config_path.read_text(encoding="utf-8") == before


def test_cli_import_missing_file_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    assert run_cli("feeds", "import", str(tmp_path / "nope.opml")).exit_code == 2


def test_cli_export_to_stdout_and_file(run_cli, tmp_path: Path) -> None:
    assert run_cli("feeds", "import", str(write(tmp_path, READER_EXPORT))).exit_code == 0
    result = run_cli("feeds", "export")
    assert result.exit_code == 0
    assert [f["url"] for f in listparser.parse(result.stdout.encode()).feeds] == [
        "https://news.harbourline.example/feed.xml",
        "https://nyheter.nordvik.example/rss",
        "https://blog.brightmoor.example/news/atom.xml",
        "https://press.kestrel.example/rss",
    ]
    out = tmp_path / "export.opml"
    result = run_cli("feeds", "export", "-o", str(out))
    assert result.exit_code == 0
    assert read_opml(out) == read_opml(write(tmp_path, READER_EXPORT))
