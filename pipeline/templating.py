"""Jinja2 set-up shared by drafts and digests: where templates come from, and filters.

Shipped templates live in `pipeline/templates/`; a file of the same name in the
workspace's `templates/` folder replaces one. Undefined names fail loudly, and every
failure becomes a TemplateError naming the file and line. HTML and XML templates are
autoescaped; the Markdown filters here escape what a Markdown viewer would interpret,
so text from feeds and pages is always shown as text.
"""

from __future__ import annotations

import functools
import re
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup, escape

from pipeline.errors import TemplateError

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"
_LINK_SCHEMES = ("http", "https", "mailto")
# Inline text is one line, so only these act anywhere in it; the block markers
# (#, -, +, >, "1.") only act at its start, where `md_escape` escapes them too, and
# a heading's closing #s only at its end.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~&])")
_MD_LEADING = re.compile(r"^(\s*(?:\d+)?)([#+\-=>]|(?<=\d)[.)])")
# A run of # ending the line after a space is a heading's optional closing sequence,
# which CommonMark drops: "Rated 5 #" in a "### " heading would lose its "#".
_MD_CLOSING_HASHES = re.compile(r"(?<=\s)#(?=#*\s*$)")


def render(name: str, context: dict[str, Any], templates_dir: Path | None = None) -> str:
    """Render a template by name (workspace override first); TemplateError naming it."""
    env = environment(templates_dir)
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound:
        raise TemplateError(
            f"Template {name} is missing from {PACKAGE_TEMPLATES}; reinstall cheesecake."
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(
            f"Template {where}, line {exc.lineno}: {exc.message}; fix it or delete it "
            "to use the built-in one."
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        where, line = _template_frame(exc, env, name)
        raise TemplateError(
            f"Template {where}, line {line}: {exc}; fix it or delete it to use the built-in one."
        ) from None


def template_filename(name: str, templates_dir: Path | None = None) -> str:
    """The file a template name resolves to (the user's override, else the shipped one)."""
    try:
        return environment(templates_dir).get_template(name).filename or name
    except jinja2.TemplateError:
        return name


@functools.lru_cache(maxsize=8)
def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """One Jinja2 environment per override folder: user files shadow shipped ones."""
    search = [str(PACKAGE_TEMPLATES)]
    if templates_dir is not None:
        search.insert(0, str(templates_dir))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search, encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters.update(
        choose=choose,
        shorten=shorten,
        md=md_escape,
        fence=md_fence,
        link=safe_link,
        highlight=html_highlight,
        md_highlight=md_highlight,
        day=format_day,
        quoted=quoted,
        counted=counted,
    )
    return env


def quoted(text: object, opening: str = '"', closing: str = '"') -> str:
    """The text in quotation marks, unless it has its own: a sentence that opens with
    a quote ('"We are ready," said the chief executive.') would read '""We are...'."""
    value = str(text or "")
    if any(mark in value for mark in '"“”'):
        return value
    return f"{opening}{value}{closing}"


def _template_frame(exc: BaseException, env: jinja2.Environment, name: str) -> tuple[str, str]:
    """The template file and line an error was raised from (Jinja rewrites tracebacks)."""
    search = getattr(env.loader, "searchpath", [])
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if any(frame.filename.startswith(str(d)) for d in search):
            return frame.filename, str(frame.lineno)
    return template_filename(name), "?"


# --- filters --------------------------------------------------------------------------


def choose(options: list[Any] | tuple[Any, ...], variant: int) -> Any:
    """The variant-th phrasing, wrapping around (templates: `[...] | choose(variant)`)."""
    return options[variant % len(options)] if options else ""


def counted(n: int, noun: str) -> str:
    """ "1 feed", "2 feeds": a count with its noun (templates: `n | counted("feed")`)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def shorten(text: str, words: int) -> str:
    parts = str(text).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]).rstrip(",;:.") + "…"


def md_escape(text: object) -> str:
    """Text for Markdown: one line, every character Markdown or HTML would act on escaped."""
    escaped = _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", str(text or "")))
    escaped = _MD_CLOSING_HASHES.sub(r"\\#", escaped)
    return _MD_LEADING.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)


def md_fence(text: str) -> str:
    """A fenced block that the text cannot close early (the fence outgrows any backtick run)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def safe_link(url: object) -> str:
    """The URL if it is http(s) or mailto, percent-encoding what would break a Markdown
    link; "" otherwise, so a `javascript:` link from a feed is never made clickable."""
    value = str(url or "").strip()
    try:
        scheme = urlsplit(value).scheme.lower()
    except ValueError:
        return ""
    if scheme not in _LINK_SCHEMES:
        return ""
    return quote(value, safe="/:?#[]@!$&'*+,;=%-._~")


def html_highlight(text: str, needle: str) -> Markup:
    """Escaped text with each occurrence of `needle` (case-insensitive) in <mark>."""
    return Markup("").join(
        Markup("<mark>{}</mark>").format(part) if hit else escape(part)
        for part, hit in _split_on(text, needle)
    )


def md_highlight(text: str, needle: str) -> str:
    return "".join(
        f"**{md_escape(part)}**" if hit else md_escape(part)
        for part, hit in _split_on(text, needle)
    )


def format_day(value: date | datetime | None, empty: str = "") -> str:
    """A date as people write it: "1 May 2024"."""
    if value is None:
        return empty
    return f"{value.day} {value:%B %Y}"


def _split_on(text: str, needle: str) -> list[tuple[str, bool]]:
    text = " ".join(str(text or "").split())
    if not needle.strip():
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in re.finditer(re.escape(needle.strip()), text, flags=re.IGNORECASE):
        pieces.append((text[last : match.start()], False))
        pieces.append((match.group(0), True))
        last = match.end()
    pieces.append((text[last:], False))
    return [(part, hit) for part, hit in pieces if part]
