"""Restraint: which suggestions and mentions a digest may show, and why others wait.

"Concise, infrequently delivered": a contact in cooldown (recently sent something)
gets no suggestion, each contact gets at most one suggestion per digest, the digest
holds at most `max_suggestions` (best first), and a contact never gets a story they
are already congratulated on. Mentions are timely, so they bypass cooldown and cap.
Pure functions over records: the store and the clock are the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipeline.config import DigestSettings
from pipeline.records import Contact, Mention, Suggestion


@dataclass(frozen=True)
class Selection:
    """What a digest shows, and counts of what restraint held back (to explain a quiet day)."""

    suggestions: tuple[Suggestion, ...]
    mentions: tuple[Mention, ...]
    in_cooldown: int = 0  # `new` suggestions whose contact was contacted too recently
    over_cap: int = 0  # left for a later digest because the digest was full
    second_per_contact: int = 0  # a better suggestion for the same contact was chosen
    already_mentioned: int = 0  # the contact is in the same story's "In the news"
    in_bad_news: int = 0  # the contact is in the news today for bad news


def cooldown_days(contact: Contact, settings: DigestSettings) -> int:
    """The contact's own cooldown if set, else the workspace's."""
    return contact.cooldown_days if contact.cooldown_days is not None else settings.cooldown_days


def cooldown_ends(contact: Contact, settings: DigestSettings) -> datetime | None:
    """When the contact may be sent a suggestion again; None if never contacted."""
    if contact.last_contacted is None:
        return None
    return contact.last_contacted + timedelta(days=cooldown_days(contact, settings))


def in_cooldown(contact: Contact, now: datetime, settings: DigestSettings) -> bool:
    ends = cooldown_ends(contact, settings)
    return ends is not None and now < ends


def expiry_cutoff(now: datetime, settings: DigestSettings) -> datetime:
    """`new` suggestions created before this are stale: expired, never shown."""
    return now - timedelta(days=settings.expire_days)


def select(
    suggestions: Iterable[Suggestion],
    mentions: Iterable[Mention],
    contacts: Mapping[int, Contact],
    *,
    now: datetime,
    settings: DigestSettings,
) -> Selection:
    """Apply every restraint rule; suggestions come back best first, mentions newest first."""
    shown_mentions = tuple(
        sorted(
            (
                m
                for m in _once_per_story(mentions)
                if m.status == "new" and m.contact_id in contacts
            ),
            key=lambda m: (m.created_at, m.id),
            reverse=True,
        )
    )
    mentioned = {(m.contact_id, m.story_id) for m in shown_mentions}
    # "Thought you'd enjoy this" on the day their layoffs or lawsuit is in the news
    # reads as not having noticed; the suggestion waits for a later digest.
    troubled = {m.contact_id for m in shown_mentions if m.event == "negative"}
    chosen: list[Suggestion] = []
    seen_contacts: set[int] = set()
    seen_pairs: set[tuple[int, int]] = set()
    cooled = capped = doubled = overlap = troubles = 0
    for suggestion in _best_first(suggestions):
        contact = contacts.get(suggestion.contact_id)
        if suggestion.status != "new" or contact is None:
            continue
        pair = (suggestion.contact_id, suggestion.story_id)
        if pair in seen_pairs:
            continue  # the schema forbids this; a caller's list might still repeat a story
        seen_pairs.add(pair)
        if pair in mentioned:
            overlap += 1
        elif suggestion.contact_id in troubled:
            troubles += 1
        elif in_cooldown(contact, now, settings):
            cooled += 1
        elif suggestion.contact_id in seen_contacts:
            doubled += 1
        elif len(chosen) >= settings.max_suggestions:
            capped += 1
        else:
            chosen.append(suggestion)
            seen_contacts.add(suggestion.contact_id)
    return Selection(
        suggestions=tuple(chosen),
        mentions=shown_mentions,
        in_cooldown=cooled,
        over_cap=capped,
        second_per_contact=doubled,
        already_mentioned=overlap,
        in_bad_news=troubles,
    )


def _best_first(suggestions: Iterable[Suggestion]) -> Sequence[Suggestion]:
    # Ties broken by age (older first, closer to expiring), then id, so order is stable.
    return sorted(suggestions, key=lambda s: (-s.score, s.created_at, s.id))


def _once_per_story(mentions: Iterable[Mention]) -> list[Mention]:
    """One mention per (contact, story): the earliest report of it (the schema also says so)."""
    first: dict[tuple[int, int], Mention] = {}
    for mention in sorted(mentions, key=lambda m: (m.created_at, m.id)):
        first.setdefault((mention.contact_id, mention.story_id), mention)
    return list(first.values())
