"""Contacts: name parsing, validation, identity and merging, and the contacts CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import tzlocal

from pipeline.contact_names import NameParts, parse_name
from pipeline.contacts import (
    ContactChanges,
    ContactFieldError,
    DuplicateContactError,
    IdentityIndex,
    add_contact,
    apply_changes,
    clean_fields,
    company_key,
    edit_contact,
    fold,
    merge,
    normalise_birthday,
    normalise_linkedin_url,
    normalise_phone,
    remove_contact,
)
from pipeline.errors import AmbiguousError, NotFoundError
from pipeline.records import ContactFields
from pipeline.store import open_store


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        (
            "Dr. María-José García López Jr.",
            NameParts("María-José", "", "García López", "Jr.", "", "Dr."),
        ),
        ("Smith, John Q.", NameParts("John", "Q.", "Smith")),
        ("Ana García López", NameParts("Ana", "", "García López")),
        ("Gabriel García Márquez", NameParts("Gabriel", "", "García Márquez")),
        ("Juan Carlos Pérez de la Cruz", NameParts("Juan", "Carlos", "Pérez de la Cruz")),
        (
            "Dra. Ana María Rodríguez Pérez",
            NameParts("Ana", "María", "Rodríguez Pérez", "", "", "Dra."),
        ),
        # an English middle name is not a Spanish surname
        ("John Martin Lewis", NameParts("John", "Martin", "Lewis")),
        ('Robert "Bob" Smith', NameParts("Robert", "", "Smith", "", "Bob")),
        ("Ludwig van Beethoven", NameParts("Ludwig", "", "van Beethoven")),
        ("Jane Doe, MBA", NameParts("Jane", "", "Doe", "MBA")),
        # CJK: family name first, unspaced names split after the family name
        ("王小明", NameParts("小明", "", "王")),
        ("欧阳娜娜", NameParts("娜娜", "", "欧阳")),
        ("山田 太郎", NameParts("太郎", "", "山田")),
        ("김민준", NameParts("민준", "", "김")),
        ("约翰·史密斯", NameParts("约翰", "", "史密斯")),
        ("约翰·", NameParts("约翰")),  # a stray separator (hypothesis found "・" crashing)
        ("・", NameParts("・")),
        # right-to-left: particles join the next word
        ("محمد عبد الله", NameParts("محمد", "", "عبد الله")),
        ("محمد بن راشد آل مكتوم", NameParts("محمد", "بن راشد", "آل مكتوم")),
        ("שרה כהן", NameParts("שרה", "", "כהן")),
        ("דוד בן גוריון", NameParts("דוד", "", "בן גוריון")),
        # one token is a first name, even one that looks like a title
        ("Madonna", NameParts("Madonna")),
        ("Prince", NameParts("Prince")),
        ("  ", NameParts()),
    ],
)
def test_parse_name(full: str, expected: NameParts) -> None:
    assert parse_name(full) == expected


def test_clean_fields_parses_the_name_only_when_no_part_is_given() -> None:
    parsed = clean_fields(ContactFields(name="  Dr.  María-José   García López Jr. "))
    assert parsed.name == "Dr. María-José García López Jr."
    assert (parsed.honorific, parsed.first_name, parsed.last_name, parsed.suffix) == (
        "Dr.",
        "María-José",
        "García López",
        "Jr.",
    )
    given = clean_fields(ContactFields(name="王小明", first_name="Xiaoming", last_name="Wang"))
    assert (given.first_name, given.last_name) == ("Xiaoming", "Wang")
    # a nickname given on its own still lets the rest be parsed
    nick = clean_fields(ContactFields(name="Robert Smith", nickname="Bob"))
    assert (nick.first_name, nick.last_name, nick.nickname) == ("Robert", "Smith", "Bob")


def test_clean_fields_normalises_lists_text_and_identity_fields() -> None:
    fields = clean_fields(
        ContactFields(
            name="Priya Raghunathan",
            emails=(" mailto:Priya@Halvorsen.example ", "priya@halvorsen.example", ""),
            aliases=("Priya R.; P. Raghunathan", "priya raghunathan", "  "),
            tags=("shipping", "Shipping", "mentor;former colleague"),
            notes="line one  \r\nline two\r\n\r\n",
            title="Director\nof Fleet\tOperations",
            linkedin_url="https://uk.linkedin.com/in/Priya-Raghunathan/?trk=x",
            birthday="1604-09-23",
        )
    )
    assert fields.emails == ("Priya@Halvorsen.example",)
    assert fields.aliases == ("Priya R.", "P. Raghunathan")  # the name itself is no alias
    assert fields.tags == ("shipping", "mentor", "former colleague")
    assert fields.notes == "line one\nline two"
    assert fields.title == "Director of Fleet Operations"
    assert fields.linkedin_url == "https://www.linkedin.com/in/priya-raghunathan"
    assert fields.birthday == "--09-23"


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        (ContactFields(name="   "), "name", "needs a name"),
        (ContactFields(name="x" * 201), "name", "201 characters"),
        (ContactFields(name="A B", emails=("a at b",)), "emails", "not an email"),
        (
            ContactFields(name="A B", linkedin_url="https://example.com/a"),
            "linkedin_url",
            "LinkedIn",
        ),
        (ContactFields(name="A B", cooldown_days=-1), "cooldown_days", "between 0 and"),
    ],
)
def test_clean_fields_rejects_what_it_cannot_fix(
    fields: ContactFields, field: str, fragment: str
) -> None:
    with pytest.raises(ContactFieldError) as caught:
        clean_fields(fields)
    assert caught.value.field == field and fragment in str(caught.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1985-04-12", "1985-04-12"),
        ("19850412", "1985-04-12"),
        ("--0412", "--04-12"),
        ("--04-12", "--04-12"),
        ("1604-04-12", "--04-12"),
        ("0000-02-29", "--02-29"),
        ("--02-29", "--02-29"),  # no year: Feb 29 is a birthday
        ("1984-02-29", "1984-02-29"),
        ("1985-04-12T00:00:00Z", "1985-04-12"),
        ("  ", ""),
    ],
)
def test_normalise_birthday(value: str, expected: str) -> None:
    assert normalise_birthday(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("1990-02-30", "'1990-02-30' is not a date (YYYY-MM-DD, or --MM-DD without the year)"),
        ("1985-02-29", "is not a date"),  # 1985 was no leap year
        ("2001-13-01", "is not a date"),
        ("--02-30", "is not a date"),
        ("13/45", "'13/45' is not a date"),
        ("4/12/1985", "is not a date"),
        ("circa 1800", "is not a date"),
        ("2999-01-01", "'2999-01-01' is in the future"),
    ],
)
def test_normalise_birthday_refuses_what_is_no_birthday(value: str, fragment: str) -> None:
    with pytest.raises(ContactFieldError) as caught:
        normalise_birthday(value)
    assert caught.value.field == "birthday" and fragment in str(caught.value)


def test_linkedin_urls_have_one_spelling() -> None:
    spellings = [
        "https://www.linkedin.com/in/jane-doe-1a2b/",
        "http://linkedin.com/in/Jane-Doe-1a2b",
        "www.linkedin.com/in/jane-doe-1a2b?originalSubdomain=uk",
        "https://de.linkedin.com/in/jane-doe-1a2b#about",
    ]
    assert {normalise_linkedin_url(s) for s in spellings} == {
        "https://www.linkedin.com/in/jane-doe-1a2b"
    }
    assert normalise_linkedin_url("https://www.linkedin.com/in/mar%C3%ADa-l%C3%B3pez") == (
        normalise_linkedin_url("https://www.linkedin.com/in/maría-lópez")
    )


def test_fold_and_company_key() -> None:
    assert fold("María-José  GARCÍA López") == "maria jose garcia lopez"
    assert fold("王小明") == "王小明"
    assert company_key("Cafés del Sur, S.L.") == company_key("cafes del sur") == "cafes del sur"
    assert company_key("ACME, Inc.") == company_key("Acme Corp") == "acme"


def _index(*records: ContactFields) -> IdentityIndex[int]:
    index: IdentityIndex[int] = IdentityIndex()
    for position, record in enumerate(records):
        index.add(position, clean_fields(record))
    return index


def test_identity_prefers_linkedin_then_email_then_name_and_company() -> None:
    index = _index(
        ContactFields(name="Jane Doe", company="Acme", linkedin_url="linkedin.com/in/jane-doe"),
        ContactFields(name="Jane Doe", company="Globex", emails=("jane@globex.example",)),
        ContactFields(name="John Roe", company="Initech"),
    )
    find = lambda **kw: index.find(clean_fields(ContactFields(**kw)))  # noqa: E731
    assert find(name="J. Doe", linkedin_url="https://www.linkedin.com/in/jane-doe/") == (
        0,
        "LinkedIn URL",
    )
    assert find(name="Jane D.", emails=("JANE@globex.example",)) == (1, "email JANE@globex.example")
    assert find(name="Dr. John Roe", company="Initech Inc.") == (2, "name and company")
    # two same-named contacts: a record without a company cannot tell which one
    assert find(name="Jane Doe") is None
    # but a record without a company finds the only same-named contact
    assert find(name="john roe") == (2, "name")
    assert find(name="Jane Doe", company="Umbrella") is None
    # a different LinkedIn profile is a different person, whatever else is shared
    assert find(name="Jane Doe", company="Acme", linkedin_url="linkedin.com/in/other-jane") is None


def test_merge_updates_fills_and_never_drops() -> None:
    saved = clean_fields(
        ContactFields(
            name="Priya Raghunathan",
            company="Halvorsen Shipping",
            title="Director",
            tags=("shipping",),
            met="Former colleague at Halvorsen",
            interests="maritime logistics",
        )
    )
    incoming = clean_fields(
        ContactFields(
            name="Priya Raghunathan-Iyer",
            first_name="Priya",
            last_name="Raghunathan-Iyer",
            company="Northwind Logistics",
            tags=("mentor",),
            met="Connected on LinkedIn on 12 Mar 2024",
        )
    )
    merged = merge(saved, incoming, fill_only={"met"})
    assert merged.company == "Northwind Logistics" and merged.title == "Director"
    assert merged.met == "Former colleague at Halvorsen"  # LinkedIn only fills a blank
    assert merged.interests == "maritime logistics"
    assert merged.tags == ("shipping", "mentor")
    assert merged.name == "Priya Raghunathan-Iyer" and merged.last_name == "Raghunathan-Iyer"
    assert merged.aliases == ("Priya Raghunathan",)  # the old name is still her
    assert merge(merged, incoming, fill_only={"met"}) == merged  # idempotent
    kept = merge(saved, incoming, keep_name=True)
    assert kept.name == "Priya Raghunathan" and kept.aliases == ()


def test_apply_changes() -> None:
    base = clean_fields(
        ContactFields(
            name="Jane Doe", emails=("jane@acme.example",), tags=("a", "b"), cooldown_days=7
        )
    )
    renamed = apply_changes(base, ContactChanges(name="Dr. Jane Q. Roe"))
    assert (renamed.honorific, renamed.first_name, renamed.middle_name, renamed.last_name) == (
        "Dr.",
        "Jane",
        "Q.",
        "Roe",
    )
    fixed = apply_changes(
        base, ContactChanges(name="山田太郎", first_name="太郎", last_name="山田")
    )
    assert (fixed.first_name, fixed.last_name) == ("太郎", "山田")
    lists = apply_changes(
        base,
        ContactChanges(add_emails=("jane@home.example",), remove_tags=("A",), add_tags=("c",)),
    )
    assert lists.emails == ("jane@acme.example", "jane@home.example")
    assert lists.tags == ("b", "c")
    assert apply_changes(base, ContactChanges(tags=("",))).tags == ()
    assert apply_changes(base, ContactChanges(clear_cooldown=True)).cooldown_days is None
    with pytest.raises(ContactFieldError, match="no tag 'z'"):
        apply_changes(base, ContactChanges(remove_tags=("z",)))


def test_add_edit_remove_through_the_store(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "db.sqlite")
    jane = add_contact(
        store, ContactFields(name="Jane Doe", company="Acme", emails=("j@acme.example",))
    )
    with pytest.raises(DuplicateContactError, match=f"contact {jane.id}"):
        add_contact(store, ContactFields(name="Jane Doe", company="ACME Inc."))
    other = add_contact(store, ContactFields(name="Jane Doe", company="Acme"), allow_duplicate=True)
    with pytest.raises(AmbiguousError) as caught:
        edit_contact(store, "jane doe", ContactChanges(title="CTO"))
    assert str(jane.id) in str(caught.value) and str(other.id) in str(caught.value)
    edited = edit_contact(
        store,
        str(jane.id),
        ContactChanges(title="CTO", last_contacted=datetime(2026, 3, 1, tzinfo=UTC)),
    )
    assert edited.title == "CTO" and edited.last_contacted == datetime(2026, 3, 1, tzinfo=UTC)
    linked = add_contact(
        store, ContactFields(name="John Roe", linkedin_url="linkedin.com/in/john-roe")
    )
    with pytest.raises(DuplicateContactError, match="already belongs"):
        edit_contact(store, str(jane.id), ContactChanges(linkedin_url="linkedin.com/in/john-roe"))
    assert remove_contact(store, "John Roe").id == linked.id
    with pytest.raises(NotFoundError):
        store.find_contact("John Roe")
    store.close()


def test_a_birthday_saved_before_birthdays_were_checked_does_not_block_edits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "db.sqlite")
    saved = store.add_contact(ContactFields(name="Oskar Lindgren", birthday="4/12/1985"))
    edited = edit_contact(store, str(saved.id), ContactChanges(title="Head of Chartering"))
    assert (edited.title, edited.birthday) == ("Head of Chartering", "4/12/1985")
    with pytest.raises(ContactFieldError, match="is not a date"):
        edit_contact(store, str(saved.id), ContactChanges(birthday="4/13/1985"))
    fixed = edit_contact(store, str(saved.id), ContactChanges(birthday="1985-04-12"))
    assert fixed.birthday == "1985-04-12"
    store.close()


def test_find_contact_by_folded_name_and_first_last(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "db.sqlite")
    maria = add_contact(store, ContactFields(name="Dr. María-José García López Jr."))
    john = add_contact(store, ContactFields(name="Smith, John Q.", nickname="Jack"))
    assert store.find_contact("maria-jose garcia lopez").id == maria.id
    assert store.find_contact("John Smith").id == john.id
    assert store.find_contact("jack smith").id == john.id
    assert store.find_contact(f" {john.id} ").id == john.id
    store.close()


def test_a_first_name_alone_finds_the_one_contact_who_has_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # "What could I send Jane today?" is `suggest --contact Jane`.
    store = open_store(tmp_path / "db.sqlite")
    tomasz = add_contact(store, ContactFields(name="Tomasz Kowalczyk", nickname="Tom"))
    elena = add_contact(store, ContactFields(name="Elena Vasquez"))
    add_contact(store, ContactFields(name="Elena Marsh", company="Harbourline"))
    assert store.find_contact("tomasz").id == tomasz.id
    assert store.find_contact("Tom").id == tomasz.id
    with pytest.raises(AmbiguousError) as caught:
        store.find_contact("Elena")
    assert f"{elena.id}: Elena Vasquez" in str(caught.value)
    assert "Elena Marsh (Harbourline)" in str(caught.value)
    with pytest.raises(NotFoundError):
        store.find_contact("Kowalczyk")  # a family name alone names no one in particular
    store.close()


# --- the CLI ---------------------------------------------------------------------------


def test_cli_add_list_show_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli(
        "contacts", "add", "Dr. María-José García López Jr.",
        "--company", "Cafés del Sur", "--title", "Head of Sourcing",
        "--email", "mj@cafes.example", "--email", "maria@home.example",
        "--interests", "specialty coffee, EUDR", "--alias", "MJ", "--tag", "coffee",
        "--note", "Prefers Spanish", "--met", "interviewed me, March 2026",
        "--industry", "coffee trade", "--cooldown-days", "30",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "first María-José" in result.stdout and "last García López" in result.stdout
    listed = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert len(listed) == 1
    contact = listed[0]
    contract = {
        "id", "name", "first_name", "last_name", "company", "title", "email", "aliases",
        "interests", "tags", "last_contacted",
    }  # fmt: skip
    assert contract <= contact.keys()
    assert contact["first_name"] == "María-José" and contact["last_name"] == "García López"
    assert contact["email"] == "mj@cafes.example"
    assert contact["emails"] == ["mj@cafes.example", "maria@home.example"]
    assert contact["aliases"] == ["MJ"] and contact["tags"] == ["coffee"]
    assert contact["last_contacted"] is None and contact["cooldown_days"] == 30
    shown = json.loads(run_cli("contacts", "show", "MJ", "--json").stdout)
    assert shown["industry"] == "coffee trade" and shown["met"] == "interviewed me, March 2026"
    text = run_cli("contacts", "show", str(contact["id"])).stdout
    assert "Prefers Spanish" in text and "30 days" in text


def test_cli_list_filters_by_tag(run_cli) -> None:  # type: ignore[no-untyped-def]
    run_cli("contacts", "add", "Jane Doe", "--tag", "Recruiter")
    run_cli("contacts", "add", "John Roe", "--tag", "client")
    names = [
        c["name"]
        for c in json.loads(run_cli("contacts", "list", "--tag", "recruiter", "--json").stdout)
    ]
    assert names == ["Jane Doe"]
    assert json.loads(run_cli("contacts", "list", "--tag", "nobody", "--json").stdout) == []
    everyone = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert json.loads(run_cli("contacts", "list", "--limit", "1", "--json").stdout) == everyone[:1]


def test_cli_ambiguous_name_lists_the_candidates(run_cli) -> None:  # type: ignore[no-untyped-def]
    run_cli("contacts", "add", "Jane Doe", "--company", "Acme")
    run_cli("contacts", "add", "Jane Doe", "--company", "Globex")
    for command in (
        ["show", "Jane Doe"],
        ["edit", "Jane Doe", "--title", "x"],
        ["remove", "Jane Doe"],
    ):
        result = run_cli("contacts", *command)
        assert result.exit_code == 1
        assert "2 contacts match" in result.stderr
        assert "Acme" in result.stderr and "Globex" in result.stderr
    assert len(json.loads(run_cli("contacts", "list", "--json").stdout)) == 2


def test_cli_edit_and_remove(run_cli) -> None:  # type: ignore[no-untyped-def]
    run_cli("contacts", "add", "Jane Doe", "--tag", "a", "--email", "jane@acme.example")
    result = run_cli(
        "contacts", "edit", "Jane Doe", "--company", "Globex", "--add-tag", "b",
        "--add-alias", "Janie", "--cooldown-days", "default", "--last-contacted", "2026-02-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(run_cli("contacts", "show", "Janie", "--json").stdout)
    assert shown["company"] == "Globex" and shown["tags"] == ["a", "b"]
    # A bare date is the start of that day where the user is (here: the machine's zone).
    midnight = datetime(2026, 2, 1, tzinfo=tzlocal.get_localzone())
    assert datetime.fromisoformat(shown["last_contacted"]) == midnight
    assert run_cli("contacts", "edit", "Jane Doe", "--tag", "x", "--tag", "y").exit_code == 0
    assert json.loads(run_cli("contacts", "show", "Jane Doe", "--json").stdout)["tags"] == [
        "x",
        "y",
    ]
    nothing = run_cli("contacts", "edit", "Jane Doe")
    assert nothing.exit_code == 2 and "Nothing to change" in nothing.stderr
    bad = run_cli("contacts", "edit", "Jane Doe", "--email", "not-an-email")
    assert bad.exit_code == 2 and "is not an email address" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert run_cli("contacts", "edit", "Jane Doe", "--cooldown-days", "soon").exit_code == 2
    removed = run_cli("contacts", "remove", "jane@acme.example")
    assert removed.exit_code == 0 and "Removed contact" in removed.stdout
    missing = run_cli("contacts", "show", "Jane Doe")
    assert missing.exit_code == 1 and "No contact named" in missing.stderr


@pytest.mark.parametrize("command", ["add", "edit"])
@pytest.mark.parametrize("birthday", ["1990-02-30", "13/45"])
def test_cli_refuses_an_impossible_birthday(run_cli, command: str, birthday: str) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe").exit_code == 0
    name = "John Roe" if command == "add" else "Jane Doe"
    result = run_cli("contacts", command, name, "--birthday", birthday)
    assert result.exit_code == 2 and "Traceback" not in result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"'{birthday}' is not a date" in message and "YYYY-MM-DD" in message
    assert "--MM-DD" in message
    listed = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert [c["birthday"] for c in listed] == [None]


def test_cli_birthday_without_a_year_may_be_feb_29(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe", "--birthday", "--02-29").exit_code == 0
    edited = run_cli("contacts", "edit", "Jane Doe", "--birthday", "--0229")
    assert edited.exit_code == 0, edited.output
    (jane,) = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert jane["birthday"] == "--02-29"


def test_cli_last_contacted_in_the_future_is_refused(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe").exit_code == 0
    result = run_cli("contacts", "edit", "Jane Doe", "--last-contacted", "2999-01-01")
    assert result.exit_code == 2 and "'2999-01-01' is in the future" in result.stderr
    (jane,) = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert jane["last_contacted"] is None


def test_cli_add_refuses_a_duplicate(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe", "--email", "jane@acme.example").exit_code == 0
    again = run_cli("contacts", "add", "J. Doe", "--email", "JANE@acme.example")
    assert (
        again.exit_code == 1
        and "same email" in again.stderr
        and "--allow-duplicate" in again.stderr
    )


def test_two_word_fast_path_agrees_with_nameparser() -> None:
    import random

    import names
    from nameparser import HumanName

    random.seed(20260301)  # `names` draws from the 1990 Census lists with `random`
    drawn = [f"{names.get_first_name()} {names.get_last_name()}" for _ in range(400)]
    for full in [*drawn, "Van Morrison", "Sir Elton", "John Jr", "Mac Donald", "Jean-Luc Picard"]:
        human = HumanName(full)
        slow = NameParts(
            human.first, human.middle, human.last, human.suffix, human.nickname, human.title
        )
        assert parse_name(full) == slow, full


@pytest.mark.parametrize(
    "args",
    [
        ("mentions", "--contact", ""),
        ("mentions", "--contact", "  "),
        ("suggest", "--contact", ""),
        ("contacts", "show", ""),
        ("contacts", "edit", " ", "--company", "Globex"),
        ("contacts", "remove", ""),
    ],
)
def test_cli_a_blank_contact_name_is_a_usage_error(run_cli, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe").exit_code == 0
    result = run_cli(*args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "The contact's name is blank" in result.stderr and not result.stdout
    assert len(json.loads(run_cli("contacts", "list", "--json").stdout)) == 1


@pytest.mark.parametrize("command", ["list", "export"])
def test_cli_a_blank_tag_is_a_usage_error(run_cli, command: str) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe", "--tag", "a").exit_code == 0
    result = run_cli("contacts", command, "--tag", " ")
    assert result.exit_code == 2 and "--tag" in result.stderr and not result.stdout
    assert "Jane Doe" in run_cli("contacts", command, "--tag", " A ").stdout


_LIST_OPTIONS = ("--email", "--phone", "--alias", "--tag")


@pytest.mark.parametrize(
    "option",
    [
        *_LIST_OPTIONS,
        *(f"--{verb}-{o[2:]}" for verb in ("add", "remove") for o in _LIST_OPTIONS),
    ],
)
@pytest.mark.parametrize("value", ["", " ", ";"])
def test_cli_edit_refuses_a_blank_list_value(run_cli, option: str, value: str) -> None:  # type: ignore[no-untyped-def]
    added = run_cli(
        "contacts", "add", "Jane Doe", "--email", "jane@acme.example", "--phone", "+1 555 010 2345",
        "--alias", "Janie", "--tag", "a",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    before = json.loads(run_cli("contacts", "show", "Jane Doe", "--json").stdout)
    result = run_cli("contacts", "edit", "Jane Doe", option, value)
    assert result.exit_code == 2 and "Traceback" not in result.output and not result.stdout
    assert option in result.stderr and "blank" in result.stderr
    assert json.loads(run_cli("contacts", "show", "Jane Doe", "--json").stdout) == before


@pytest.mark.parametrize("option", _LIST_OPTIONS)
def test_cli_add_refuses_a_blank_list_value(run_cli, option: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("contacts", "add", "Jane Doe", option, " ")
    assert result.exit_code == 2 and option in result.stderr and "blank" in result.stderr
    assert json.loads(run_cli("contacts", "list", "--json").stdout) == []


def test_cli_edit_clears_a_list_only_when_told_to(run_cli) -> None:  # type: ignore[no-untyped-def]
    added = run_cli(
        "contacts", "add", "Jane Doe", "--email", "jane@acme.example", "--phone", "+1 555 010 2345",
        "--alias", "Janie", "--tag", "a",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    phone = run_cli("contacts", "edit", "Jane Doe", "--add-phone", "030 1234567")
    assert phone.exit_code == 0, phone.output
    dropped = run_cli("contacts", "edit", "Jane Doe", "--remove-phone", "+1 555 010 2345")
    assert dropped.exit_code == 0, dropped.output
    shown = json.loads(run_cli("contacts", "show", "Jane Doe", "--json").stdout)
    assert shown["phones"] == ["030 1234567"]
    cleared = run_cli(
        "contacts", "edit", "Jane Doe", "--clear-emails", "--clear-phones", "--clear-aliases",
        "--clear-tags", "--add-tag", "b",
    )  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    shown = json.loads(run_cli("contacts", "show", "Jane Doe", "--json").stdout)
    assert (shown["emails"], shown["phones"], shown["aliases"]) == ([], [], [])
    assert shown["tags"] == ["b"]
    both = run_cli("contacts", "edit", "Jane Doe", "--clear-tags", "--tag", "c")
    assert both.exit_code == 2 and "--clear-tags" in both.stderr and "--tag" in both.stderr
    assert "--clear-aliases" in run_cli("contacts", "edit", "--help").stdout


@pytest.mark.parametrize(
    "phone",
    [
        "+1 (555) 010-2345",
        "030 1234567",
        "+44 20 7946 0958 ext. 12",
        "+44 20 7946 0958 ext 12",
        "555.010.2345 x123",
        "+47-912-34-567",
        "089/123 456",
        "12345",
    ],
)
def test_a_phone_number_is_checked_loosely(phone: str) -> None:
    assert normalise_phone(f" {phone} ") == phone


@pytest.mark.parametrize(
    "phone", ["abc", "1234", "555-CALL-NOW", "+1 555 010 2345 (mobile)", "12 34 x 5678"]
)
def test_a_phone_number_that_is_not_one_is_refused(phone: str) -> None:
    with pytest.raises(ContactFieldError, match="is not a phone number") as caught:
        clean_fields(ContactFields(name="Jane Doe", phones=(phone,)))
    assert caught.value.field == "phones"


@pytest.mark.parametrize("command", ["add", "edit", "edit-add"])
def test_cli_refuses_a_phone_number_that_is_not_one(run_cli, command: str) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe", "--phone", "+1 (555) 010-2345").exit_code == 0
    args = {
        "add": ("add", "John Roe", "--phone", "abc"),
        "edit": ("edit", "Jane Doe", "--phone", "abc"),
        "edit-add": ("edit", "Jane Doe", "--add-phone", "abc"),
    }[command]
    result = run_cli("contacts", *args)
    assert result.exit_code == 2 and "Traceback" not in result.output and not result.stdout
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "'abc' is not a phone number" in message
    listed = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert [c["phones"] for c in listed] == [["+1 (555) 010-2345"]]


def test_edit_refuses_to_turn_a_contact_into_a_copy_of_another(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Renaming contact B to A's name and email made two Marla Quennells: her name
    # became ambiguous and every story about her was alerted twice.
    store = open_store(tmp_path / "db.sqlite")
    marla = add_contact(
        store, ContactFields(name="Marla Quennell", emails=("marla@zorbex.example",))
    )
    other = add_contact(store, ContactFields(name="Ines Okafor", company="Harbourline"))
    changes = ContactChanges(name="Marla Quennell", emails=("marla@zorbex.example",))
    with pytest.raises(DuplicateContactError, match=f"contact {marla.id}") as caught:
        edit_contact(store, str(other.id), changes)
    assert "--allow-duplicate" in str(caught.value)
    assert store.contact(other.id).name == "Ines Okafor"
    copy = edit_contact(store, str(other.id), changes, allow_duplicate=True)
    assert copy.name == "Marla Quennell"
    # Edits that leave who they are alone never ask again, even for an allowed copy.
    assert edit_contact(store, str(copy.id), ContactChanges(title="CFO")).title == "CFO"
    # Nor does a contact's own name and email count against it.
    same = ContactChanges(name="Marla Quennell", emails=("marla@zorbex.example",), title="VP")
    assert edit_contact(store, str(marla.id), same).title == "VP"


def test_add_refuses_a_contact_already_saved_under_an_alias(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "db.sqlite")
    tobias = add_contact(store, ContactFields(name="Tobias Wren", aliases=("Toby Wren",)))
    with pytest.raises(DuplicateContactError, match=f"contact {tobias.id}.*same alias"):
        add_contact(store, ContactFields(name="Toby Wren"))
    with pytest.raises(DuplicateContactError, match="same alias"):
        add_contact(store, ContactFields(name="T. Wren", aliases=("Tobias Wren",)))
    assert add_contact(store, ContactFields(name="Toby Wren"), allow_duplicate=True).id


def test_cli_edit_takes_allow_duplicate(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("contacts", "add", "Jane Doe", "--email", "jane@acme.example").exit_code == 0
    assert run_cli("contacts", "add", "Jan Dorn").exit_code == 0
    refused = run_cli("contacts", "edit", "Jan Dorn", "--email", "jane@acme.example")
    assert refused.exit_code == 1 and "same email" in refused.stderr
    forced = run_cli(
        "contacts", "edit", "Jan Dorn", "--email", "jane@acme.example", "--allow-duplicate"
    )
    assert forced.exit_code == 0, forced.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("add", "   "),
        ("add", "John Roe", "--linkedin", "https://example.com/john"),
        ("edit", "Jane Doe", "--remove-tag", "nowhere"),
        ("edit", "Jane Doe", "--birthday", "2999-01-01"),
    ],
)
def test_cli_an_invalid_field_value_is_a_usage_error(run_cli, args: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    # As a malformed --since or --cooldown-days is: the command line is what to fix.
    assert run_cli("contacts", "add", "Jane Doe", "--tag", "press").exit_code == 0
    result = run_cli("contacts", *args)
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert [c["name"] for c in json.loads(run_cli("contacts", "list", "--json").stdout)] == [
        "Jane Doe"
    ]
