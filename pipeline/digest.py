"""The daily digest: what the user reads every morning.

This stage owns choosing (through `pipeline.restraint`) and rendering the day's
digest — people in the news, articles worth sharing with a draft each, a few notable
articles, run statistics — to `digests/YYYY-MM-DD.md` and `.html`, written atomically,
plus the archive (`index.html`, `feed.xml`, see `pipeline.digest_archive`). It reads
the store and records which items the day showed; it never fetches, scores or sends.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import css_inline

from pipeline import restraint
from pipeline.config import Config, DigestSettings, atomic_write_text, time_zone
from pipeline.digest_archive import update_archive
from pipeline.errors import WorkspaceError
from pipeline.messages import Draft, event_label, mention_draft, mention_label, share_draft
from pipeline.records import Article, Contact, Mention, Suggestion
from pipeline.store import Store
from pipeline.templating import counted, render
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)  # "the day's" articles: the 24 hours before the digest


@dataclass(frozen=True)
class NewsItem:
    mention: Mention
    contact: Contact
    article: Article
    draft: Draft | None  # None for negative news, always

    @property
    def label(self) -> str:
        """What the news is ("new role", "quoted in the press"...)."""
        return mention_label(self.mention, self.article)


@dataclass(frozen=True)
class ShareItem:
    suggestion: Suggestion
    contact: Contact
    article: Article
    draft: Draft


@dataclass(frozen=True)
class NotableItem:
    article: Article
    tag: str
    coverage: int  # stored articles telling the same story


@dataclass(frozen=True)
class FailingFeed:
    name: str
    url: str
    error: str
    failures: int


@dataclass(frozen=True)
class RunFacts:
    """The footer: what the last run did."""

    feeds: int
    failing: tuple[FailingFeed, ...]
    new_articles: int
    seconds: float | None = None
    run_at: datetime | None = None


@dataclass(frozen=True)
class Digest:
    day: date
    written_at: datetime  # in the digest's time zone
    timezone: str
    news: tuple[NewsItem, ...]
    shares: tuple[ShareItem, ...]
    notable: tuple[tuple[str, tuple[NotableItem, ...]], ...]  # (tag, items), best tag first
    footer: RunFacts
    quiet: str = ""  # why "Worth sharing" is empty; "" when it is not
    held: tuple[str, ...] = ()  # what restraint held back, in words
    today: bool = True  # False for an earlier day's digest, written afterwards

    @property
    def empty(self) -> bool:
        return not self.news and not self.shares

    @property
    def when(self) -> str:
        """ "today", or "that day" in a digest written for an earlier day (--date)."""
        return "today" if self.today else "that day"


@dataclass(frozen=True)
class DigestResult:
    day: date
    markdown: Path
    html: Path
    index: Path
    feed: Path
    digest: Digest = field(repr=False)

    @property
    def suggestions(self) -> tuple[Suggestion, ...]:
        return tuple(item.suggestion for item in self.digest.shares)

    @property
    def mentions(self) -> tuple[Mention, ...]:
        return tuple(item.mention for item in self.digest.news)

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.markdown, self.html, self.index, self.feed)


def write_digest(
    store: Store,
    config: Config,
    workspace: Workspace,
    *,
    day: date,
    run_report: object | Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> DigestResult:
    """Write the day's Markdown and HTML digest, update the archive, return the paths.

    `run_report` (the run's report, an object or a mapping with `feeds`,
    `new_articles`, `seconds`…) fills the footer; without it the store's last run does.
    """
    digest = build_digest(store, config, workspace, day=day, run_report=run_report, now=now)
    templates = workspace.templates_dir
    markdown = render("digest.md", _context(digest), templates)
    html = inline_css(render("digest.html", _context(digest), templates))
    folder = workspace.digests_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        md_path, html_path = folder / f"{day.isoformat()}.md", folder / f"{day.isoformat()}.html"
        atomic_write_text(md_path, markdown)
        atomic_write_text(html_path, html)
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot write the digest into {folder}: {exc.strerror or exc}; "
            "check the folder exists and is writable."
        ) from None
    store.record_digest_items(
        day, [i.suggestion.id for i in digest.shares], [i.mention.id for i in digest.news]
    )
    try:
        index, feed = update_archive(folder, templates, feed_id_seed=workspace.root.as_uri())
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot update the digest archive (index.html, feed.xml) in {folder}: "
            f"{exc.strerror or exc}; the day's digest is written, at {html_path}."
        ) from None
    return DigestResult(day, md_path, html_path, index, feed, digest)


def build_digest(
    store: Store,
    config: Config,
    workspace: Workspace,
    *,
    day: date,
    run_report: object | Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Digest:
    """Choose and draft the day's items (expiring stale suggestions on the way)."""
    zone = digest_zone(config)
    settings = config.digest
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    as_of = min(moment, end_of_day)  # an earlier day's digest sees only what it could have
    today = as_of == moment
    store.expire_suggestions(restraint.expiry_cutoff(as_of, settings))
    contacts = {c.id: c for c in store.contacts()}
    candidates = store.digest_suggestions(day, until=as_of)
    mentions = store.digest_mentions(
        day, since=restraint.expiry_cutoff(as_of, settings), until=as_of
    )
    selection = restraint.select(candidates, mentions, contacts, now=as_of, settings=settings)
    shown = [s.article_id for s in selection.suggestions] + [
        m.article_id for m in selection.mentions
    ]
    articles = {a.id: a for a in store.articles(ids=sorted(set(shown)))} if shown else {}
    templates = workspace.templates_dir
    news = tuple(
        NewsItem(
            m,
            contacts[m.contact_id],
            articles[m.article_id],
            mention_draft(
                contacts[m.contact_id],
                articles[m.article_id],
                m,
                templates_dir=templates,
                sequence=store.sent_count(m.contact_id, kind="mention"),
            ),
        )
        for m in selection.mentions
    )
    shares = tuple(
        ShareItem(
            s,
            contacts[s.contact_id],
            articles[s.article_id],
            share_draft(
                contacts[s.contact_id],
                articles[s.article_id],
                s,
                templates_dir=templates,
                sequence=store.sent_count(s.contact_id, kind="share"),
            ),
        )
        for s in selection.suggestions
    )
    fresh = store.articles_fetched_between(as_of - WINDOW, as_of)
    footer = _run_facts(store, config, run_report, fresh_count=len(fresh), as_of=as_of)
    notable = _notable(store, config, fresh, exclude=set(shown), limit=settings.notable)
    return Digest(
        day=day,
        written_at=moment.astimezone(zone),
        timezone=str(zone),
        news=news,
        shares=shares,
        notable=notable,
        footer=footer,
        quiet=""
        if shares
        else _quiet_reason(contacts, selection, candidates, footer, settings, today=today),
        held=_held(selection, settings.max_suggestions),
        today=today,
    )


