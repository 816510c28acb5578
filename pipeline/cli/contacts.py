"""`contacts add/list/show/edit/remove/import/export`: the people you stay close to."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from pipeline import contacts as contacts_stage
from pipeline.cli._app import App, NegativeIds, counted, emit_json, parse_date, pass_app
from pipeline.config import time_zone
from pipeline.contact_io import (
    EXPORT_FORMATS,
    FORMATS,
    ImportPlan,
    export_contacts,
    import_file,
    write_export,
)
from pipeline.contacts import ContactChanges, ContactFieldError, describe
from pipeline.errors import UsageError
from pipeline.records import Contact, ContactFields

F = TypeVar("F", bound=Callable[..., Any])
_PARTS = ("honorific", "first_name", "middle_name", "last_name", "suffix", "nickname")


def _no_blanks(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """A list option's values, none of them blank: a blank one would otherwise be
    dropped without a word (and `edit --tag ""` would empty the whole list)."""
    for value in values:
        if not any(piece.strip() for piece in value.split(";")):
            field = str(param.name).rpartition("_")[2]  # "add_tags": "tags"
            fix = f" (--clear-{field} empties the list)" if ctx.command.name == "edit" else ""
            raise click.BadParameter(
                f"{value!r} is blank; give a value or leave the option out{fix}.",
                ctx=ctx,
                param=param,
            )
    return values


def _list_option(*decls: str, help: str) -> Callable[[F], F]:
    return click.option(*decls, multiple=True, callback=_no_blanks, help=help)


def _field_options(command: F) -> F:
    """The options `add` and `edit` share: one per field of a contact."""
    options = [
        click.option("--company", help="Where they work."),
        click.option("--department", help="Their department or team."),
        click.option("--title", help="Their job title."),
        click.option("--industry", help='Their industry, in your words ("maritime logistics").'),
        _list_option("--email", "emails", help="An email address (repeatable; first is main)."),
        _list_option("--phone", "phones", help="A phone number (repeatable)."),
        click.option("--interests", help="What they care about, in free text."),
        _list_option("--alias", "aliases", help='Another name they go by (repeatable: "Bob").'),
        _list_option("--tag", "tags", help="A tag (repeatable)."),
        click.option("--note", "notes", help="Anything else worth remembering."),
        click.option("--met", help='How and when you met ("interviewed me, March 2026").'),
        click.option("--linkedin", "linkedin_url", help="Their LinkedIn profile URL."),
        click.option("--birthday", help="YYYY-MM-DD, or --MM-DD without the year."),
        click.option(
            "--cooldown-days",
            metavar="DAYS",
            help="Days between suggestions for them ('default' to use the global setting).",
        ),
        click.option("--first-name", help="Override the parsed first name."),
        click.option("--middle-name", help="Override the parsed middle name."),
        click.option("--last-name", help="Override the parsed last name (family name)."),
        click.option("--nickname", help="What they are called day to day."),
        click.option("--honorific", help='"Dr.", "Prof."...'),
        click.option("--suffix", help='"Jr.", "PhD"...'),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _cooldown(value: str | None) -> tuple[int | None, bool]:
    """(days, clear) from --cooldown-days: a number, or 'default' to clear the override."""
    if value is None:
        return None, False
    if value.strip().lower() in ("default", "none", ""):
        return None, True
    try:
        return int(value), False
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a number of days; give e.g. 30, or 'default'.",
            param_hint="--cooldown-days",
        ) from None


def contact_json(contact: Contact) -> dict[str, object]:
    """A contact for `--json`: the contract fields first, then every other field."""
    return {
        "id": contact.id,
        "name": contact.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "company": contact.company,
        "title": contact.title,
        "email": contact.email or None,
        "aliases": contact.aliases,
        "interests": contact.interests,
        "tags": contact.tags,
        "last_contacted": contact.last_contacted,
        "middle_name": contact.middle_name,
        "suffix": contact.suffix,
        "nickname": contact.nickname,
        "honorific": contact.honorific,
        "department": contact.department,
        "industry": contact.industry,
        "emails": contact.emails,
        "phones": contact.phones,
        "notes": contact.notes,
        "met": contact.met,
        "linkedin_url": contact.linkedin_url or None,
        "birthday": contact.birthday or None,
        "cooldown_days": contact.cooldown_days,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _name_parts(contact: ContactFields) -> str:
    labels = ("honorific", "first", "middle", "last", "suffix", "nickname")
    values = [getattr(contact, part) for part in _PARTS]
    return " · ".join(f"{lb} {v}" for lb, v in zip(labels, values, strict=True) if v)


@click.group()
def contacts() -> None:
    """Manage the people you want to stay close to."""


@contextmanager
def _option_values() -> Iterator[None]:
    """A field value typed on the command line that is no valid value (an email with no
    @, a date that does not exist, a tag to remove the contact lacks) is a usage error,
    exit status 2, as a malformed --since or --limit is."""
    try:
        yield
    except ContactFieldError as exc:
        raise UsageError(str(exc)) from None


@contacts.command("add")
@click.argument("name")
@_field_options
@click.option(
    "--allow-duplicate", is_flag=True, help="Save it even if it looks like a saved contact."
)
@pass_app
def add(app: App, name: str, allow_duplicate: bool, **values: Any) -> None:
    """Save a contact (NAME is parsed into first, middle and last name)."""
    days, _ = _cooldown(values.pop("cooldown_days"))
    given = {k: v for k, v in values.items() if v is not None}
    fields = ContactFields(name=name, cooldown_days=days, **given)
    with _option_values():
        contact = contacts_stage.add_contact(app.store(), fields, allow_duplicate=allow_duplicate)
    click.echo(f"Added contact {contact.id}: {describe(contact)}")
    click.echo(f"  name: {_name_parts(contact)}")


def _tagged(found: list[Contact], tag: str | None) -> list[Contact]:
    """The contacts carrying `tag` (any case), all of them without one; a blank tag is
    a usage error, not a filter that lets everyone through."""
    if tag is None:
        return found
    wanted = tag.strip().casefold()
    if not wanted:
        raise click.BadParameter(
            "it is blank; give a tag the contacts carry (see `cheesecake contacts list`).",
            param_hint="--tag",
        )
    return [c for c in found if wanted in (t.casefold() for t in c.tags)]


@contacts.command("list")
@click.option("--tag", help="Only contacts with this tag.")
@click.option("--limit", type=click.IntRange(min=1), help="At most N contacts.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def list_(app: App, tag: str | None, limit: int | None, as_json: bool) -> None:
    """List saved contacts."""
    found = _tagged(app.store().contacts(), tag)[:limit]
    if as_json:
        emit_json([contact_json(c) for c in found])
        return
    for c in found:
        role = ", ".join(p for p in (c.title, c.company) if p)
        tags = f"  [{', '.join(c.tags)}]" if c.tags else ""
        click.echo(f"{c.id:>5}  {c.name}" + (f"  ({role})" if role else "") + tags)
    if not found:
        click.echo("No contacts" + (f" tagged {tag!r}" if tag else "") + ".", err=True)


@contacts.command("show", cls=NegativeIds)
@click.argument("name_or_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def show(app: App, name_or_id: str, as_json: bool) -> None:
    """Show everything saved about one contact."""
    contact = app.store().find_contact(name_or_id)
    if as_json:
        emit_json(contact_json(contact))
        return
    last = contact.last_contacted  # the day it was, where the user is
    last_day = last.astimezone(time_zone(app.config())).date().isoformat() if last else ""
    rows = [
        ("id", str(contact.id)),
        ("name", contact.name),
        ("name parts", _name_parts(contact)),
        ("aliases", "; ".join(contact.aliases)),
        ("company", contact.company),
        ("department", contact.department),
        ("title", contact.title),
        ("industry", contact.industry),
        ("emails", "; ".join(contact.emails)),
        ("phones", "; ".join(contact.phones)),
        ("linkedin", contact.linkedin_url),
        ("birthday", contact.birthday),
        ("tags", "; ".join(contact.tags)),
        ("interests", contact.interests),
        ("met", contact.met),
        ("notes", contact.notes),
        ("cooldown", "" if contact.cooldown_days is None else f"{contact.cooldown_days} days"),
        ("last contacted", last_day),
    ]
    for label, value in rows:
        if value:
            indented = value.replace("\n", "\n" + " " * 16)
            click.echo(f"{label + ':':<16}{indented}")


@contacts.command("edit", cls=NegativeIds)
@click.argument("name_or_id")
@click.option("--name", help="A new full name (parsed again into parts).")
@_field_options
@_list_option("--add-email", "add_emails", help="Add an email address.")
@_list_option("--add-phone", "add_phones", help="Add a phone number.")
@_list_option("--add-alias", "add_aliases", help="Add an alias.")
@_list_option("--add-tag", "add_tags", help="Add a tag.")
@_list_option("--remove-email", "remove_emails", help="Remove an email address.")
@_list_option("--remove-phone", "remove_phones", help="Remove a phone number.")
@_list_option("--remove-alias", "remove_aliases", help="Remove an alias.")
@_list_option("--remove-tag", "remove_tags", help="Remove a tag.")
@click.option("--clear-emails", is_flag=True, help="Remove every email address.")
@click.option("--clear-phones", is_flag=True, help="Remove every phone number.")
@click.option("--clear-aliases", is_flag=True, help="Remove every alias.")
@click.option("--clear-tags", is_flag=True, help="Remove every tag.")
@click.option("--last-contacted", help="When you last reached out (YYYY-MM-DD).")
@click.option(
    "--allow-duplicate", is_flag=True, help="Save it even if it then looks like another contact."
)
@pass_app
def edit(app: App, name_or_id: str, **values: Any) -> None:
    """Change a contact's fields.

    \b
    A field such as --company takes the value given (a blank one clears it).
    Lists (emails, phones, aliases, tags), shown here for tags:
      --tag x --tag y   replaces the whole list (as --email, --phone, --alias do)
      --add-tag x       adds one item; --remove-tag x removes one
      --clear-tags      empties it (--clear-emails, --clear-phones, --clear-aliases)
    A blank list value (--tag "") is refused.
    """
    days, clear = _cooldown(values.pop("cooldown_days"))
    when = parse_date(app, values.pop("last_contacted"), "--last-contacted", past=True)
    allow_duplicate = values.pop("allow_duplicate")
    for key, option in (
        ("emails", "--email"),
        ("phones", "--phone"),
        ("aliases", "--alias"),
        ("tags", "--tag"),
    ):
        emptied = values.pop(f"clear_{key}")
        if emptied and values[key]:
            raise click.UsageError(
                f"Give --clear-{key} or {option}, not both: {option} already replaces "
                "the whole list."
            )
        values[key] = () if emptied else values[key] or None  # None: keep the list
    changes = ContactChanges(
        **values, cooldown_days=days, clear_cooldown=clear, last_contacted=when
    )
    if changes.is_empty():
        raise click.UsageError("Nothing to change; give at least one option, e.g. --company.")
    with _option_values():
        contact = contacts_stage.edit_contact(
            app.store(), name_or_id, changes, allow_duplicate=allow_duplicate
        )
    click.echo(f"Updated contact {contact.id}: {describe(contact)}")


@contacts.command("remove", cls=NegativeIds)
@click.argument("name_or_id")
@pass_app
def remove(app: App, name_or_id: str) -> None:
    """Delete a contact, with its suggestions and mentions."""
    contact = contacts_stage.remove_contact(app.store(), name_or_id)
    click.echo(f"Removed contact {contact.id}: {describe(contact)}")


@contacts.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    help="The file's format (default: detected from its content).",
)
@click.option("--dry-run", is_flag=True, help="Show what would change; save nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def import_(app: App, file: Path, fmt: str | None, dry_run: bool, as_json: bool) -> None:
    """Import a LinkedIn Connections.csv, vCard, Google Contacts CSV or generic CSV."""
    plan = import_file(app.store(), file, fmt.lower() if fmt else None, dry_run=dry_run)
    if as_json:
        emit_json(_plan_json(plan))
        return
    _print_plan(plan)


def _plan_json(plan: ImportPlan) -> dict[str, object]:
    def entry(p: Any) -> dict[str, object]:
        return {
            "id": p.contact_id,
            "name": p.fields.name,
            "rows": p.rows,
            "changed": p.changed,
            "matched_by": p.matched_by or None,
        }

    return {
        "file": plan.path,
        "format": plan.format,
        "dry_run": plan.dry_run,
        "records": plan.records,
        "added": [entry(p) for p in plan.added],
        "updated": [entry(p) for p in plan.updated],
        "unchanged": [entry(p) for p in plan.unchanged],
        "duplicates": [
            {"row": d.row, "same_as_row": d.first_row, "name": d.name, "matched_by": d.matched_by}
            for d in plan.duplicates
        ],
        "ignored_columns": plan.ignored_columns,
        "skipped": plan.skipped,
        "left_out": plan.left_out,
    }


def _first(items: Sequence[str], count: int, separator: str) -> str:
    """The first `count` items joined, and how many more there are."""
    more = len(items) - count
    return separator.join(items[:count]) + (f" and {more} more" if more > 0 else "")


def _listed(what: str, items: Sequence[str]) -> None:
    """One line on stderr: what was set aside, then the first few of them."""
    click.echo(f"{what}: {_first(items, 5, '; ')}.", err=True)


def _print_plan(plan: ImportPlan) -> None:
    would = "Would " if plan.dry_run else ""
    if plan.dry_run:
        for label, items, mark in (
            ("add", plan.added, "+"),
            ("update", plan.updated, "~"),
            ("leave unchanged", plan.unchanged, "="),
        ):
            if items:
                click.echo(f"{would}{label} ({len(items)}):")
            for p in items:
                detail = f"  ({', '.join(p.changed)})" if p.changed else ""
                click.echo(f"  {mark} {describe(p.fields)}{detail}")
    for d in plan.duplicates:
        click.echo(
            f"Row {d.row} ({d.name}) is the same person as row {d.first_row} "
            f"(same {d.matched_by}): merged.",
            err=True,
        )
    if plan.ignored_columns:  # Outlook's export has about seventy
        click.echo(f"Ignored columns: {_first(plan.ignored_columns, 8, ', ')}.", err=True)
    if plan.skipped:
        entries = "entry that names" if len(plan.skipped) == 1 else "entries that name"
        _listed(f"Skipped {len(plan.skipped)} {entries} no person", plan.skipped)
    if plan.left_out:
        _listed(
            f"Left out {counted(len(plan.left_out), 'value')} that could "
            "not be read (set them later with `cheesecake contacts edit NAME --birthday` "
            "or `--add-phone`)",
            plan.left_out,
        )
    verb = "Dry run of" if plan.dry_run else "Imported"
    click.echo(
        f"{verb} {counted(plan.records, 'contact')} from {plan.path} ({plan.format}): "
        f"{len(plan.added)} added, {len(plan.updated)} updated, "
        f"{len(plan.unchanged)} unchanged" + (" (nothing was saved)." if plan.dry_run else ".")
    )


@contacts.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS, case_sensitive=False),
    default="csv",
    show_default=True,
    help="Generic CSV or vCard 3.0.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to FILE, not stdout.",
)
@click.option("--tag", help="Only contacts with this tag.")
@pass_app
def export(app: App, fmt: str, output: Path | None, tag: str | None) -> None:
    """Export contacts as a generic CSV or vCard (the import reads both back)."""
    found = _tagged(app.store().contacts(), tag)
    text = export_contacts(found, fmt.lower())
    if output is None:
        click.echo(text, nl=False)
        return
    write_export(output, text)
    click.echo(f"Exported {counted(len(found), 'contact')} to {output}.", err=True)


COMMANDS: list[click.Command] = [contacts]
