"""The demo: the whole product, offline, in one call.

This module owns the bundled sample world (`data/`: four fictional trade
publications, their articles, a feed that is down, and eight contacts, some of whom
are in the news) and the show: serve it from a loopback HTTP server in a thread,
create a fresh workspace, add the feeds and contacts, run one real pass, and report
where the digest is. It refuses to write into a folder that already holds anything,
and it leaves the workspace in place for the user to explore.

Article files are Markdown with TOML front matter: `site`, `title`, `author`,
`hours_ago` (publication time relative to now, so the demo is always fresh),
`summary`, optional `also_in` (other sites whose feed lists the same URL: an exact
duplicate) and `copy_of` (a syndicated copy of another article under its own URL:
a near-duplicate).
"""

from __future__ import annotations

import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jinja2
from feedgen.feed import FeedGenerator
from markupsafe import Markup

from pipeline.config import add_feeds, atomic_write_text
from pipeline.contact_io import import_file
from pipeline.errors import WorkspaceError
from pipeline.loopback import LoopbackServer, Response
from pipeline.messages import mention_draft, mention_label
from pipeline.records import FeedSource, Mention
from pipeline.run import RunReport, run_pass
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace, init_workspace

DATA = Path(__file__).resolve().parent / "data"
CONTACTS_FILE = DATA / "contacts.csv"


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    tagline: str
    format: str  # "rss" or "atom"
    tags: tuple[str, ...]

    @property
    def feed_path(self) -> str:
        return f"/{self.key}/{'atom' if self.format == 'atom' else 'rss'}.xml"


@dataclass(frozen=True)
class SampleArticle:
    slug: str
    site: str
    title: str
    author: str
    hours_ago: float
    summary: str
    body: str  # Markdown-ish: paragraphs, and "## " subheadings
    also_in: tuple[str, ...] = ()
    syndicated_from: str = ""

    @property
    def path(self) -> str:
        return f"/{self.site}/news/{self.slug}"


@dataclass(frozen=True)
class SampleWorld:
    sites: tuple[Site, ...]
    broken: Site
    broken_page: str
    articles: tuple[SampleArticle, ...]


@dataclass(frozen=True)
class MentionLine:
    contact: str
    event: str
    label: str  # what the news is, in words (messages.mention_label)
    confidence: str
    title: str
    drafted: bool


@dataclass(frozen=True)
class DemoResult:
    workspace: Path
    digest: Path | None
    report: RunReport
    contacts: int
    mentions: tuple[MentionLine, ...] = ()
    seconds: float = 0.0
    feed_urls: tuple[str, ...] = field(default=())


# --- the sample world ---------------------------------------------------------------------