def digest_day(config: Config, now: datetime | None = None) -> date:
    """Today, where the user is: the date a digest written now is filed under."""
    return (now or datetime.now(UTC)).astimezone(digest_zone(config)).date()


def digest_zone(config: Config) -> tzinfo:
    """The zone that decides where a digest's day starts (see `config.time_zone`)."""
    return time_zone(config)


def inline_css(html: str) -> str:
    """Copy the <style> rules onto elements for mail clients that drop <style>; the
    media queries (dark mode, narrow screens) stay in the kept <style> block."""
    inliner = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)
    return str(inliner.inline(html))


def site_of(article: Article) -> str:
    if article.site_name and article.site_name.strip():
        return " ".join(article.site_name.split())
    host = urlsplit(article.url or article.canonical_url).hostname or ""
    return host.removeprefix("www.")


# --- the parts --------------------------------------------------------------------------


def _notable(
    store: Store, config: Config, fresh: Sequence[Article], *, exclude: set[int], limit: int
) -> tuple[tuple[str, tuple[NotableItem, ...]], ...]:
    """A few of the day's articles, spread across feed tags, widest-covered first."""
    if limit <= 0 or not fresh:
        return ()
    tags = {f.url: (f.tags[0] if f.tags else (f.name or "")) for f in config.feeds}
    sizes = store.story_sizes(sorted({a.story for a in fresh}))
    heads: dict[int, Article] = {}
    for article in sorted(fresh, key=lambda a: a.id):
        if article.id not in exclude and article.story not in heads:
            heads[article.story] = article
    exclude_stories = {a.story for a in fresh if a.id in exclude}
    ranked = sorted(
        (a for story, a in heads.items() if story not in exclude_stories),
        key=lambda a: (
            -sizes.get(a.story, 1),
            not a.extracted,
            -(a.published or a.fetched_at).timestamp(),
            a.id,
        ),
    )
    groups: dict[str, list[NotableItem]] = {}
    for article in ranked:
        tag = next((tags[u] for u in article.feed_urls if tags.get(u)), "") or "other"
        groups.setdefault(tag, []).append(NotableItem(article, tag, sizes.get(article.story, 1)))
    picked: dict[str, list[NotableItem]] = {tag: [] for tag in groups}
    count, depth = 0, 0
    while count < limit and any(depth < len(items) for items in groups.values()):
        for tag, items in groups.items():  # round-robin, so one busy tag cannot fill it
            if depth < len(items) and count < limit:
                picked[tag].append(items[depth])
                count += 1
        depth += 1
    return tuple((tag, tuple(items)) for tag, items in picked.items() if items)


