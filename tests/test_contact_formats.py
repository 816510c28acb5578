"""Contacts files: every format and quirk, re-import, broken files, export round trips."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import json
import re
import tempfile
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.contact_io import (
    MAX_BYTES,
    detect_format,
    export_contacts,
    import_file,
    plan_import,
    read_contacts,
)
from pipeline.contacts import (
    ContactFieldError,
    IdentityIndex,
    clean_fields,
    fields_of,
    normalise_phone,
)
from pipeline.errors import ImportError_
from pipeline.records import ContactFields
from pipeline.store import open_store

DATA = Path(__file__).parent / "data" / "contacts"


def _by_name(path: Path, fmt: str | None = None) -> dict[str, ContactFields]:
    return {c.fields.name: c.fields for c in read_contacts(path, fmt).contacts}


# --- LinkedIn --------------------------------------------------------------------------


def test_linkedin_export_with_preamble() -> None:
    source = read_contacts(DATA / "linkedin_connections.csv")
    assert source.format == "linkedin" and len(source.contacts) == 8
    first = source.contacts[0]
    assert (first.row, first.line) == (1, 5)  # four lines of preamble and header before it
    people = {c.fields.name: c.fields for c in source.contacts}
    priya = people["Priya Raghunathan"]
    assert priya.emails == () and priya.company == "Halvorsen Shipping"
    assert priya.linkedin_url == "https://www.linkedin.com/in/priya-raghunathan-4b2a91"
    assert priya.met == "Connected on LinkedIn on 12 Mar 2024"
    # the name's parts are kept as LinkedIn gives them, not re-parsed
    maria = people["María-José García López"]
    assert (maria.first_name, maria.last_name) == ("María-José", "García López")
    assert maria.company == "Cafés del Sur, S.L." and maria.emails == (
        "mj.garcia@cafesdelsur.example",
    )
    sarah = people["Sarah O'Connell, PhD"]
    assert sarah.last_name == "O'Connell, PhD"
    assert people["Tomasz Wiśniewski"].title == "VP, Data Platform"
    # CJK parts compose family name first; right-to-left names keep their script
    wang = people["王小明"]
    assert (wang.first_name, wang.last_name) == ("小明", "王")
    assert people["ليلى حداد"].linkedin_url == "https://www.linkedin.com/in/layla-haddad-cfa"
    noa = people["נועה בן דוד"]
    assert noa.last_name == "בן דוד"
    assert noa.linkedin_url == "https://www.linkedin.com/in/noa-ben-david"  # il. subdomain


def test_linkedin_reimport_updates_instead_of_duplicating(workspace) -> None:  # type: ignore[no-untyped-def]
    store = open_store(workspace.db_path())
    first = import_file(store, DATA / "linkedin_connections.csv")
    assert len(first.added) == 8
    same = import_file(store, DATA / "linkedin_connections.csv")
    assert (len(same.added), len(same.updated), len(same.unchanged)) == (0, 0, 8)
    # the user's own words about how they met survive a re-import
    priya = store.find_contact("Priya Raghunathan")
    store.update_contact(
        priya.id,
        dataclasses.replace(fields_of(priya), met="Former colleague"),
    )
    dry = import_file(store, DATA / "linkedin_connections_updated.csv", dry_run=True)
    assert dry.dry_run and [p.fields.name for p in dry.added] == ["Dmitri Volkov"]
    changes = {p.fields.name: p.changed for p in dry.updated}
    assert changes == {"Priya Raghunathan": ("company", "title"), "Tomasz Wiśniewski": ("emails",)}
    assert store.count_contacts() == 8  # a dry run saves nothing
    import_file(store, DATA / "linkedin_connections_updated.csv")
    assert store.count_contacts() == 9
    priya = store.find_contact("Priya Raghunathan")
    assert priya.company == "Northwind Logistics" and priya.met == "Former colleague"
    store.close()


def test_linkedin_matches_a_contact_added_by_hand(workspace) -> None:  # type: ignore[no-untyped-def]
    store = open_store(workspace.db_path())
    hand = store.add_contact(
        clean_fields(ContactFields(name="Kwame Mensah", interests="cocoa supply chains"))
    )
    plan = import_file(store, DATA / "linkedin_connections.csv")
    kwame = [p for p in plan.updated if p.contact_id == hand.id]
    assert kwame and kwame[0].matched_by == "name"
    saved = store.contact(hand.id)
    assert saved.interests == "cocoa supply chains"
    assert saved.linkedin_url == "https://www.linkedin.com/in/kwame-mensah-1990"
    store.close()


def test_a_title_or_credentials_typed_into_linkedin_names_do_not_split_a_person(
    workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """LinkedIn members write "Dr." into First Name and ", CPA" into Last Name; the same
    people from an address book are still the same people, in either order of import."""
    linkedin = tmp_path / "Connections.csv"
    linkedin.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        'Jane,"Doe, CPA",https://www.linkedin.com/in/jane-doe-cpa,,"Bright & Co, LLP",'
        "Partner,05 Mar 2024\n"
        "Dr. Amir,Haddad,https://www.linkedin.com/in/amir-haddad,,Fictional Labs,CTO,"
        "12 Jan 2023\n",
        encoding="utf-8",
    )
    cards = tmp_path / "phone.vcf"
    cards.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Jane Doe\nN:Doe;Jane;;;\nORG:Bright & Co LLP\n"
        "TEL:+1 555 010 3000\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Amir Haddad\nN:Haddad;Amir;;;\nORG:Fictional Labs\n"
        "EMAIL:amir@fictional-labs.example\nEND:VCARD\n",
        encoding="utf-8",
    )
    store = open_store(workspace.db_path())
    import_file(store, linkedin)
    plan = import_file(store, cards)
    assert plan.added == () and len(plan.updated) == 2
    assert store.count_contacts() == 2
    jane = store.find_contact("Jane Doe, CPA")
    assert jane.phones == ("+1 555 010 3000",) and jane.last_name == "Doe, CPA"
    for contact in store.contacts():
        store.remove_contact(contact.id)
    import_file(store, cards)
    plan = import_file(store, linkedin)
    assert plan.added == () and store.count_contacts() == 2
    store.close()


# --- vCard -----------------------------------------------------------------------------


def test_apple_vcard_export() -> None:
    people = _by_name(DATA / "apple_export.vcf")
    chidi = people["Dr. Chidinma Adaeze Okafor"]
    assert (chidi.honorific, chidi.first_name, chidi.middle_name, chidi.last_name) == (
        "Dr.",
        "Chidinma",
        "Adaeze",
        "Okafor",
    )
    assert chidi.nickname == "Chidi" and chidi.aliases == ("Chidinma Nwosu",)  # X-MAIDENNAME
    assert chidi.company == "Meridian Health Analytics"
    assert chidi.department == "Clinical Data Science, Oncology"  # ORG units
    assert chidi.emails == (
        "chidinma.okafor@meridianhealth.example",
        "chidi.okafor@mailbox.example",
    )
    assert chidi.phones == ("+44 7700 900123", "+44 20 7946 0958")
    # a folded NOTE with escaped commas and newlines
    assert chidi.notes == (
        "Met at the HealthData Summit in Leeds, 2024. Wants intros to NHS trust data teams.\n"
        "Follows federated learning closely."
    )
    assert chidi.tags == ("conference", "healthcare")
    assert chidi.birthday == "--09-23"  # Apple's 1604 means "no year"
    assert chidi.linkedin_url == "https://www.linkedin.com/in/chidinma-okafor"
    haruto = people["Haruto Tanaka"]
    assert haruto.aliases == ("たなかはると",)  # phonetic reading, family name first
    assert haruto.linkedin_url == "https://www.linkedin.com/in/haruto-tanaka-freight"
    # the firm's own card (X-ABShowAs:COMPANY) is no person: skipped and reported
    assert "Halvorsen Shipping" not in people
    assert read_contacts(DATA / "apple_export.vcf").skipped == (
        "card 2 (line 25): Halvorsen Shipping",
    )


def test_vcard_4() -> None:
    people = _by_name(DATA / "contacts_v4.vcf")
    ingrid = people["Ingrid Solberg-Haugen"]
    assert ingrid.emails == ("ingrid.sh@fjordmail.example", "ingrid.solberg@nordlys.example")
    assert ingrid.phones == ("+47-912-34-567",) and ingrid.birthday == "--04-12"
    assert ingrid.notes == "Interviewed me for the Senior PM role, March 2026."
    assert ingrid.tags == ("energy", "former colleague")
    wang = people["王小明"]
    assert (wang.first_name, wang.last_name, wang.nickname) == ("小明", "王", "Xiaoming")
    assert wang.aliases == ("Sam",) and wang.department == "Cell R&D"
    assert wang.birthday == "1988-03-15"
    assert people["שירה לוי"].last_name == "לוי"


def test_vcard_2_1_quoted_printable_and_charsets() -> None:
    people = _by_name(DATA / "android_v21.vcf")
    juergen = people["Jürgen Müller"]
    assert (juergen.first_name, juergen.last_name) == ("Jürgen", "Müller")
    assert juergen.notes == (
        "Kennt jeden im Duisburger Hafen, sehr an Wasserstoff-Schiffen interessiert.\nZweite Zeile."
    )  # soft line break joined, =0D=0A a newline, the comma kept
    assert juergen.department == "Binnenschifffahrt"
    amelie = people["Amélie Lefèvre"]  # CHARSET=ISO-8859-1
    assert amelie.company == "Vignobles du Rhône" and amelie.title == "Directrice générale"


def test_vcard_2_1_raw_bytes_in_a_declared_charset(tmp_path: Path) -> None:
    # Outlook writes 8-bit text as it is, naming its code page on the property.
    path = tmp_path / "outlook.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;LANGUAGE=de;CHARSET=Windows-1252:B\xf6rnig;Anke\r\n"
        b"FN;CHARSET=Windows-1252:Anke B\xf6rnig\r\n"
        b"ORG;CHARSET=Windows-1252:M\xfcller & S\xf6hne GmbH\r\n"
        # text already in UTF-8 under a stale CHARSET is not decoded twice
        b"TITLE;CHARSET=Windows-1252:Eink\xc3\xa4uferin\r\nEND:VCARD\r\n"
    )
    anke = read_contacts(path).contacts[0].fields
    assert (anke.name, anke.first_name, anke.last_name) == ("Anke Börnig", "Anke", "Börnig")
    assert (anke.company, anke.title) == ("Müller & Söhne GmbH", "Einkäuferin")


def test_company_cards_are_skipped_and_reported(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Address books keep cards for firms beside people: Apple marks them, vCard 4 says
    # KIND:org, and a card with an ORG and no name at all is one too.
    cards = tmp_path / "book.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Al-Farsi;Tariq;;;\r\nFN:Tariq Al-Farsi\r\n"
        "ORG:Desert Logistics\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:;;;;\r\nFN:Harbour Pilots Ltd\r\n"
        "ORG:Harbour Pilots Ltd;\r\nX-ABShowAs:COMPANY\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Northwind Freight\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:\r\nN:;;;;\r\nORG:Kestrel Analytics\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    source = read_contacts(cards)
    assert [c.fields.name for c in source.contacts] == ["Tariq Al-Farsi"]
    assert source.skipped == (
        "card 2 (line 7): Harbour Pilots Ltd",
        "card 3 (line 14): Northwind Freight",
        "card 4 (line 19): Kestrel Analytics",
    )
    result = run_cli("contacts", "import", str(cards))
    assert result.exit_code == 0 and "1 added" in result.stdout
    assert "Skipped 3 entries that name no person: card 2 (line 7)" in result.stderr
    only = tmp_path / "firms.vcf"
    only.write_text("BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\nFN:Acme\r\nEND:VCARD\r\n")
    refused = run_cli("contacts", "import", str(only))
    assert refused.exit_code == 1 and "only entries for companies (1)" in refused.stderr


def test_company_rows_of_a_google_export_are_skipped_and_reported(tmp_path: Path) -> None:
    google = tmp_path / "google.csv"
    google.write_text(
        "First Name,Last Name,Labels,E-mail 1 - Value,Organization Name\r\n"
        "Amara,Nwosu,* myContacts,amara@kestrel.example,Kestrel Analytics\r\n"
        ",,* myContacts,info@plumbing.example,Best Plumbing Co\r\n",
        encoding="utf-8",
    )
    source = read_contacts(google)
    assert [c.fields.name for c in source.contacts] == ["Amara Nwosu"]
    assert source.skipped == ("row 2 (line 3): Best Plumbing Co",)
    only = tmp_path / "firms.csv"
    only.write_text(
        "First Name,Last Name,Organization Name\r\n,,Harbour Pilots Ltd\r\n", encoding="utf-8"
    )
    with pytest.raises(ImportError_, match=r"only entries for companies \(1\), no people"):
        read_contacts(only, "google")
    # The generic CSV is the user's own table: a row without a name is a mistake to fix.
    generic = tmp_path / "people.csv"
    generic.write_text("name,company\r\nAmara Nwosu,Kestrel\r\n,Harbour Pilots Ltd\r\n")
    with pytest.raises(ImportError_, match="needs a name"):
        read_contacts(generic)


def test_google_vcard_drops_its_system_category() -> None:
    people = _by_name(DATA / "google_export.vcf")
    assert people["Beatriz Oliveira"].tags == ("Commodities",)
    assert people["Beatriz Oliveira"].title == "Commodity Trader, Cocoa & Coffee"
    assert people["Beatriz Oliveira"].linkedin_url.endswith("/in/beatriz-oliveira-cocoa")
    assert people["Arjun Mehta"].tags == ()


# --- Google and generic CSV ---------------------------------------------------------------


def test_google_contacts_csv_current_and_legacy() -> None:
    people = _by_name(DATA / "google_contacts.csv")  # has a UTF-8 byte-order mark
    haruto = people["Haruto Tanaka"]
    assert haruto.emails == ("h.tanaka@sakurafreight.example", "haruto.t@mailbox.example")
    assert haruto.tags == ("Shipping",) and haruto.department == "Ocean Freight"
    assert haruto.birthday == "--06-14" and "port automation" in haruto.notes
    assert haruto.linkedin_url.endswith("/in/haruto-tanaka-freight")
    beatriz = people["Beatriz Oliveira"]
    assert beatriz.emails == (
        "beatriz.oliveira@cacaubrasil.example",
        "bia.oliveira@correio.example",
    )
    assert beatriz.nickname == "Bia" and beatriz.tags == ("Commodities", "starred")
    elena = people["Elena Sofia Rossi, PhD"]
    assert (elena.honorific, elena.middle_name, elena.suffix) == ("Prof.", "Sofia", "PhD")
    legacy = _by_name(DATA / "google_contacts_legacy.csv")
    fiona = legacy["Fiona MacLeod"]
    assert fiona.aliases == ("Fiona Campbell",) and fiona.birthday == "1984-02-29"
    assert fiona.company == "Islay Still House" and fiona.title == "Head of Visitor Experience"
    assert legacy["Kofi Boateng"].emails == ("kofi.boateng@mailbox.example",)


def test_generic_csv(workspace) -> None:  # type: ignore[no-untyped-def]
    source = read_contacts(DATA / "generic.csv")
    assert source.format == "csv" and source.ignored_columns == ("priority",)
    people = {c.fields.name: c.fields for c in source.contacts}
    maria = people["Dr. María-José García López Jr."]
    assert (maria.first_name, maria.last_name, maria.suffix) == (
        "María-José",
        "García López",
        "Jr.",
    )
    assert maria.aliases == ("MJ", "María José García")
    assert maria.tags == ("coffee", "former client")
    assert maria.notes == "Prefers Spanish on the phone.\nTwo kids, loves trail running."
    assert maria.met == "interviewed me for the Senior PM role, March 2026"
    john = people["Smith, John Q."]
    assert (john.first_name, john.middle_name, john.last_name) == ("John", "Q.", "Smith")
    assert people["Madonna"].first_name == "Madonna"
    assert people["محمد عبد الله"].last_name == "عبد الله"
    # two rows for Priya: one contact, with both rows' tags and the first row's interests
    store = open_store(workspace.db_path())
    plan = import_file(store, DATA / "generic.csv")
    assert len(plan.added) == 7 and [(d.row, d.first_row) for d in plan.duplicates] == [(8, 7)]
    priya = store.find_contact("Priya Raghunathan")
    assert priya.tags == ("shipping", "mentor") and priya.aliases == ("Priya R.",)
    assert priya.interests == "maritime logistics, LNG-powered ships"
    store.close()


def test_outlook_csv_export(run_cli) -> None:  # type: ignore[no-untyped-def]
    # Outlook's schema: "Title" is the honorific beside "Job Title", several e-mail and
    # phone columns, "Categories" separated by semicolons, "0/0/00" for no birthday.
    source = read_contacts(DATA / "outlook_export.csv")
    assert source.format == "csv"
    people = {c.fields.name: c.fields for c in source.contacts}
    helena = people["Helena M. Brandt"]
    assert (helena.honorific, helena.title) == ("Dr.", "Chief Scientist")
    assert helena.emails == ("helena.brandt@nordlys.example", "hbrandt@mailbox.example")
    assert helena.phones == ("+47 555 01 010", "+47 555 01 011")
    assert helena.tags == ("Energy", "Mentor") and helena.birthday == ""
    assert helena.department == "Research" and helena.notes.startswith("Met at the hydrogen")
    oskar = people["Oskar Lindgren, Jr."]
    # Outlook writes the birthday in the machine's locale: 4/12/1985 is April or December.
    assert (oskar.suffix, oskar.title, oskar.birthday) == ("Jr.", "Head of Chartering", "")
    assert len(source.left_out) == 1 and "'4/12/1985' is not a date" in source.left_out[0]
    assert people["Aiyana Whitehorse"].honorific == "Ms."
    # about seventy address, fax and flag columns are ignored, and the listing says so briefly
    result = run_cli("contacts", "import", str(DATA / "outlook_export.csv"))
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output
    assert "Ignored columns: business street, business street 2" in result.stderr
    assert re.search(r"and \d+ more\.", result.stderr)


def test_a_linkedin_row_without_a_name_is_skipped_and_listed(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # LinkedIn writes a deactivated or hidden member as a row with no name: the user
    # cannot fix that at LinkedIn's end, so the row is listed, not the file refused.
    result = run_cli("contacts", "import", str(DATA / "linkedin_missing_name.csv"))
    assert result.exit_code == 0, result.output
    assert "1 added" in result.stdout
    assert (
        "Skipped 1 entry that names no person: row 2 (line 6): no name "
        "(https://www.linkedin.com/in/deactivated-member)" in result.stderr
    )
    (priya,) = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert priya["name"] == "Priya Raghunathan"
    blank = tmp_path / "Connections.csv"
    blank.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        ",,https://www.linkedin.com/in/gone,,,,03 Feb 2023\n",
        encoding="utf-8",
    )
    refused = run_cli("contacts", "import", str(blank))
    assert refused.exit_code == 1 and "no connection with a name (1 row" in refused.stderr


# --- broken files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("broken_no_name.csv", ["row 2 (line 3)", "needs a name"]),
        ("broken_quoting.csv", ["row 2 (line 3)", "broken quoting"]),
        ("broken_unterminated_quote.csv", ["row 2 (line 3)", "broken quoting"]),
        ("broken_extra_column.csv", ["row 2 (line 3)", "10 values but the header has 9"]),
        ("broken_bad_email.csv", ["row 2 (line 3)", "'henrik.lund at nordlys' is not an email"]),
        ("broken_latin1.csv", ["row 2 (line 3)", "not UTF-8", "0xE9", "save the file as UTF-8"]),
        ("broken_vcard_no_name.vcf", ["card 2 (line 7)", "needs a name"]),
        ("broken_vcard_truncated.vcf", ["card 2 (line 6)", "no END:VCARD"]),
        ("broken_vcard_bad_line.vcf", ["card 2 (line 9)", "not valid vCard"]),
        ("empty.csv", ["is empty"]),
        ("header_only.csv", ["no contacts"]),
    ],
)
def test_a_broken_file_is_rejected_whole(
    run_cli, workspace, name: str, fragments: list[str]
) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("contacts", "import", str(DATA / name))
    assert result.exit_code == 1, result.output
    message = result.stderr
    assert str(DATA / name) in message and "Traceback" not in message
    assert message.count("\n") == 1  # one sentence
    for fragment in fragments:
        assert fragment in message
    assert json.loads(run_cli("contacts", "list", "--json").stdout) == []


_CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Grace Adeyemi\r\nEND:VCARD\r\n"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            _CARD + "BEGIN:VCARD\r\nVERSION:2.1\r\n"
            "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=E9r=F4me\r\nEND:VCARD\r\n",
            ["card 2 (line 7)", "cannot be decoded"],
        ),
        (
            _CARD
            + "BEGIN:VCARD\r\nFN;CHARSET=X-NOPE;ENCODING=QUOTED-PRINTABLE:J=E9\r\nEND:VCARD\r\n",
            ["card 2 (line 6)", "cannot be decoded"],
        ),
        (_CARD + "Sent from my phone\r\n", ["card 2 (line 5)", "not valid vCard"]),
        (_CARD + "NOTE:stray\r\n", ["card 2 (line 5)", "outside any BEGIN:VCARD"]),
        (_CARD + "END:VCARD\r\n", ["card 2 (line 5)", "never begun"]),
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", ["not a vCard file"]),
        (_CARD.replace("Grace", "Gr\udce9ce"), ["card 1 (line 3)", "not UTF-8", "0xE9"]),
    ],
)
def test_broken_vcards(tmp_path: Path, text: str, fragments: list[str]) -> None:
    path = tmp_path / "cards.vcf"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(ImportError_) as caught:
        read_contacts(path, "vcard")
    for fragment in fragments:
        assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("linkedin_connections.csv", "linkedin"),
        ("apple_export.vcf", "vcard"),
        ("contacts_v4.vcf", "vcard"),
        ("android_v21.vcf", "vcard"),
        ("google_export.vcf", "vcard"),
        ("google_contacts.csv", "google"),
        ("google_contacts_legacy.csv", "google"),
        ("generic.csv", "csv"),
    ],
)
def test_format_is_detected_from_the_content(name: str, fmt: str) -> None:
    assert detect_format((DATA / name).read_text(encoding="utf-8-sig")) == fmt
    assert read_contacts(DATA / name, fmt).format == fmt


@pytest.mark.parametrize("delimiter", [";", "\t"])
@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("generic.csv", "csv"),
        ("linkedin_connections.csv", "linkedin"),
        ("google_contacts.csv", "google"),
    ],
)
def test_semicolon_and_tab_separated_files(
    tmp_path: Path, name: str, fmt: str, delimiter: str
) -> None:
    # Excel saves "CSV" with semicolons where the decimal mark is a comma, and tabs as
    # "Text (tab delimited)"; values holding commas ("VP, Data Platform") then go unquoted.
    with open(DATA / name, encoding="utf-8-sig", newline="") as original:
        rows = list(csv.reader(original))
    resaved = tmp_path / name
    with open(resaved, "w", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    assert detect_format(resaved.read_text(encoding="utf-8")) == fmt
    assert _by_name(resaved) == _by_name(DATA / name)


def test_a_bad_phone_number_is_left_out_and_listed_not_the_file_rejected(
    run_cli, workspace
) -> None:  # type: ignore[no-untyped-def]
    # Address books hold "call reception" or a number with a note where a number goes:
    # the contact is imported without it, and the listing says what was left out.
    path = DATA / "broken_bad_phone.csv"
    result = run_cli("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output
    assert "Left out 1 value that could not be read" in result.stderr
    assert "row 3 (line 4): 'call reception' is not a phone number" in result.stderr
    people = {c["name"]: c for c in json.loads(run_cli("contacts", "list", "--json").stdout)}
    henrik = run_cli("contacts", "show", "Henrik Lund", "--json")
    assert json.loads(henrik.stdout)["phones"] == []
    rosa = json.loads(run_cli("contacts", "show", "Rosa Lindqvist", "--json").stdout)
    assert rosa["phones"] == ["+47 22 12 34 56 ext. 12"]
    assert set(people) == {"Grace Adeyemi", "Rosa Lindqvist", "Henrik Lund"}


def test_a_bad_phone_leaves_out_only_itself_from_a_list_of_phones(tmp_path: Path) -> None:
    # The generic CSV's phones are a ";" list (its export writes them so): one that is
    # no number must not take the good ones with it.
    path = tmp_path / "people.csv"
    path.write_text(
        "name,phones\nJane Roe,+1 555 010 0100; call reception; +1 555 010 0199\n",
        encoding="utf-8",
    )
    source = read_contacts(path)
    assert source.contacts[0].fields.phones == ("+1 555 010 0100", "+1 555 010 0199")
    [left_out] = source.left_out
    assert left_out.startswith("row 1 (line 2): 'call reception' is not a phone number")


def test_a_vcard_4_phone_uri_is_read_as_its_number() -> None:
    assert normalise_phone("tel:+1-555-010-2345") == "+1-555-010-2345"
    assert normalise_phone("TEL:+44 20 7946 0958") == "+44 20 7946 0958"


def test_a_vcard_4_phone_uri_keeps_its_extension(tmp_path: Path) -> None:
    # RFC 6350's own example: a tel: URI carries an extension as ";ext=".
    path = tmp_path / "v4.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:4.0\nFN:Oluwaseun Bello\nN:Bello;Oluwaseun;;;\n"
        'TEL;VALUE=uri;PREF=1;TYPE="voice,home":tel:+1-555-555-5555;ext=5555\n'
        "TEL;VALUE=uri:tel:+234-1-555-0199;phone-context=example.com\nEND:VCARD\n",
        encoding="utf-8",
    )
    source = read_contacts(path)
    assert source.left_out == ()
    assert source.contacts[0].fields.phones == ("+1-555-555-5555 ext. 5555", "+234-1-555-0199")


def test_a_bad_birthday_is_left_out_and_listed_not_the_file_rejected(
    run_cli, workspace, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "birthdays.csv"
    path.write_text(
        "name,company,birthday\n"
        "Maria Lopez,Acme,1990-02-30\n"
        "Tom Hale,Beta,13/45\n"
        "Li Wei,Gamma,--02-29\n"
        "Ines Ruiz,Delta,1984-02-29\n"
    )
    dry = json.loads(run_cli("contacts", "import", str(path), "--dry-run", "--json").stdout)
    assert dry["left_out"] == [
        "row 1 (line 2): birthday '1990-02-30' is not a date "
        "(YYYY-MM-DD, or --MM-DD without the year)",
        "row 2 (line 3): birthday '13/45' is not a date (YYYY-MM-DD, or --MM-DD without the year)",
    ]
    result = run_cli("contacts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "4 added" in result.stdout
    assert "Left out 2 values that could not be read" in result.stderr
    assert "'13/45'" in result.stderr
    listed = json.loads(run_cli("contacts", "list", "--json").stdout)
    assert {c["name"]: c["birthday"] for c in listed} == {
        "Ines Ruiz": "1984-02-29",
        "Li Wei": "--02-29",
        "Maria Lopez": None,
        "Tom Hale": None,
    }
    vcf = tmp_path / "one.vcf"
    vcf.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Karl Berg\nN:Berg;Karl;;;\nBDAY:1985-02-30\nEND:VCARD\n"
    )
    card = run_cli("contacts", "import", str(vcf))
    assert card.exit_code == 0 and "card 1 (line 1): birthday '1985-02-30'" in card.stderr


def test_nothing_is_imported_when_the_last_row_is_bad(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [f"Person {i},Acme,,p{i}@acme.example,,,,," for i in range(500)]
    path = tmp_path / "late.csv"
    path.write_text(
        "name,company,title,email,interests,aliases,tags,notes,met\n"
        + "\n".join(rows)
        + "\n,Acme,,,,,,,\n"
    )
    store = open_store(workspace.db_path())
    with pytest.raises(ImportError_, match="row 501 \\(line 502\\)"):
        import_file(store, path)
    assert store.count_contacts() == 0
    store.close()


def test_wrong_format_and_undetectable_files(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wrong = run_cli("contacts", "import", str(DATA / "generic.csv"), "--format", "linkedin")
    assert wrong.exit_code == 1
    assert "is not a LinkedIn Connections.csv export" in wrong.stderr
    assert "use --format csv" in wrong.stderr
    vcard = run_cli("contacts", "import", str(DATA / "apple_export.vcf"), "--format", "google")
    assert "use --format vcard" in vcard.stderr
    odd = tmp_path / "odd.csv"
    odd.write_text("colour,size\nred,big\n")
    unknown = run_cli("contacts", "import", str(odd))
    assert unknown.exit_code == 1 and "give --format" in unknown.stderr
    assert (
        run_cli("contacts", "import", str(DATA / "generic.csv"), "--format", "xml").exit_code == 2
    )


@pytest.mark.parametrize("command", [("contacts", "import"), ("feeds", "import")])
def test_a_file_argument_that_is_no_readable_file_is_a_usage_error(
    run_cli, tmp_path: Path, command: tuple[str, str]
) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope.csv"
    result = run_cli(*command, str(missing))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"'{missing}' does not exist" in result.stderr
    folder = run_cli(*command, str(tmp_path))
    assert folder.exit_code == 2 and f"'{tmp_path}' is a directory" in folder.stderr


def test_too_big_binary_and_utf16_files(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.csv"
    with big.open("wb") as out:  # sparse: 50 MB on paper, nothing read
        out.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    result = run_cli("contacts", "import", str(big))
    assert result.exit_code == 1 and "50.0 MB" in result.stderr and "20 MB" in result.stderr
    assert time.perf_counter() - started < 2
    assert MAX_BYTES == 20 * 1024 * 1024
    xlsx = tmp_path / "contacts.xlsx"
    xlsx.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)))
    binary = run_cli("contacts", "import", str(xlsx))
    assert binary.exit_code == 1 and "not a text file" in binary.stderr
    utf16 = tmp_path / "outlook.csv"
    utf16.write_bytes(
        codecs.BOM_UTF16_LE + "name,company\nJürgen Müller,Rheinhafen\n".encode("utf-16-le")
    )
    assert run_cli("contacts", "import", str(utf16)).exit_code == 0
    assert json.loads(run_cli("contacts", "list", "--json").stdout)[0]["name"] == "Jürgen Müller"


def test_cli_import_dry_run_and_json(run_cli) -> None:  # type: ignore[no-untyped-def]
    dry = run_cli("contacts", "import", str(DATA / "linkedin_connections.csv"), "--dry-run")
    assert dry.exit_code == 0
    assert "Would add (8):" in dry.stdout and "+ 王小明 (Lumen Battery Tech)" in dry.stdout
    assert "nothing was saved" in dry.stdout
    assert json.loads(run_cli("contacts", "list", "--json").stdout) == []
    done = json.loads(
        run_cli("contacts", "import", str(DATA / "linkedin_connections.csv"), "--json").stdout
    )
    assert done["format"] == "linkedin" and len(done["added"]) == 8 and not done["dry_run"]
    again = run_cli(
        "contacts", "import", str(DATA / "linkedin_connections_updated.csv"), "--dry-run"
    )
    assert "Would update (2):" in again.stdout
    assert "~ Priya Raghunathan (Northwind Logistics)  (company, title)" in again.stdout
    assert "Would leave unchanged (6):" in again.stdout


def test_cli_import_json_gives_the_ids_of_the_contacts_it_added(run_cli) -> None:  # type: ignore[no-untyped-def]
    dry = json.loads(
        run_cli(
            "contacts", "import", str(DATA / "linkedin_connections.csv"), "--json", "--dry-run"
        ).stdout
    )
    assert [entry["id"] for entry in dry["added"]] == [None] * 8  # nothing saved, no ids
    done = json.loads(
        run_cli("contacts", "import", str(DATA / "linkedin_connections.csv"), "--json").stdout
    )
    saved = {c["name"]: c["id"] for c in json.loads(run_cli("contacts", "list", "--json").stdout)}
    assert {entry["name"]: entry["id"] for entry in done["added"]} == saved


@pytest.mark.parametrize("fmt", ["csv", "vcard"])
def test_reimporting_an_export_keeps_namesakes_apart(workspace, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """Two people of one name (saved with --allow-duplicate) each get their own row back."""
    store = open_store(workspace.db_path())
    roommate = store.add_contact(clean_fields(ContactFields(name="Alex Kim", notes="roommate")))
    recruiter = store.add_contact(clean_fields(ContactFields(name="Alex Kim", notes="recruiter")))
    path = tmp_path / f"contacts.{fmt}"
    path.write_text(export_contacts(store.contacts(), fmt), encoding="utf-8")
    plan = import_file(store, path)
    assert (len(plan.added), len(plan.updated), len(plan.unchanged)) == (0, 0, 2)
    assert store.contact(roommate.id).notes == "roommate"
    assert store.contact(recruiter.id).notes == "recruiter"
    # rows in another order, one of them edited: each still goes to its own contact
    edited = [dataclasses.replace(fields_of(recruiter), phones=("+1 555 010 2222",))]
    path.write_text(export_contacts([*edited, fields_of(roommate)], fmt), encoding="utf-8")
    plan = import_file(store, path)
    assert [(p.contact_id, p.changed) for p in plan.updated] == [(recruiter.id, ("phones",))]
    assert store.contact(roommate.id).phones == () and store.count_contacts() == 2
    store.close()


# --- export and round trips -----------------------------------------------------------------


def test_export_csv_has_the_contract_columns_and_defuses_formulas(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run_cli("contacts", "add", '=HYPERLINK("http://evil.example")', "--title", "+1 trick")
    run_cli("contacts", "import", str(DATA / "generic.csv"))
    out = tmp_path / "out.csv"
    result = run_cli("contacts", "export", "-o", str(out))
    assert result.exit_code == 0 and "Exported 8 contacts" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("name,company,title,email,interests,aliases,tags,notes,met,")
    assert "'=HYPERLINK" in text and "'+1 trick" in text
    people = _by_name(out)
    assert '=HYPERLINK("http://evil.example")' in people
    stdout = run_cli("contacts", "export", "--format", "vcard", "--tag", "coffee").stdout
    assert stdout.count("BEGIN:VCARD") == 1 and "FN:Dr. María-José García López Jr." in stdout


def _round_trip(contacts: list[ContactFields], fmt: str) -> list[ContactFields]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{'vcf' if fmt == 'vcard' else 'csv'}"
        path.write_text(export_contacts(contacts, fmt), encoding="utf-8", newline="")
        plan = plan_import([], read_contacts(path))
    assert not plan.duplicates and not plan.updated
    return [p.fields for p in plan.added]


_letters = st.characters(
    codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"), exclude_characters="\x85"
)
_word = st.text(_letters, min_size=1, max_size=12)
_name = st.one_of(
    st.builds(lambda a, b: f"{a} {b}", _word, _word),
    st.sampled_from(
        ["Dr. María-José García López Jr.", "Smith, John Q.", "王小明", "محمد عبد الله", "Madonna"]
    ),
    _word,
)
_free_text = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cc")), max_size=60
)
_email = st.from_regex(
    r"[a-z0-9][a-z0-9._%+-]{0,10}@[a-z0-9-]{1,10}\.(com|org|example)", fullmatch=True
)
_contact = st.builds(
    ContactFields,
    name=_name,
    company=_free_text,
    department=_free_text,
    title=_free_text,
    industry=_free_text,
    nickname=st.one_of(st.just(""), _word),
    emails=st.lists(_email, max_size=3).map(tuple),
    phones=st.lists(st.from_regex(r"\+[0-9]{5}[0-9 -]{1,9}[0-9]", fullmatch=True), max_size=2).map(
        tuple
    ),
    aliases=st.lists(_free_text, max_size=3).map(tuple),
    tags=st.lists(_free_text, max_size=3).map(tuple),
    interests=_free_text,
    notes=_free_text,
    met=_free_text,
    linkedin_url=st.one_of(
        st.just(""), st.from_regex(r"https://www\.linkedin\.com/in/[a-z0-9-]{3,20}", fullmatch=True)
    ),
    birthday=st.one_of(
        st.just(""),
        st.dates(max_value=date.today()).map(lambda d: d.isoformat()),
        st.just("--02-29"),
    ),
    cooldown_days=st.one_of(st.none(), st.integers(0, 3650)),
)


def _distinct(raw: list[ContactFields]) -> list[ContactFields]:
    """Valid contacts that are different people (the same person would rightly merge)."""
    out: list[ContactFields] = []
    index: IdentityIndex[int] = IdentityIndex()
    for fields in raw:
        try:
            clean = clean_fields(fields)
        except ContactFieldError:  # an invalid draw is simply not a contact
            continue
        if index.find(clean) is None:
            index.add(len(out), clean)
            out.append(clean)
    return out


@pytest.mark.parametrize("fmt", ["csv", "vcard"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.lists(_contact, min_size=1, max_size=6))
def test_export_then_import_gives_the_same_contacts(fmt: str, raw: list[ContactFields]) -> None:
    contacts = _distinct(raw)
    if not contacts:
        return
    back = _round_trip(contacts, fmt)
    key = lambda c: (c.name, c.emails)  # noqa: E731
    assert sorted(back, key=key) == sorted(contacts, key=key)


def test_round_trip_of_the_sample_files_through_both_formats() -> None:
    for name in ("apple_export.vcf", "contacts_v4.vcf", "generic.csv", "google_contacts.csv"):
        contacts = [p.fields for p in plan_import([], read_contacts(DATA / name)).added]
        for fmt in ("csv", "vcard"):
            assert _round_trip(contacts, fmt) == contacts, (name, fmt)


# --- size -----------------------------------------------------------------------------------


def test_ten_thousand_contacts_import_quickly(workspace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = ["First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    lines += [
        f"Given{i},Family{i},https://www.linkedin.com/in/person-{i},"
        f"{f'p{i}@example.com' if i % 3 == 0 else ''},Company {i % 250},Analyst,12 Mar 2024"
        for i in range(10_000)
    ]
    path = tmp_path / "Connections.csv"
    path.write_text('Notes:\n"preamble"\n\n' + "\n".join(lines) + "\n")
    store = open_store(workspace.db_path())
    started = time.perf_counter()
    plan = import_file(store, path)
    seconds = time.perf_counter() - started
    assert len(plan.added) == 10_000 and store.count_contacts() == 10_000
    assert seconds < 10, f"10,000 contacts took {seconds:.1f} s"
    started = time.perf_counter()
    again = import_file(store, path)
    assert len(again.unchanged) == 10_000
    assert time.perf_counter() - started < 10
    store.close()
