"""feeds.toml: loading, validation, and comment-preserving edits.

The file is the user's, so it is validated strictly (an unknown key is a typo, not
something to ignore) and every problem is reported as one sentence naming the file,
the key or line, and the fix. Edits from the CLI go through tomlkit so the user's
comments and ordering survive. Each section maps onto a frozen dataclass; adding a
setting means adding a field with its default (through `_setting` for a number, with the
range it must lie in), nothing else.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomlkit
import tzlocal
from tomlkit.items import AoT

from pipeline.errors import AmbiguousError, ConfigError, NotFoundError, UsageError
from pipeline.records import FeedSource
from pipeline.urls import clean_url


@dataclass(frozen=True)
class Range:
    """Where a number setting must lie: `low` or more (more than `low` when `open_low`),
    and `high` or less."""

    low: float
    high: float | None = None
    open_low: bool = False

    def admits(self, value: float) -> bool:
        above = value > self.low if self.open_low else value >= self.low
        return above and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        if self.high is not None:
            return f"between {self.low:g} and {self.high:g}"
        return f"more than {self.low:g}" if self.open_low else f"{self.low:g} or more"


def _setting(default: Any, low: float, high: float | None = None, *, open_low: bool = False) -> Any:
    """A number setting: its default, and the range feeds.toml may set it in."""
    return field(default=default, metadata={"range": Range(low, high, open_low)})


_DAYS = 3650  # ten years: a timedelta of many more overflows when subtracted from now


@dataclass(frozen=True)
class FetchSettings:
    database: str = "cheesecake.db"
    concurrency: int = _setting(16, 1)  # requests in flight in all
    per_host_concurrency: int = _setting(4, 1)
    per_host_delay: float = _setting(0.0, 0)  # seconds between requests to one host
    connect_timeout: float = _setting(10.0, 0, open_low=True)
    read_timeout: float = _setting(20.0, 0, open_low=True)
    # a whole response, so a trickling server cannot hold us
    total_timeout: float = _setting(60.0, 0, open_low=True)
    feed_max_bytes: int = _setting(20_000_000, 1)
    page_max_bytes: int = _setting(5_000_000, 1)
    max_redirects: int = _setting(5, 0)
    retries: int = _setting(2, 0)
    user_agent: str = "cheesecake/0.1 (+https://github.com/cheesecake-news/cheesecake)"
    extract_workers: int = _setting(0, 0)  # 0 = one per CPU
    max_entries_per_feed: int = _setting(200, 1)


@dataclass(frozen=True)
class RelevanceSettings:
    window_days: int = _setting(90, 1, _DAYS)  # corpus the TF-IDF model is fitted on
    max_age_days: int = _setting(7, 1, _DAYS)  # older articles are not suggested by `match`
    # below this a match is "weak": dropped by match, flagged by suggest
    threshold: float = _setting(0.12, 0, 1)
    per_contact: int = _setting(5, 1)  # suggestions kept per contact per match
    refit_growth: float = _setting(0.2, 0)  # refit when the corpus grew by this fraction


@dataclass(frozen=True)
class DigestSettings:
    max_suggestions: int = _setting(10, 0)  # 0: mentions only
    cooldown_days: int = _setting(14, 0, _DAYS)
    expire_days: int = _setting(14, 1, _DAYS)
    notable: int = _setting(5, 0)


@dataclass(frozen=True)
class ScheduleSettings:
    timezone: str = ""  # IANA name; empty = the machine's local zone
    run: str = "0 * * * *"  # fetch + match + alerts
    digest: str = "0 7 * * *"  # a full run that also writes (and e-mails) the day's digest
    misfire_grace_seconds: int = _setting(900, 1)
    email_digest: bool = True  # e-mail the daily digest when [alerts.email] is configured
    # how long a run waits for another one to finish
    lock_wait_seconds: float = _setting(600.0, 0)


@dataclass(frozen=True)
class EmailSettings:
    to: str = ""
    from_: str = ""
    smtp_host: str = ""
    smtp_port: int = _setting(587, 1, 65535)
    security: str = "starttls"
    username_env: str = ""
    password_env: str = ""
    timeout: float = _setting(30.0, 0, open_low=True)


@dataclass(frozen=True)
class AlertSettings:
    webhook_url: str = ""
    webhook_topic: str = ""  # ntfy: the topic, when webhook_url is the server's root URL
    retries: int = _setting(3, 0)  # further attempts after a failed one, within one run
    retry_delay: float = _setting(2.0, 0)  # seconds before the first retry; doubles each time
    timeout: float = _setting(15.0, 0, open_low=True)  # seconds for one webhook request
    # a failed alert is retried by later runs for this long
    give_up_hours: int = _setting(24, 0, _DAYS * 24)
    email: EmailSettings | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    settings: FetchSettings = field(default_factory=FetchSettings)
    relevance: RelevanceSettings = field(default_factory=RelevanceSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    feeds: tuple[FeedSource, ...] = ()


def time_zone(config: Config) -> tzinfo:
    """The workspace's zone, where the user's days start: [schedule] timezone, else the
    machine's. The digest's day, the schedule and a bare `--since DATE` all use it."""
    name = config.schedule.timezone
    if not name:
        return tzlocal.get_localzone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{config.path}: schedule.timezone {name!r} is not a known time zone; "
            "use an IANA name such as 'Europe/London'."
        ) from None


_SECTIONS: dict[str, type] = {
    "settings": FetchSettings,
    "relevance": RelevanceSettings,
    "digest": DigestSettings,
    "schedule": ScheduleSettings,
    "alerts": AlertSettings,
}
_FEED_KEYS = {"url": str, "name": str, "tags": list}


def load_config(path: Path) -> Config:
    """Read and validate feeds.toml; raise ConfigError with one sentence on any problem."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist; run `cheesecake init` to create a workspace."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read ({exc}); check the file.") from None
    return parse_config(raw, path)


