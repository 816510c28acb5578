"""The starter feeds.toml that `cheesecake init` writes.

A new workspace lists a curated set of real industry feeds, commented out so that a
fresh workspace fetches only what the user chose (`init --starter` enables them).
The repository's own feeds.toml is this text with the feeds enabled; a test keeps
the two identical.
"""

from __future__ import annotations

from pipeline.records import FeedSource

STARTER_FEEDS: tuple[tuple[str, tuple[FeedSource, ...]], ...] = (
    (
        "Technology",
        (
            FeedSource(
                "https://feeds.arstechnica.com/arstechnica/index", "Ars Technica", ("technology",)
            ),
            FeedSource(
                "https://www.technologyreview.com/feed/", "MIT Technology Review", ("technology",)
            ),
            FeedSource("https://techcrunch.com/feed/", "TechCrunch", ("technology", "startups")),
            FeedSource("https://www.theverge.com/rss/index.xml", "The Verge", ("technology",)),
            FeedSource("https://news.ycombinator.com/rss", "Hacker News", ("technology",)),
            FeedSource(
                "https://stackoverflow.blog/feed/",
                "Stack Overflow Blog",
                ("technology", "software"),
            ),
        ),
    ),
    (
        "Business and markets",
        (
            FeedSource(
                "https://feeds.bbci.co.uk/news/business/rss.xml", "BBC Business", ("business",)
            ),
            FeedSource("https://feeds.npr.org/1006/rss.xml", "NPR Business", ("business",)),
            FeedSource(
                "https://www.cnbc.com/id/10001147/device/rss/rss.html",
                "CNBC Business",
                ("business", "markets"),
            ),
            FeedSource(
                "https://feeds.hbr.org/harvardbusiness",
                "Harvard Business Review",
                ("business", "management"),
            ),
            FeedSource("https://www.fastcompany.com/latest/rss", "Fast Company", ("business",)),
        ),
    ),
    (
        "Careers, HR and recruiting",
        (
            FeedSource("https://www.hrdive.com/feeds/news/", "HR Dive", ("careers", "hr")),
            FeedSource("https://hrexecutive.com/feed/", "HR Executive", ("careers", "hr")),
            FeedSource(
                "https://www.marketingdive.com/feeds/news/", "Marketing Dive", ("marketing",)
            ),
        ),
    ),
    (
        "Sectors",
        (
            FeedSource(
                "https://www.supplychaindive.com/feeds/news/", "Supply Chain Dive", ("logistics",)
            ),
            FeedSource("https://gcaptain.com/feed/", "gCaptain", ("maritime", "logistics")),
            FeedSource("https://www.retaildive.com/feeds/news/", "Retail Dive", ("retail",)),
            FeedSource("https://www.bankingdive.com/feeds/news/", "Banking Dive", ("finance",)),
            FeedSource(
                "https://www.healthcaredive.com/feeds/news/", "Healthcare Dive", ("healthcare",)
            ),
            FeedSource(
                "https://www.fiercebiotech.com/rss/xml", "Fierce Biotech", ("biotech", "healthcare")
            ),
            FeedSource("https://www.utilitydive.com/feeds/news/", "Utility Dive", ("energy",)),
            FeedSource(
                "https://www.constructiondive.com/feeds/news/",
                "Construction Dive",
                ("construction",),
            ),
            FeedSource("https://www.nature.com/nature.rss", "Nature", ("science",)),
        ),
    ),
)

_HEADER = """\
# cheesecake workspace settings and feed list.
#
# Every key below is optional; the values shown are the defaults. An unknown key is
# an error (it is almost always a typo). Edit freely: `cheesecake feeds add/remove`
# keep your comments and ordering.

[settings]
database = "cheesecake.db"      # relative to the workspace
concurrency = 16                # requests in flight in all
per_host_concurrency = 4        # and per host
per_host_delay = 0.0            # seconds between two requests to one host
page_max_bytes = 5000000        # larger pages are refused
feed_max_bytes = 20000000

[relevance]
max_age_days = 7                # only articles this recent are suggested by `match`
threshold = 0.12                # weaker matches are left out of the digest

[digest]
max_suggestions = 10            # per digest, best first
cooldown_days = 14              # after you send something to a contact

# [schedule]
# timezone = "Europe/London"    # IANA name; default: this machine's zone
# run = "0 * * * *"             # fetch + match + alerts, hourly
# digest = "0 7 * * *"          # the daily digest at 07:00

# [alerts]
# webhook_url = "https://hooks.example.com/T000/B000"
# [alerts.email]
# to = "me@example.com"
# from = "cheesecake@example.com"
# smtp_host = "smtp.example.com"
# smtp_port = 587
# security = "starttls"                       # "starttls", "ssl" or "none"
# username_env = "CHEESECAKE_SMTP_USER"       # names of environment variables,
# password_env = "CHEESECAKE_SMTP_PASSWORD"   # never the secrets themselves
"""


def starter_toml(enabled: bool) -> str:
    """The feeds.toml text for a new workspace; starter feeds commented out unless enabled."""
    lines = [_HEADER]
    lead = "" if enabled else "# "
    if not enabled:
        lines.append(
            "# Starter feeds: uncomment the ones you want, or add your own with\n"
            "# `cheesecake feeds add URL` / `cheesecake feeds import FILE.opml`.\n"
        )
    for section, sources in STARTER_FEEDS:
        lines.append(f"# --- {section} ---")
        for source in sources:
            tags = ", ".join(f'"{t}"' for t in source.tags)
            lines.append(f"{lead}[[feeds]]")
            lines.append(f'{lead}url = "{source.url}"')
            lines.append(f'{lead}name = "{source.name}"')
            lines.append(f"{lead}tags = [{tags}]")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
