"""Extraction evaluation: cheesecake's real fetch against the article-extraction benchmark.

    .venv/bin/python evaluation/extraction.py CORPUS_DIR/article_extraction_benchmark

The benchmark's 181 article pages (html/<id>.html.gz) are served from a loopback server
behind one RSS feed whose items link to them; the real `fetch_all` ingests that feed into
a fresh temporary workspace, and each stored article's text is scored against the
human-annotated `articleBody` of ground-truth.json. In the same run, `trafilatura.extract`
with its defaults is scored on the same bytes, so library and pipeline can be told apart,
and so are the benchmark's stored trafilatura 2.0.0 outputs (output/trafilatura.json).

The metric is the benchmark's own (scrapinghub/article-extraction-benchmark evaluate.py,
re-implemented from its description): tokens are `\\w+` matches; each text is a multiset
of 4-token shingles; per page TP = sum of min(counts), FP and FN the excesses, then
normalised so TP + FP + FN = 1 (long pages weigh no more than short ones); precision,
recall and F1 come from the sums over pages; accuracy is the share of pages whose token
lists are identical. Nothing from the corpus is copied into the repository.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import add_feeds  # noqa: E402
from pipeline.ingest import fetch_all  # noqa: E402
from pipeline.loopback import LoopbackServer, Response  # noqa: E402
from pipeline.records import FeedSource  # noqa: E402
from pipeline.store import open_store  # noqa: E402
from pipeline.workspace import init_workspace  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE)
NGRAM = 4


# --- the benchmark's metric --------------------------------------------------------------


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = NGRAM) -> Counter[str]:
    words = tokens(text)
    return Counter(" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1)) if words)


def page_counts(truth: str, predicted: str) -> tuple[float, float, float]:
    """Normalised (TP, FP, FN) of one page."""
    true, pred = shingles(truth), shingles(predicted)
    tp = fp = fn = 0
    for key in true.keys() | pred.keys():
        t, p = true.get(key, 0), pred.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int

    def line(self, label: str) -> str:
        return (
            f"{label:<44} P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"accuracy {self.accuracy:.3f}  ({self.pages} pages)"
        )


def score(truth: Mapping[str, str], predicted: Mapping[str, str]) -> Score:
    tp = fp = fn = 0.0
    exact = 0
    for key, true_text in truth.items():
        guess = predicted.get(key, "")
        a, b, c = page_counts(true_text, guess)
        tp, fp, fn = tp + a, fp + b, fn + c
        exact += tokens(true_text) == tokens(guess)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(precision, recall, f1, exact / len(truth) if truth else 0.0, len(truth))


# --- the corpus --------------------------------------------------------------------------


def load(corpus: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    truth_file = corpus / "ground-truth.json"
    if not truth_file.exists():
        sys.exit(f"{truth_file} not found: pass the article_extraction_benchmark folder.")
    truth = {k: v["articleBody"] for k, v in json.loads(truth_file.read_text("utf-8")).items()}
    pages = {}
    for key in truth:
        with gzip.open(corpus / "html" / f"{key}.html.gz", "rb") as fh:
            pages[key] = fh.read()
    return pages, truth


def rss(base_url: str, keys: Iterable[str]) -> bytes:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items = [
        f"<item><title>Benchmark page {n}</title>"
        f"<link>{escape(base_url)}/page/{key}</link><guid>{key}</guid>"
        f"<pubDate>{format_datetime(start + timedelta(hours=n))}</pubDate></item>"
        for n, key in enumerate(keys)
    ]
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Extraction benchmark</title><link>{escape(base_url)}/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


# --- the two runs ------------------------------------------------------------------------


def through_cheesecake(pages: Mapping[str, bytes], workers: int) -> tuple[dict[str, str], str]:
    """Serve the pages behind a feed, run the real fetch, read the stored texts back."""
    with tempfile.TemporaryDirectory(prefix="cheesecake-eval-") as tmp, LoopbackServer() as server:
        for key, body in pages.items():
            # No charset in the header: the page's own declaration decides, as it did for
            # the direct call on the same bytes.
            server.routes[f"/page/{key}"] = Response(body, content_type="text/html")
        server.routes["/feed.xml"] = Response(
            rss(server.base_url, pages), content_type="application/rss+xml"
        )
        workspace, _ = init_workspace(Path(tmp) / "ws")
        settings = workspace.config_path.read_text("utf-8")
        workspace.config_path.write_text(
            settings.replace("[settings]", f"[settings]\nextract_workers = {workers}", 1)
            if "[settings]" in settings
            else settings + f"\n[settings]\nextract_workers = {workers}\n",
            encoding="utf-8",
        )
        add_feeds(workspace.config_path, [FeedSource(url=server.url("/feed.xml"))])
        started = time.monotonic()
        with open_store(workspace.db_path()) as store:
            report = fetch_all(store, workspace.config())
            seconds = time.monotonic() - started
            texts: dict[str, str] = {}
            for article in store.articles(with_text=True):
                key = article.url.rsplit("/", 1)[-1]
                texts[key] = article.text if article.extracted else ""
        summary = (
            f"fetch: {report.new_articles} new articles, {report.extracted} extracted, "
            f"{report.fallbacks} fallbacks, {report.duplicates} duplicates, "
            f"{len(report.errors)} errors, {seconds:.1f} s"
        )
        for error in report.errors:
            summary += f"\n  {error.stage}: {error.item}: {error.message}"
        return texts, summary


def direct(pages: Mapping[str, bytes]) -> dict[str, str]:
    import trafilatura

    return {key: trafilatura.extract(body) or "" for key, body in pages.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="the article_extraction_benchmark folder")
    parser.add_argument("--workers", type=int, default=0, help="extraction processes (0 = CPUs)")
    args = parser.parse_args()
    corpus: Path = args.corpus
    if (corpus / "article_extraction_benchmark").is_dir():
        corpus = corpus / "article_extraction_benchmark"
    pages, truth = load(corpus)

    started = time.monotonic()
    direct_texts = direct(pages)
    direct_seconds = time.monotonic() - started
    cheesecake_texts, summary = through_cheesecake(pages, args.workers)

    print(f"{len(pages)} pages from {corpus}")
    print(summary)
    stored = corpus / "output" / "trafilatura.json"
    if stored.exists():
        outputs = json.loads(stored.read_text("utf-8"))
        stored_texts = {k: v.get("articleBody") or "" for k, v in outputs["output"].items()}
        version = outputs.get("version", "?")
        print(score(truth, stored_texts).line(f"stored trafilatura {version} outputs"))
    print(score(truth, direct_texts).line(f"trafilatura.extract(html) ({direct_seconds:.1f} s)"))
    result = score(truth, cheesecake_texts)
    print(result.line("cheesecake fetch (loopback feed -> store)"))
    missing = sum(1 for key in truth if not cheesecake_texts.get(key))
    print(f"pages with no extracted text in cheesecake: {missing}")
    print(f"target F1 >= 0.95: {'met' if result.f1 >= 0.95 else 'NOT met'}")


if __name__ == "__main__":
    main()