def parse_config(raw: str, path: Path) -> Config:
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        where = f"(at the end, line {len(raw.rstrip().splitlines())})"
        raise ConfigError(
            f"{path} is not valid TOML: {str(exc).replace('(at end of document)', where)}; "
            "fix that line (https://toml.io)."
        ) from None
    known = {*_SECTIONS, "feeds"}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{_where(path, raw, key)}: unknown section or key '{key}'; "
                f"expected one of {', '.join(sorted(known))}."
            )
    sections: dict[str, Any] = {}
    for name, cls in _SECTIONS.items():
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(path, raw, name)}: '{name}' must be a table ([{name}]).")
        sections[name] = _build(cls, value, name, path, raw)
    feeds = _parse_feeds(data.get("feeds", []), path, raw)
    return Config(path=path, feeds=feeds, **sections)


def _build(cls: type, table: dict[str, Any], prefix: str, path: Path, raw: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name.rstrip("_"): f.name for f in fields(cls)}
    ranges = {f.name: f.metadata["range"] for f in fields(cls) if "range" in f.metadata}
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(
                f"{_where(path, raw, key)}: unknown key '{prefix}.{key}'; "
                f"valid keys are {', '.join(sorted(names))}."
            )
        attr = names[key]
        expected = hints[attr]
        nested = _dataclass_in(expected)
        if nested is not None:
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{_where(path, raw, key)}: '{prefix}.{key}' must be a table "
                    f"([{prefix}.{key}])."
                )
            kwargs[attr] = _build(nested, value, f"{prefix}.{key}", path, raw)
            continue
        where = _where(path, raw, key)
        kwargs[attr] = _check_type(value, expected, f"{prefix}.{key}", where)
        allowed = ranges.get(attr)
        if allowed is not None and not allowed.admits(kwargs[attr]):
            raise ConfigError(
                f"{where}: '{prefix}.{key}' must be {allowed}, not {value!r}; "
                f"change it or delete the line for the default ({getattr(cls(), attr)!r})."
            )
    return cls(**kwargs)


def _dataclass_in(annotation: Any) -> type | None:
    candidates = typing.get_args(annotation) or (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and hasattr(candidate, "__dataclass_fields__"):
            return candidate
    return None


def _check_type(value: Any, expected: Any, key: str, where: str) -> Any:
    options = typing.get_args(expected) if isinstance(expected, types.UnionType) else (expected,)
    for option in options:
        if option is float and isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):  # TOML has inf and nan
                raise ConfigError(f"{where}: '{key}' must be a finite number, not {value!r}.")
            return float(value)
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option in (str, bool) and type(value) is option:
            return value
    wanted = " or ".join(_kind(o) for o in options if o is not type(None))
    raise ConfigError(f"{where}: '{key}' must be {wanted}, not {_found(value)}.")