def _run_facts(
    store: Store,
    config: Config,
    report: object | Mapping[str, Any] | None,
    *,
    fresh_count: int,
    as_of: datetime,
) -> RunFacts:
    configured = {f.url: f for f in config.feeds}
    states = [s for s in store.feed_states() if s.url in configured]
    failing = tuple(
        FailingFeed(
            name=configured[s.url].name or s.name or s.url,
            url=s.url,
            error=s.last_error or "marked dead",
            failures=s.consecutive_failures,
        )
        for s in states
        if not s.ok and s.consecutive_failures > 0
    )
    run_at: datetime | None = None
    if report is None:
        last = store.last_run(before=as_of)  # an earlier day's digest: that day's run
        if last is not None and last.get("finished_at"):
            report = last.get("report") or {}
            run_at = datetime.fromisoformat(last["started_at"])
    since = as_of - WINDOW
    fetched = sum(1 for s in states if s.last_fetched is not None and s.last_fetched >= since)
    feeds = _fact(report, "feeds")
    new_articles = _fact(report, "new_articles")
    seconds = _fact(report, "seconds")
    return RunFacts(
        feeds=int(feeds) if feeds is not None else fetched,
        failing=failing,
        new_articles=int(new_articles) if new_articles is not None else fresh_count,
        seconds=float(seconds) if seconds is not None else None,
        run_at=run_at,
    )


def _fact(report: object | Mapping[str, Any] | None, key: str) -> Any:
    """A number from a run report, whether the run stage passes a record or a mapping."""
    if report is None:
        return None
    value = report.get(key) if isinstance(report, Mapping) else getattr(report, key, None)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _quiet_reason(
    contacts: Mapping[int, Contact],
    selection: restraint.Selection,
    candidates: Sequence[Suggestion],
    footer: RunFacts,
    settings: DigestSettings,
    *,
    today: bool = True,
) -> str:
    """Why nothing is worth sharing today, in one sentence the user can act on."""
    if not contacts:
        return (
            "You have no contacts yet, so there is no one to match articles to; "
            'add one with `cheesecake contacts add NAME --interests "..."`.'
        )
    if settings.max_suggestions <= 0:
        return "The digest's cap (digest.max_suggestions in feeds.toml) is 0."
    if selection.in_cooldown:
        return (
            f"{counted(selection.in_cooldown, 'suggestion')} waiting: everyone they are for "
            "was contacted recently and is in cooldown."
        )
    if selection.already_mentioned:
        return "The only matches are stories your contacts are in the news for (see above)."
    if selection.in_bad_news:
        return (
            "The only matches are for contacts in bad news today (see above); they wait "
            "for a later digest."
        )
    if not candidates and footer.new_articles == 0:
        failing = f"; {counted(len(footer.failing), 'feed')} failing" if footer.failing else ""
        of_day = "" if today else " of that day"
        return f"No new articles arrived in the last 24 hours{of_day}{failing}."
    return (
        f"None of the {counted(footer.new_articles, 'new article')} matched a contact's "
        "interests closely enough."
    )


def _held(selection: restraint.Selection, cap: int) -> tuple[str, ...]:
    notes = []
    if selection.in_cooldown:
        notes.append(f"{counted(selection.in_cooldown, 'suggestion')} for contacts in cooldown")
    if selection.in_bad_news:
        notes.append(
            f"{counted(selection.in_bad_news, 'suggestion')} for contacts in bad news today, "
            "kept for a later digest"
        )
    if selection.second_per_contact:
        notes.append(
            f"{counted(selection.second_per_contact, 'further suggestion')} for contacts "
            "already in this digest"
        )
    if selection.over_cap:
        notes.append(
            f"{counted(selection.over_cap, 'suggestion')} over the cap of {cap}, "
            "kept for a later digest"
        )
    return tuple(notes)


def _context(digest: Digest) -> dict[str, Any]:
    return {
        "d": digest,
        "site": site_of,
        # Templates written before NewsItem.label still call this.
        "event_label": event_label,
    }
