"""Typed, frozen value records shared by every stage.

Stages pass these, never dicts with string keys. Records that come out of the store
carry their `id`; records built by a stage before storing (`New*`) do not.
Datetimes are timezone-aware UTC throughout; the store writes them as ISO 8601.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Suggestion and mention ids share no sequence, so they carry a prefix instead:
# `s12` is suggestion 12, `m7` is mention 7. `sent`/`dismiss` never guess.
SUGGESTION_PREFIX = "s"
MENTION_PREFIX = "m"

SUGGESTION_STATUSES = ("new", "sent", "dismissed", "expired")
MENTION_STATUSES = ("new", "sent", "dismissed", "not_them")
CONFIDENCES = ("high", "medium", "verify")
# Ends a suggestion reason that cheesecake inferred rather than the contact wrote.
RELATED = " (related)"
EVENTS = (
    "new_role",
    "award",
    "funding",
    "launch",
    "publication",
    "authored",
    "company_news",
    "negative",
    "other",
)
# How each event kind reads in a digest heading or an alert subject.
EVENT_LABELS = {
    "new_role": "new role",
    "award": "award",
    "funding": "funding",
    "launch": "launch",
    "publication": "publication or talk",
    "authored": "wrote an article",
    "company_news": "company news",
    "negative": "negative news",
    "other": "mentioned",
}


@dataclass(frozen=True)
class FeedSource:
    """A feed as the user configured it in feeds.toml."""

    url: str
    name: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedState:
    """A feed's fetch bookkeeping as stored: conditional-GET validators and health."""

    id: int
    url: str
    name: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    last_status: int | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    last_fetched: datetime | None = None
    last_success: datetime | None = None
    dead: bool = False
    articles: int = 0
    moved_to: str | None = None  # its new URL, when every redirect to it was permanent

    @property
    def ok(self) -> bool:
        # The last fetch worked; `last_error` may still hold a warning on a working
        # feed (malformed but parsed), which is no failure.
        return self.consecutive_failures == 0 and not self.dead


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a parsed feed, before its page is fetched."""

    key: str  # identity within the feed: guid, else canonical link, else content hash
    url: str  # the link as the feed gave it, tracking parameters and fragment removed
    title: str
    author: str | None = None
    published: datetime | None = None
    summary: str = ""  # plain text of the entry's content or summary
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewArticle:
    """An article ready to be stored: entry fields merged with what extraction found."""

    url: str
    canonical_url: str
    title: str
    text: str
    extracted: bool
    author: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    description: str | None = None
    language: str | None = None
    summary: str = ""
    extract_error: str | None = None


@dataclass(frozen=True)
class PageRetry:
    """A stored article whose page failed for a passing reason, due to be asked again."""

    article_id: int
    url: str  # the entry's link, as first fetched
    feed_url: str  # the first feed that carried it (a feed on loopback may link there)
    attempts: int  # fetches of the page so far, the first one included


@dataclass(frozen=True)
class Article:
    id: int
    url: str
    canonical_url: str
    title: str
    text: str
    extracted: bool
    fetched_at: datetime
    author: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    description: str | None = None
    language: str | None = None
    summary: str = ""
    extract_error: str | None = None
    story_id: int | None = None  # id of the first article of the same story (near-duplicates)
    feed_urls: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # tags of the feeds it came from

    @property
    def story(self) -> int:
        return self.story_id if self.story_id is not None else self.id


@dataclass(frozen=True)
class ContactFields:
    """Everything a contact has except identity and bookkeeping (used to add and update).

    Built and validated by `pipeline.contacts.clean_fields`, so every stored contact
    has these invariants (a stage may rely on them):

    - `name`: the full name as the user or the import source wrote it, whitespace
      collapsed, never empty ("Dr. María-José García López Jr.", "王小明", "Madonna").
    - `first_name`, `middle_name`, `last_name`, `suffix`, `nickname`, `honorific`: the
      name's parts. Kept as given where the source gives them (LinkedIn's columns, a
      vCard's N); otherwise parsed from `name` by `pipeline.contact_names.parse_name`
      (Spanish double surnames stay together in `last_name`, CJK names are split
      family-name first, a single-token name is a `first_name`). Any may be "".
      `honorific` is "Dr.", "Prof."… and is not part of how the press writes the name.
    - `aliases`: other names the person goes by (maiden name, "Bob", a Chinese name
      and its romanisation), each a whole name; a renamed contact keeps its old name here.
    - `company`, `department`, `title`, `industry`: where they work and as what, one line
      each; `industry` is free text ("maritime logistics").
    - `interests`: free text, what they care about, in the user's words: the heart of
      their relevance profile. `notes`: anything else the user knows about them.
      `met`: how and when the user met them ("interviewed me for the Senior PM role,
      March 2026"). These three may span lines ("\n").
    - `emails`, `phones`, `tags`: no empty or duplicate items, no item contains ";";
      `emails[0]` is the preferred address.
    - `linkedin_url`: normalised to `https://www.linkedin.com/in/<slug>` (or ""); the
      strongest identity on re-import, unique among contacts.
    - `birthday`: ISO 8601, "1985-04-12", or "--04-12" when the year is unknown; "".
    - `cooldown_days`: per-contact override of the suggestion cooldown (None: default).
    """

    name: str
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    suffix: str = ""
    nickname: str = ""
    company: str = ""
    title: str = ""
    industry: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    interests: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    met: str = ""
    linkedin_url: str = ""
    cooldown_days: int | None = None
    honorific: str = ""
    department: str = ""
    birthday: str = ""


@dataclass(frozen=True)
class Contact(ContactFields):
    id: int = 0
    last_contacted: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    @property
    def greeting_name(self) -> str:
        """The name to open a message with: nickname, else first name, else honorific
        and family name ("Dr. Chen"), else the whole name.

        Never the name's first word: that is "Dr." in "Dr. Chen" and "de" in "de la
        Cruz". A first name that is an initial ("J.") is no name to greet anyone by.
        """
        if self.nickname:
            return self.nickname
        if self.first_name and not _is_initial(self.first_name):
            return self.first_name
        if self.honorific and self.last_name:
            return f"{self.honorific} {self.last_name}"
        return self.name


def _is_initial(name: str) -> bool:
    """ "J." or "J": one letter, with or without its full stop."""
    stripped = name.removesuffix(".")
    return len(stripped) == 1 and stripped.isalpha()


@dataclass(frozen=True)
class Suggestion:
    id: int
    contact_id: int
    article_id: int
    story_id: int
    score: float
    reasons: tuple[str, ...]
    quote: str
    status: str
    created_at: datetime
    weak: bool = False
    acted_at: datetime | None = None

    @property
    def public_id(self) -> str:
        return f"{SUGGESTION_PREFIX}{self.id}"


@dataclass(frozen=True)
class Mention:
    id: int
    contact_id: int
    article_id: int
    story_id: int
    confidence: str
    event: str
    evidence: str
    matched: str  # the variant found in the text, as written there
    salience: int  # number of references to the person in the article
    status: str
    created_at: datetime
    context: str = ""  # organisation named near the mention (for --not-them suppression)

    @property
    def public_id(self) -> str:
        return f"{MENTION_PREFIX}{self.id}"


@dataclass(frozen=True)
class ItemError:
    """A failure of one item (feed, page, alert) inside a run: recorded, then the run goes on."""

    stage: str
    item: str
    message: str


@dataclass(frozen=True)
class FetchReport:
    feeds: int = 0
    feeds_failed: int = 0
    feeds_unchanged: int = 0  # 304, or a 200 whose body hash had not changed
    new_articles: int = 0
    extracted: int = 0
    fallbacks: int = 0  # new articles stored with the feed's summary only
    duplicates: int = 0  # entries linked to an article already stored (same URL)
    errors: tuple[ItemError, ...] = field(default_factory=tuple)
    near_duplicates: int = 0  # new articles joined to an earlier story by their text
    pages: int = 0  # article pages requested
    recovered: int = 0  # pages earlier runs could not get, extracted this time
    requests: int = 0  # HTTP exchanges in all (feeds, pages, redirects, retries)
    seconds: float = 0.0