def load_world(folder: Path = DATA) -> SampleWorld:
    """Read sites.toml and every article file (fails loudly: this is our own data)."""
    spec = tomllib.loads((folder / "sites.toml").read_text(encoding="utf-8"))
    sites = tuple(
        Site(s["key"], s["name"], s["tagline"], s["format"], tuple(s["tags"])) for s in spec["site"]
    )
    b = spec["broken"]
    broken = Site(b["key"], b["name"], "", "rss", tuple(b["tags"]))
    raw: dict[str, tuple[dict[str, object], str]] = {}
    for path in sorted((folder / "articles").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("+++", 2)
        raw[path.stem] = (tomllib.loads(front), body.strip())
    articles = []
    for slug, (meta, body) in raw.items():
        source = str(meta.get("copy_of", ""))
        articles.append(
            SampleArticle(
                slug=slug,
                site=str(meta["site"]),
                title=str(meta["title"]),
                author=str(meta["author"]),
                hours_ago=float(meta["hours_ago"]),  # type: ignore[arg-type]
                summary=str(meta["summary"]),
                body=raw[source][1] if source else body,
                also_in=tuple(meta.get("also_in", ())),  # type: ignore[arg-type]
                syndicated_from=str(meta.get("syndicated_from", "")),
            )
        )
    page = (folder / str(b["page"])).read_text(encoding="utf-8")
    return SampleWorld(sites, broken, page, tuple(articles))


def _body_html(body: str) -> Markup:
    blocks = []
    for block in body.split("\n\n"):
        block = " ".join(block.split())
        if block.startswith("## "):
            blocks.append(Markup("<h2>{}</h2>").format(block[3:]))
        elif block:
            blocks.append(Markup("<p>{}</p>").format(block))
    return Markup("\n").join(blocks)


def _page_template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string((DATA / "page.html").read_text(encoding="utf-8"))


def build_routes(world: SampleWorld, base_url: str, now: datetime) -> dict[str, Response]:
    """Every page and feed of the sample world, with links on `base_url`."""
    template = _page_template()
    sites = {s.key: s for s in world.sites}
    routes: dict[str, Response] = {}
    by_site: dict[str, list[SampleArticle]] = {s.key: [] for s in world.sites}
    for article in world.articles:
        for key in (article.site, *article.also_in):
            by_site[key].append(article)
    for article in world.articles:
        site = sites[article.site]
        published = now - timedelta(hours=article.hours_ago)
        related = [a for a in by_site[site.key] if a is not article and a.site == site.key][:3]
        html = template.render(
            site={"name": site.name, "tagline": site.tagline, "root": base_url + f"/{site.key}"},
            article={
                "title": article.title,
                "url": base_url + article.path,
                "author": article.author,
                "summary": article.summary,
                "published": published.isoformat(timespec="seconds"),
                "published_human": f"{published:%d %B %Y, %H:%M} UTC",
                "body_html": _body_html(article.body),
                "syndicated_from": article.syndicated_from,
            },
            related=[{"title": a.title, "url": base_url + a.path} for a in related],
            year=now.year,
        )
        routes[article.path] = Response(html.encode("utf-8"))
    for site in world.sites:
        routes[site.feed_path] = _feed(site, by_site[site.key], base_url, now)
    routes[world.broken.feed_path] = Response(world.broken_page.encode("utf-8"))
    return routes


def _feed(site: Site, articles: list[SampleArticle], base_url: str, now: datetime) -> Response:
    fg = FeedGenerator()
    fg.load_extension("dc")
    home = f"{base_url}/{site.key}/"
    fg.id(home)
    fg.title(site.name)
    fg.subtitle(site.tagline)
    fg.link(href=home, rel="alternate")
    fg.link(href=base_url + site.feed_path, rel="self")
    fg.language("en")
    # feedgen prepends entries: add oldest first so the feed lists newest first.
    for article in sorted(articles, key=lambda a: -a.hours_ago):
        url = base_url + article.path
        entry = fg.add_entry()
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(article.title)
        entry.link(href=url)
        entry.description(article.summary)
        entry.published(now - timedelta(hours=article.hours_ago))
        entry.updated(now - timedelta(hours=article.hours_ago))
        entry.dc.dc_creator(article.author)
    fg.updated(now)
    if site.format == "atom":
        return Response(fg.atom_str(pretty=True), content_type="application/atom+xml")
    return Response(fg.rss_str(pretty=True), content_type="application/rss+xml")


# --- the show -----------------------------------------------------------------------------

# At the top of the kept workspace's feeds.toml: its feeds pointed at a server that
# stopped with the demo, and a later `run` there would otherwise fail them all unexplained.
FEEDS_NOTE = """\
# This workspace was made by `cheesecake demo`. Its sample feeds (the 127.0.0.1 URLs
# below) were served by the demo itself and exist only while `cheesecake demo` runs:
# a `cheesecake run` here finds them all failing. To follow real news, remove them
# (`cheesecake --workspace {root} feeds remove URL`, or delete their [[feeds]] tables)
# and add real feeds with `cheesecake --workspace {root} feeds add URL` or
# `feeds import FILE.opml`; or start afresh with `cheesecake init DIR`.

"""


def _fresh_folder(keep: Path | None) -> Path:
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="cheesecake-demo-", dir=tempfile.gettempdir()))
    folder = keep.expanduser().resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise WorkspaceError(
            f"{folder} already exists and is not an empty folder; give --keep a new or "
            "empty directory so the demo never overwrites anything."
        )
    return folder


def run_demo(
    keep: Path | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> DemoResult:
    """Serve the sample world, run one full pass into a fresh workspace, report."""
    started = time.monotonic()
    now = datetime.now(UTC)
    world = load_world()
    root = _fresh_folder(keep)
    workspace, _ = init_workspace(root)
    with LoopbackServer() as server:
        server.routes.update(build_routes(world, server.base_url, now))
        sources = [
            FeedSource(server.url(site.feed_path), site.name, site.tags)
            for site in (*world.sites, world.broken)
        ]
        add_feeds(workspace.config_path, sources)
        with open_store(workspace.db_path()) as store:
            import_file(store, CONTACTS_FILE, "csv")
        report = run_pass(
            workspace, digest=True, lock_timeout=0, progress=progress, on_stage=on_stage
        )
    config_text = workspace.config_path.read_text(encoding="utf-8")
    atomic_write_text(workspace.config_path, FEEDS_NOTE.format(root=root) + config_text)
    with open_store(workspace.db_path()) as store:
        lines = tuple(_mention_line(store, m, workspace) for m in reversed(store.mentions()))
        contacts = store.count_contacts()
    return DemoResult(
        workspace=root,
        digest=Path(report.digest) if report.digest else None,
        report=report,
        contacts=contacts,
        mentions=lines,
        seconds=time.monotonic() - started,
        feed_urls=tuple(s.url for s in sources),
    )


def _mention_line(store: Store, mention: Mention, workspace: Workspace) -> MentionLine:
    contact = store.contact(mention.contact_id)
    article = store.article(mention.article_id)
    draft = mention_draft(contact, article, mention, templates_dir=None)
    return MentionLine(
        contact=contact.name,
        event=mention.event,
        label=mention_label(mention, article),
        confidence=mention.confidence,
        title=article.title,
        drafted=draft is not None,
    )
