"""`init` and `status`: create a workspace and see how it is doing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from pipeline.cli._app import App, counted, emit_json, local_time, pass_app
from pipeline.workspace import init_workspace


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--starter", is_flag=True, help="Enable the starter feeds (commented out otherwise).")
@pass_app
def init(app: App, directory: str | None, starter: bool) -> None:
    """Create a workspace: feeds.toml, models/, digests/ and the database."""
    root = Path(directory) if directory else app.workspace.root
    workspace, created = init_workspace(root, starter=starter)
    state = "Created" if created else "Updated"
    click.echo(f"{state} workspace {workspace.root}")
    if created:
        click.echo(
            f"Next: edit {workspace.config_path} or `cheesecake feeds add URL`, "
            "then `cheesecake contacts add NAME --interests ...` and `cheesecake run`."
        )


def status_data(app: App) -> dict[str, object]:
    # Imported here: the relevance stack loads scikit-learn, which only status pays for.
    from pipeline.relevance import contacts_without_profile

    store = app.store()
    configured = app.config().feeds
    states = {s.url: s for s in store.feed_states()}
    feeds = []
    for source in configured:
        state = states.get(source.url)
        feeds.append(
            {
                "url": source.url,
                "name": source.name,
                "ok": state.ok if state else None,
                "last_error": state.last_error if state else None,
                "consecutive_failures": state.consecutive_failures if state else 0,
                "last_fetched": state.last_fetched if state else None,
                "articles": state.articles if state else 0,
                "moved_to": state.moved_to if state else None,
            }
        )
    waiting, due = store.pending_page_retries()
    return {
        "feeds": feeds,
        "articles": store.count_articles(),
        "pages_to_retry": waiting,
        "next_page_retry": due,
        "contacts": store.count_contacts(),
        "suggestions": store.count_suggestions(),
        "mentions": store.count_mentions(),
        "contacts_without_profile": contacts_without_profile(store),
        "last_run": store.last_run(),
    }


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def status(app: App, as_json: bool) -> None:
    """Feeds' health, the last run, and what the store holds."""
    data = status_data(app)
    if as_json:
        emit_json(data)
        return
    feeds: list[dict[str, object]] = data["feeds"]  # type: ignore[assignment]
    click.echo(f"Workspace {app.workspace.root}")
    click.echo(
        ", ".join(
            counted(int(str(data[key])), key[:-1])
            for key in ("articles", "contacts", "suggestions", "mentions")
        )
    )
    if data["contacts_without_profile"]:
        bare = counted(int(str(data["contacts_without_profile"])), "contact")
        click.echo(
            f"{bare} without interests, title, company or notes: they get press mentions "
            "but no article suggestions."
        )
    if data["pages_to_retry"]:
        due = data["next_page_retry"]
        when = f", the first after {local_time(app, due)}" if isinstance(due, datetime) else ""
        click.echo(
            f"{counted(int(str(data['pages_to_retry'])), 'article')} still on the feed's summary "
            f"after a passing failure: the next fetches ask for those pages again{when}."
        )
    last = data["last_run"]
    if isinstance(last, dict):
        from pipeline.run import record_summary

        started = local_time(app, last["started_at"])
        click.echo(f"Last run: {last['kind']} started {started} ({last['status']})")
        if record_summary(last):
            click.echo(f"  {record_summary(last)}")
    else:
        click.echo("No run yet: try `cheesecake run`.")
    click.echo(f"{counted(len(feeds), 'feed')}:")
    for feed in feeds:
        if feed["last_fetched"] is None:
            mark = "never fetched"
        elif feed["ok"]:
            # A feed that works can still need the user: it moved, or it is malformed.
            notes = [str(feed["last_error"])] if feed["last_error"] else []
            if feed["moved_to"]:
                notes.append(f"moved permanently to {feed['moved_to']}; use that URL in feeds.toml")
            note = f" (note: {'; '.join(notes)})" if notes else ""
            mark = f"ok, {counted(int(str(feed['articles'])), 'article')}{note}"
        else:
            mark = f"FAILING x{feed['consecutive_failures']}: {feed['last_error']}"
        click.echo(f"  {feed['name'] or feed['url']}: {mark}")


COMMANDS: list[click.Command] = [init, status]
