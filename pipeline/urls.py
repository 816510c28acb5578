"""URL cleaning: the one place that decides what an article's URL is.

`clean_url` makes a link absolute, lowercases the scheme and host, and removes
tracking parameters and the fragment. It refuses every other rewrite (no query
sorting, no path normalisation, no trailing-slash games): the product promises that
an article's `url` is the link the feed gave, minus tracking, so the user can
recognise it. Pages that know better say so with their own canonical URL.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import unquote_plus, urljoin, urlsplit

# Query parameters that only identify a campaign, click or mailing, never content.
# Exact names, compared case-insensitively; `utm_*` is handled as a prefix.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "gclsrc",
        "dclid",  # DoubleClick
        "gbraid",
        "wbraid",
        "msclkid",  # Microsoft Ads
        "yclid",  # Yandex
        "twclid",  # X / Twitter
        "ttclid",  # TikTok
        "li_fat_id",  # LinkedIn
        "igshid",  # Instagram
        "mc_cid",  # Mailchimp
        "mc_eid",
        "_hsenc",  # HubSpot
        "_hsmi",
        "__hssc",
        "__hstc",
        "__hsfp",
        "hsctatracking",
        "mkt_tok",  # Marketo
        "vero_id",  # Vero
        "vero_conv",
        "oly_anon_id",  # Omeda
        "oly_enc_id",
        "rb_clickid",
        "s_cid",  # Adobe
        "_ga",  # Google Analytics cross-domain linker
        "_gl",
        "ref_src",
        "ref_url",
        "wickedid",
        "ml_subscriber",  # MailerLite
        "ml_subscriber_hash",
        "sc_cid",  # Snapchat
    }
)

# scheme ":" and "//" authority, as urllib.parse.urlsplit delimits them.
_HEAD = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*:)?(?P<authority>//[^/?#]*)?")


def is_tracking_parameter(name: str) -> bool:
    key = unquote_plus(name).strip().lower()
    return key.startswith("utm_") or key in TRACKING_PARAMETERS


def clean_url(url: str, base: str | None = None) -> str:
    """`url` made absolute against `base`, minus tracking parameters and fragment.

    Only the scheme and host are lowercased; path, parameter order and encoding are
    kept byte for byte, so cleaning twice changes nothing. Raises ValueError when
    `url` cannot be joined to `base` (a malformed host such as "http://[x").
    """
    url = url.strip()
    if base:
        url = urljoin(base, url)
    url = url.split("#", 1)[0]
    head, query = url.split("?", 1) if "?" in url else (url, None)
    match = _HEAD.match(head)
    assert match is not None  # every group is optional: the pattern always matches
    scheme = (match["scheme"] or "").lower()
    authority = _lower_host(match["authority"] or "")
    rest = head[match.end() :]
    cleaned = scheme + authority + rest
    if query is not None:
        query = _strip_tracking(query)
        if query:
            cleaned += "?" + query
    if cleaned != cleaned.rstrip():
        # A path ending in whitespace (only ever seen in broken links) would lose it to
        # the strip above on the next call; an empty query keeps it, and cleaning stable.
        cleaned += "?"
    return cleaned


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on one site: the same registered domain ("feeds.example.com"
    and "www.example.com"), or the same host where there is none (an IP address)."""
    try:
        (domain_a, key_a), (domain_b, key_b) = (_site(*urlsplit(url)[:2]) for url in (a, b))
    except ValueError:  # "http://[::1/x": a link no fetch could have followed
        return False
    if domain_a and domain_b:
        return domain_a == domain_b
    # No public suffix known ("harbourline.example", an intranet name): the last two
    # labels stand for the domain; an IP address must be the same address.
    return bool(key_a) and key_a == key_b


@lru_cache(maxsize=4096)
def _site(scheme: str, netloc: str) -> tuple[str | None, str]:
    """The registered domain of a URL's authority (None when no public suffix is
    known) and the key that stands for it then. Asked once per host and not once per
    link: the public-suffix lookup is most of what comparing two links costs."""
    from courlan import extract_domain  # imported here: only ingest needs it

    host = urlsplit(f"//{netloc}").hostname or ""
    domain = extract_domain(f"{scheme}://{netloc}/")
    return domain, host if _is_ip(host) else ".".join(host.split(".")[-2:])


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _lower_host(authority: str) -> str:
    """Lowercase the host (and port) of `//user:pass@host:port`, never the credentials."""
    userinfo, at, host = authority.rpartition("@")
    return userinfo + at + host.lower()


def _strip_tracking(query: str) -> str:
    pieces = query.split("&")
    kept = [p for p in pieces if not is_tracking_parameter(p.split("=", 1)[0])]
    if len(kept) == len(pieces):
        return query  # nothing to remove: keep the query exactly as given
    return "&".join(p for p in kept if p)
