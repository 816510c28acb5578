"""What every command shares: the workspace, its config and store, output helpers."""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import click

from pipeline.config import Config, time_zone
from pipeline.store import Store, open_store
from pipeline.workspace import Workspace


@dataclass
class App:
    """Opened lazily: `init` must work where no workspace exists yet."""

    workspace: Workspace
    _config: Config | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    def config(self) -> Config:
        if self._config is None:
            self._config = self.workspace.config()
        return self._config

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.workspace.db_path(self.config()))
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


pass_app = click.make_pass_decorator(App)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# Said (on stderr) by fetch and run when the workspace lists no feed: "Fetched 0
# feeds" and a successful exit alone read as if everything were fine.
NO_FEEDS = (
    "No feeds to fetch yet: add one with `cheesecake feeds add URL` or "
    "`cheesecake feeds import FILE.opml`."
)


def counted(n: int, word: str) -> str:
    """ "1 contact", "2 contacts": a count with its noun (regular plurals only)."""
    return f"{n} {word if n == 1 else word + 's'}"


def emit_json(data: Any) -> None:
    """The only thing `--json` prints on stdout."""
    click.echo(json.dumps(data, default=_default, ensure_ascii=False, indent=2))


def parse_date(
    app: App, value: str | None, option: str = "--since", *, past: bool = False
) -> datetime | None:
    """YYYY-MM-DD (or full ISO 8601) to an aware UTC datetime; a clear error otherwise.

    A bare date is the start of that day, and a time without an offset a time of day,
    in the workspace's time zone (where the user's days start, as the digest's do);
    a timestamp with an offset stays as given. With `past`, a moment after now is
    refused.
    """
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; use YYYY-MM-DD.", param_hint=option
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=time_zone(app.config()))
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 once in UTC
        when = "past" if parsed.year == 1 else "future"
        raise click.BadParameter(
            f"{value!r} is too far in the {when}; give a date such as "
            f"{datetime.now(UTC):%Y-%m-%d}.",
            param_hint=option,
        ) from None
    if past and parsed > datetime.now(UTC):
        raise click.BadParameter(
            f"{value!r} is in the future; give today's date or an earlier one.", param_hint=option
        )
    return parsed


def local_time(app: App, when: datetime | str) -> str:
    """A moment as the user reads it: in the workspace's zone, with the zone's
    abbreviation ("2026-03-01 18:30 JST"), or its offset where it has none."""
    moment = datetime.fromisoformat(when) if isinstance(when, str) else when
    if moment.tzinfo is None:  # stored timestamps are UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(time_zone(app.config()))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or f'{local:%z}'}"


_NEGATIVE = re.compile(r"-\d+")


class NegativeIds(click.Command):
    """A command whose ID argument may be "-1": click reads any "-..." word as an
    option ("No such option '-1'"), where the user should hear that there is no such
    id. Negative numbers not given to an option are moved after a "--"."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args:
            takes_value = {
                name
                for p in self.params
                if isinstance(p, click.Option) and not p.is_flag and not p.count
                for name in p.opts
            }
            kept: list[str] = []
            numbers: list[str] = []
            for arg in args:
                if _NEGATIVE.fullmatch(arg) and not (kept and kept[-1] in takes_value):
                    numbers.append(arg)
                else:
                    kept.append(arg)
            if numbers:
                args = [*kept, "--", *numbers]
        return super().parse_args(ctx, args)


class Seconds(click.FloatRange):
    """A duration in seconds, 0 or more: float() takes "nan" and "inf", which no wait is."""

    name = "seconds"

    def __init__(self) -> None:
        super().__init__(min=0)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number of seconds; give one such as 30 (or 0).")
        return super().convert(number, param, ctx)


def is_terminal() -> bool:
    return sys.stderr.isatty()
