"""Robustness evaluation: every test and real-world feed of the corpus through the real fetch.

    .venv/bin/python evaluation/robustness.py CORPUS_DIR

Every file of CORPUS_DIR/feedparser_tests (feedparser's own 2,107 test feeds: ill-formed,
encodings, entities, well-formed) and every feed of CORPUS_DIR/real_feeds (real-world
captures and other parsers' fixtures) is served as a feed from a loopback server, with
the HTTP headers a feedparser test declares in its `Header:` lines, and the real
`fetch_all` ingests them all in one run into a fresh temporary workspace.

Entry links point at real sites. None is ever tried: every request the fetcher makes
goes through an httpx transport that sends it to the loopback server (which answers a
small generated article page for any path), and names resolve to 127.0.0.1 through a
resolver that never asks DNS. The script counts the requests it redirected.

It checks and prints:
- crashes: fetch_all raising, or any item recorded as an "unexpected error" (target 0);
- every failure recorded: each feed that does not parse has its error stored, and
  every entry of a parsed feed is either stored or has a recorded reason;
- entry counts: for the feeds feedparser reads as well-formed (bozo false), the entries
  cheesecake accounts for equal what feedparser itself reports for the same bytes.
Nothing from the corpus is copied into the repository.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import feedparser
import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import add_feeds  # noqa: E402
from pipeline.errors import ParseError  # noqa: E402
from pipeline.feeds import parse_feed  # noqa: E402
from pipeline.ingest import fetch_all  # noqa: E402
from pipeline.loopback import LoopbackServer, Request, Response, Route  # noqa: E402
from pipeline.records import FeedSource, FetchReport  # noqa: E402
from pipeline.store import Store, open_store  # noqa: E402
from pipeline.workspace import init_workspace  # noqa: E402

_HEADER_LINE = re.compile(rb"^\s*Header:\s*([A-Za-z-]+):[ \t]*(.*?)\s*$", re.M)


@dataclass(frozen=True)
class FeedFile:
    path: Path
    group: str  # the corpus folder it came from, for the totals
    body: bytes
    content_type: str
    headers: dict[str, str]


def collect(corpus: Path) -> list[FeedFile]:
    files: list[tuple[str, Path]] = []
    tests = corpus / "feedparser_tests" / "tests"
    files += [(f"feedparser_tests/{p.relative_to(tests).parts[0]}", p) for p in _files(tests)]
    real = corpus / "real_feeds"
    files += [
        ("real_feeds/sample_feeds", p) for p in sorted(real.glob("sample_feeds_*/*/*/feed.xml"))
    ]
    files += [("real_feeds/rss_parser", p) for p in _files(real / "rss_parser_rbren" / "input")]
    files += [
        ("real_feeds/feed_rs", p)
        for p in _files(real / "feed_rs_fixtures")
        if not p.name.endswith(".serde.json") and not p.name.startswith("LICENSE")
    ]
    if not files:
        sys.exit(
            f"no feeds found under {corpus}: pass the corpus folder (it holds feedparser_tests)"
        )
    return [_feed_file(group, path) for group, path in files]


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _feed_file(group: str, path: Path) -> FeedFile:
    body = path.read_bytes()
    default = "application/feed+json" if path.suffix == ".json" else "application/xml"
    content_type, headers = default, {}
    # feedparser's tests declare the HTTP headers they must be parsed with.
    for name, value in _HEADER_LINE.findall(body[:2000]):
        key, text = name.decode("ascii"), value.decode("latin-1")
        if key.lower() == "content-type":
            content_type = text
        else:
            headers[key] = text
    return FeedFile(path, group, body, content_type, headers)


# --- keeping every request on loopback -------------------------------------------------


class LoopbackOnly(httpx.AsyncBaseTransport):
    """Send every request to the loopback server: a link to a real site becomes
    /_ext/<host><path> there. Counts what it redirected."""

    def __init__(self, port: int):
        self.port = port
        self.redirected = 0
        self.inner = httpx.AsyncHTTPTransport(retries=0)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if not (url.host == "127.0.0.1" and url.port == self.port):
            self.redirected += 1
            host = url.raw_host.decode("ascii", "replace")
            path = url.raw_path.decode("ascii", "replace")
            request.url = httpx.URL(f"http://127.0.0.1:{self.port}/_ext/{host}{path}")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def loopback_resolver(host: str) -> Sequence[str]:
    return ["127.0.0.1"]  # never DNS: every name is this machine, and the transport agrees


class _Routes(dict[str, Route]):
    """Routes with a generated article page for any path not served otherwise."""

    def get(self, key: str, default: Route | None = None) -> Route:  # type: ignore[override]
        found = super().get(key)
        return found if found is not None else article_page


def article_page(request: Request) -> Response:
    topic = escape(request.path)
    paragraphs = "".join(
        f"<p>Paragraph {n} of the page served for {topic}. Harbour operators, roasters and "
        f"analysts at fictional companies discuss freight, prices and hiring in this "
        f"generated text, which exists only so that extraction has an article to read.</p>"
        for n in range(4)
    )
    html = (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Page {topic}"
        f"</title></head><body><article><h1>Page {topic}</h1>{paragraphs}</article></body></html>"
    )
    return Response(html.encode(), conditional=False)


# --- the run -----------------------------------------------------------------------------


@dataclass
class Totals:
    files: Counter[str] = field(default_factory=Counter)
    parsed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    unrecorded_feeds: list[str] = field(default_factory=list)
    unaccounted_entries: list[str] = field(default_factory=list)
    wellformed: int = 0
    wellformed_equal: int = 0
    mismatches: list[str] = field(default_factory=list)
    feedparser_entries: int = 0
    cheesecake_entries: int = 0
    stored_keys: int = 0
    skipped_with_reason: int = 0
    same_key_merged: int = 0


def run(files: list[FeedFile]) -> tuple[Totals, FetchReport, int, float]:
    with (
        tempfile.TemporaryDirectory(prefix="cheesecake-robust-") as tmp,
        LoopbackServer() as server,
    ):
        routes = _Routes()
        urls: dict[str, FeedFile] = {}
        for n, feed in enumerate(files):
            path = f"/feeds/{n}{feed.path.suffix}"
            routes[path] = Response(feed.body, content_type=feed.content_type, headers=feed.headers)
            urls[server.url(path)] = feed
        server.routes = routes
        workspace, _ = init_workspace(Path(tmp) / "ws")
        text = workspace.config_path.read_text("utf-8")
        # No cut to the newest entries: every entry is to be accounted for.
        workspace.config_path.write_text(
            text.replace("[settings]", "[settings]\nmax_entries_per_feed = 100000", 1),
            encoding="utf-8",
        )
        add_feeds(workspace.config_path, [FeedSource(url=u) for u in urls])
        transport = LoopbackOnly(server.port)
        started = time.monotonic()
        with open_store(workspace.db_path()) as store:
            try:
                report = fetch_all(
                    store, workspace.config(), resolver=loopback_resolver, transport=transport
                )
            except Exception as exc:  # the one crash this evaluation exists to catch
                sys.exit(f"CRASH: fetch_all raised {exc!r}")
            seconds = time.monotonic() - started
            totals = check(store, urls, report)
        return totals, report, transport.redirected, seconds


def check(store: Store, urls: dict[str, FeedFile], report: FetchReport) -> Totals:
    totals = Totals()
    recorded = {e.item for e in report.errors}
    totals.crashes += [f"{e.item}: {e.message}" for e in report.errors if "unexpected" in e.message]
    states = {s.url: s for s in store.feed_states()}
    for url, feed in urls.items():
        totals.files[feed.group] += 1
        state = states[url]
        name = f"{feed.group}/{feed.path.name}"
        if state.last_error and state.last_error.startswith("unexpected"):
            totals.crashes.append(f"{name}: {state.last_error}")
        reference = feedparser.parse(
            io.BytesIO(feed.body),
            response_headers={
                k.lower(): v for k, v in {"Content-Type": feed.content_type, **feed.headers}.items()
            },
        )
        expected = len(reference.entries)
        try:
            parsed = parse_feed(
                feed.body, url=url, headers={"Content-Type": feed.content_type, **feed.headers}
            )
        except ParseError:
            totals.failed[feed.group] += 1
            totals.reasons[_reason(state.last_error)] += 1
            if not state.last_error:
                totals.unrecorded_feeds.append(name)
            accounted = 0
        else:
            totals.parsed[feed.group] += 1
            keys = list(dict.fromkeys(e.key for e in parsed.entries))
            stored = store.known_entry_keys(state.id, keys)
            skipped = {
                e.key
                for e in parsed.entries
                if e.key not in stored and (e.key in recorded or e.url in recorded)
            }
            for entry in parsed.entries:
                if entry.key not in stored and entry.key not in skipped:
                    totals.unaccounted_entries.append(f"{name}: {entry.url or entry.key}")
            totals.stored_keys += len(stored)
            totals.skipped_with_reason += len(skipped)
            totals.same_key_merged += len(parsed.entries) - len(keys)
            # entries sharing one guid are one entry by identity: accounted for once stored
            accounted = sum(1 for e in parsed.entries if e.key in stored or e.key in skipped)
        totals.feedparser_entries += expected
        totals.cheesecake_entries += accounted
        if not reference.bozo:
            totals.wellformed += 1
            if accounted == expected:
                totals.wellformed_equal += 1
            else:
                totals.mismatches.append(f"{name}: feedparser {expected}, cheesecake {accounted}")
    return totals


def _reason(error: str | None) -> str:
    if not error:
        return "(no error recorded)"
    for marker in ("empty body", "HTML page", "JSON Feed", "is not a feed", "could not be parsed"):
        if marker in error:
            return marker
    return error.split(";")[0][:60]


def _lines(items: list[str], limit: int = 15) -> Iterator[str]:
    for item in items[:limit]:
        yield f"    {item}"
    if len(items) > limit:
        yield f"    ... and {len(items) - limit} more"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the corpus folder (holds feedparser_tests)")
    args = parser.parse_args()
    files = collect(args.corpus)
    totals, report, redirected, seconds = run(files)

    print(f"{len(files)} feed files served from loopback; fetch took {seconds:.1f} s")
    for group in sorted(totals.files):
        print(
            f"  {group:<32} {totals.files[group]:>5} files  {totals.parsed[group]:>5} parsed  "
            f"{totals.failed[group]:>4} refused as not a feed"
        )
    print(
        f"fetch report: {report.feeds} feeds, {report.feeds_failed} failed, "
        f"{report.new_articles} new articles ({report.extracted} extracted, "
        f"{report.fallbacks} summary fallbacks), {report.duplicates} duplicates, "
        f"{len(report.errors)} recorded item errors"
    )
    stages = Counter(e.stage for e in report.errors)
    print("  recorded errors by stage: " + ", ".join(f"{k} {v}" for k, v in sorted(stages.items())))
    print(
        "  feeds refused, by reason: "
        + ", ".join(f"{k} {v}" for k, v in totals.reasons.most_common())
    )
    print(f"requests redirected to loopback instead of a real site: {redirected}")
    print(f"crashes: {len(totals.crashes)}")
    for line in _lines(totals.crashes):
        print(line)
    print(f"failed feeds without a recorded error: {len(totals.unrecorded_feeds)}")
    for line in _lines(totals.unrecorded_feeds):
        print(line)
    print(
        f"entries: feedparser {totals.feedparser_entries}, cheesecake accounted for "
        f"{totals.cheesecake_entries} (stored under {totals.stored_keys} keys, "
        f"{totals.skipped_with_reason} skipped with a recorded reason, "
        f"{totals.same_key_merged} repeats of a guid within a feed)"
    )
    print(f"entries neither stored nor with a recorded reason: {len(totals.unaccounted_entries)}")
    for line in _lines(totals.unaccounted_entries):
        print(line)
    print(
        f"well-formed feeds (feedparser bozo=0) whose entry count cheesecake matches: "
        f"{totals.wellformed_equal}/{totals.wellformed}"
    )
    for line in _lines(totals.mismatches):
        print(line)
    ok = not totals.crashes and not totals.unrecorded_feeds and not totals.unaccounted_entries
    ok = ok and totals.wellformed_equal == totals.wellformed
    print("result: " + ("all checks passed" if ok else "CHECKS FAILED"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