# What a TOML value is, in the words of the file's reader ("must be an integer").
_KINDS: dict[type, str] = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a table",
    datetime: "a date and time",
    date: "a date",
    time: "a time of day",
}


def _kind(kind: type) -> str:
    return _KINDS.get(kind, f"a {kind.__name__}")


def _found(value: Any) -> str:
    """A wrong value, what it is and as the file spells it: "a string ('25')", "false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    written = value.isoformat() if isinstance(value, datetime | date | time) else repr(value)
    return f"{_kind(type(value))} ({written})"


def _parse_feeds(items: Any, path: Path, raw: str) -> tuple[FeedSource, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{_where(path, raw, 'feeds')}: feeds must be [[feeds]] tables.")
    out: list[FeedSource] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: feed #{n} must be a [[feeds]] table with a url.")
        for key, value in item.items():
            if key not in _FEED_KEYS:
                raise ConfigError(
                    f"{_where(path, raw, key)}: unknown key '{key}' in feed #{n}; "
                    "valid keys are name, tags, url."
                )
            if not isinstance(value, _FEED_KEYS[key]):
                raise ConfigError(
                    f"{_where(path, raw, key)}: '{key}' of feed #{n} must be "
                    f"{_kind(_FEED_KEYS[key])}, not {_found(value)}."
                )
        url = item.get("url")
        if url is None:
            raise ConfigError(f'{path}: feed #{n} has no url; add url = "https://...".')
        problem = url_problem(url)
        if problem:
            raise ConfigError(f"{_where(path, raw, url)}: feed #{n} url {url!r} {problem}.")
        tags = item.get("tags", [])
        if not all(isinstance(t, str) for t in tags):
            raise ConfigError(f"{_where(path, raw, 'tags')}: tags of feed #{n} must be strings.")
        if url in seen:
            raise ConfigError(f"{_where(path, raw, url)}: feed {url} is listed twice; remove one.")
        seen.add(url)
        out.append(FeedSource(url=url, name=item.get("name"), tags=tuple(tags)))
    return tuple(out)


def url_problem(url: str) -> str | None:
    """Why `url` is not a usable feed URL, or None when it is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a valid URL"
    if parts.scheme not in ("http", "https"):
        guess = _http_guess(url)
        if guess is not None and url_problem(guess) is not None:
            guess = None  # only ever suggest a URL that would be accepted
        return "must start with http:// or https://" + (
            f" (did you mean {guess}?)" if guess else ""
        )
    if not parts.hostname:
        return "has no host name"
    if any(c.isspace() for c in url):
        return "contains spaces"
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "has an invalid port"
    return None


def find_feed(sources: Iterable[FeedSource], url_or_name: str) -> FeedSource:
    """The feed `url_or_name` names among `sources`: by URL (as typed or cleaned), else
    by exact name. UsageError when blank, NotFoundError or AmbiguousError otherwise."""
    wanted = url_or_name.strip()
    if not wanted:
        raise UsageError("The feed is blank; give its URL or name (see `cheesecake feeds list`).")
    cleaned = _cleaned(wanted)
    by_url: dict[str, FeedSource] = {}
    by_name: dict[str, FeedSource] = {}
    for source in sources:
        # Cleaned on both sides: a URL written by hand in feeds.toml ("HTTP://Host/feed")
        # is the one `add_feeds` reports as already listed, so it answers to that URL.
        if source.url == wanted or _cleaned(source.url) == cleaned:
            by_url.setdefault(source.url, source)
        elif source.name == wanted:
            by_name.setdefault(source.url, source)
    found = list(by_url.values()) or list(by_name.values())
    if len(found) > 1:
        raise AmbiguousError(
            f"Several feeds are named {wanted!r} ({', '.join(s.url for s in found)}); "
            "give one's URL instead."
        )
    if not found:
        raise NotFoundError(
            f"No feed {url_or_name!r} in feeds.toml; see `cheesecake feeds list` for the "
            "feeds' URLs and names."
        )
    return found[0]


def _cleaned(url: str) -> str:
    """`clean_url(url)`, or `url` itself where it cannot be parsed as one."""
    try:
        return clean_url(url)
    except ValueError:
        return url


def _http_guess(url: str) -> str | None:
    """The http(s) URL meant by a browser's feed: link or an address typed without scheme."""
    scheme, colon, rest = url.partition(":")
    if colon and scheme.lower() in ("feed", "feeds", "rss"):
        if rest.startswith("//"):
            return "https:" + rest  # feed://host/path
        if rest.lower().startswith(("http://", "https://")):
            return rest  # feed:https://host/path
    if re.match(r"(?:localhost|\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:/|$)", url):
        return "http://" + url
    if re.match(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?::\d+)?(?:/|$)", url, re.IGNORECASE):
        return "https://" + url
    return None


def _where(path: Path, raw: str, needle: str) -> str:
    """'path, line N' for the first line mentioning needle as a key or value, else 'path'."""
    pattern = re.compile(rf"^\s*(\[*\s*{re.escape(needle)}\b|.*[\"']{re.escape(needle)}[\"'])")
    for number, line in enumerate(raw.splitlines(), 1):
        if pattern.search(line):
            return f"{path}, line {number}"
    return str(path)


# --- comment-preserving edits -------------------------------------------------------


def _read_document(path: Path) -> tuple[Config, tomlkit.TOMLDocument]:
    """The file as settings, and as a document to edit: one that does not validate is
    never edited."""
    config = load_config(path)
    return config, tomlkit.parse(path.read_text(encoding="utf-8"))


def _write_document(path: Path, doc: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(doc)
    parse_config(text, path)  # never write a file we could not read back
    atomic_write_text(path, text)


def add_feeds(path: Path, sources: list[FeedSource]) -> list[FeedSource]:
    """Append feeds to feeds.toml, skipping URLs already there; return the ones added.

    URLs are stored cleaned (scheme and host lower case, no fragment, no tracking
    parameters), so "HTTP://Example.com/feed#top" is the feed already listed as
    "http://example.com/feed" rather than a second copy fetched twice.
    """
    _, doc = _read_document(path)
    feeds = _feed_tables(doc)
    existing = {clean_url(str(t.get("url"))) for t in feeds}
    added: list[FeedSource] = []
    for source in sources:
        problem = url_problem(source.url)
        if problem:
            raise ConfigError(f"Feed URL {source.url!r} {problem}.")
        source = replace(source, url=clean_url(source.url), **_label(source))
        if source.url in existing:
            continue
        table = tomlkit.table()
        table["url"] = source.url
        if source.name:
            table["name"] = source.name
        if source.tags:
            table["tags"] = list(source.tags)
        feeds.append(table)
        existing.add(source.url)
        added.append(source)
    _write_document(path, doc)
    return added


def _feed_tables(doc: tomlkit.TOMLDocument) -> AoT:
    """The document's `[[feeds]]` array of tables, made if missing.

    `feeds = [...]` written inline is valid too (a user may write `feeds = []`), but
    tomlkit appends a table to it as text no TOML reader accepts; so it becomes
    `[[feeds]]` tables first, its feeds kept in order.
    """
    current = doc.get("feeds")
    if isinstance(current, AoT):
        return current
    tables = tomlkit.aot()
    for inline in current or []:
        table = tomlkit.table()
        table.update(inline)
        tables.append(table)
    if current is not None:
        del doc["feeds"]
    doc.append("feeds", tables)
    return tables


def _label(source: FeedSource) -> dict[str, Any]:
    """A feed's name and tags trimmed; a blank one is a mistake, not "none" (it would
    be saved as `tags = [""]`, or dropped without a word)."""
    if source.name is not None and not source.name.strip():
        raise UsageError(
            "The feed's --name is blank; give the name to show for it, or leave --name out."
        )
    tags = tuple(dict.fromkeys(t.strip() for t in source.tags))
    if "" in tags:
        raise UsageError(
            "A --tag is blank; give a word to group the feed by (e.g. --tag logistics), "
            "or leave --tag out."
        )
    return {"name": source.name.strip() if source.name else None, "tags": tags}


def remove_feed(path: Path, url_or_name: str) -> FeedSource:
    """Remove one feed (by URL or exact name, see `find_feed`) from feeds.toml and return it."""
    config, doc = _read_document(path)
    removed = find_feed(config.feeds, url_or_name)
    feeds = doc["feeds"]
    del feeds[next(i for i, t in enumerate(feeds) if t.get("url") == removed.url)]
    if not feeds:
        # An empty array of tables is written as `feeds = []` above the file's
        # comments; without the key the file reads as `init` left it.
        del doc["feeds"]
    _write_document(path, doc)
    return removed


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same directory and os.replace: never a half file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
