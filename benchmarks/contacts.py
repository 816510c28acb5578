"""Contacts import benchmark: 10,000 contacts in each import format.

    .venv/bin/python benchmarks/contacts.py [--count 10000] [--repeat 1]

For each format (LinkedIn Connections.csv, generic CSV with full names to parse,
Google Contacts CSV, vCard 3.0) a file of COUNT fictional contacts is written (names
mixing Western, Spanish, CJK and Arabic forms; a third with emails), then imported
into a fresh store with `import_file`, as `cheesecake contacts import` does. Printed
per format: the file size, the first import (read + validate + plan + one transaction),
the re-import of the same file (every contact matched, all unchanged), and the export
of the stored contacts. Target: every import under 10 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from pathlib import Path

from pipeline.contact_io import export_contacts, import_file
from pipeline.records import ContactFields
from pipeline.store import open_store

GIVEN = ["María-José", "John", "Priya", "Tomasz", "Chidinma", "Haruto", "Ingrid", "Kwame"]
FAMILY = ["García López", "Smith", "Raghunathan", "Wiśniewski", "Okafor", "Tanaka", "Lund"]
CJK_FAMILY, CJK_GIVEN = "王李张刘陈杨黄赵", ["小明", "丽", "伟", "芳", "娜娜", "强"]
ARABIC = ["محمد عبد الله", "ليلى حداد", "عمر بن خالد"]
COMPANIES = ["Halvorsen Shipping", "Cafés del Sur, S.L.", "Orbitra Analytics", "Lumen Battery"]


def _people(count: int, seed: int = 7) -> list[ContactFields]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = i % 10
        if kind == 8:
            given, family = rng.choice(CJK_GIVEN), rng.choice(CJK_FAMILY)
            name = f"{family}{given}"
        elif kind == 9:
            name = rng.choice(ARABIC)
            given, family = name.split(" ", 1)
        else:
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            name = f"{given} {family}"
        # a number keeps everyone distinct, as distinct people are
        name, family = f"{name} {i}", f"{family} {i}"
        out.append(
            ContactFields(
                name=name,
                first_name=given,
                last_name=family,
                company=rng.choice(COMPANIES),
                title=rng.choice(["Analyst", "VP, Data Platform", "Director of Fleet Operations"]),
                emails=(f"person{i}@example.com",) if i % 3 == 0 else (),
                linkedin_url=f"https://www.linkedin.com/in/person-{i}",
                tags=("imported",),
                notes="Met at the HealthData Summit, 2024.\nFollows federated learning.",
            )
        )
    return out


def _linkedin(people: list[ContactFields]) -> str:
    out = io.StringIO()
    out.write('Notes:\n"When exporting your connection data, ..."\n\n')
    writer = csv.writer(out)
    header = "First Name,Last Name,URL,Email Address,Company,Position,Connected On"
    writer.writerow(header.split(","))
    for p in people:
        writer.writerow(
            [p.first_name, p.last_name, p.linkedin_url, p.emails[0] if p.emails else "",
             p.company, p.title, "12 Mar 2024"]
        )  # fmt: skip
    return out.getvalue()


def _generic(people: list[ContactFields]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["name", "company", "title", "email", "interests", "aliases", "tags", "notes", "met"]
    )
    for p in people:  # the full name only: every row goes through the name parser
        writer.writerow(
            [p.name, p.company, p.title, ";".join(p.emails), "maritime logistics", "",
             "imported", p.notes, ""]
        )  # fmt: skip
    return out.getvalue()


def _google(people: list[ContactFields]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title",
         "Notes", "Labels", "E-mail 1 - Label", "E-mail 1 - Value", "Website 1 - Value"]
    )  # fmt: skip
    for p in people:
        writer.writerow(
            [p.first_name, "", p.last_name, p.company, p.title, p.notes,
             "* myContacts ::: imported", "Work", p.emails[0] if p.emails else "", p.linkedin_url]
        )  # fmt: skip
    return out.getvalue()


def _vcard(people: list[ContactFields]) -> str:
    return export_contacts(people, "vcard")


WRITERS = {"linkedin": _linkedin, "csv": _generic, "google": _google, "vcard": _vcard}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per format")
    args = parser.parse_args(argv)
    people = _people(args.count)
    worst = 0.0
    print(f"{args.count} contacts per format; times are the best of {args.repeat}")
    print(f"{'format':<9} {'file':>8} {'import':>8} {'re-import':>10} {'export':>8}")
    with tempfile.TemporaryDirectory() as folder:
        for fmt, write in WRITERS.items():
            path = Path(folder) / f"contacts.{'vcf' if fmt == 'vcard' else 'csv'}"
            path.write_text(write(people), encoding="utf-8")
            first = again = dump = float("inf")
            for attempt in range(args.repeat):
                store = open_store(Path(folder) / f"{fmt}-{attempt}.db")
                started = time.perf_counter()
                plan = import_file(store, path, fmt)
                first = min(first, time.perf_counter() - started)
                assert len(plan.added) == args.count, (fmt, len(plan.added))
                started = time.perf_counter()
                replan = import_file(store, path, fmt)
                again = min(again, time.perf_counter() - started)
                assert len(replan.unchanged) == args.count, (fmt, len(replan.unchanged))
                started = time.perf_counter()
                export_contacts(store.contacts(), "vcard" if fmt == "vcard" else "csv")
                dump = min(dump, time.perf_counter() - started)
                store.close()
            worst = max(worst, first, again)
            size = path.stat().st_size / 1_000_000
            print(f"{fmt:<9} {size:>6.2f}MB {first:>7.2f}s {again:>9.2f}s {dump:>7.2f}s")
    verdict = "PASS" if worst < 10 else "FAIL"
    print(f"slowest import: {worst:.2f} s (target < 10 s): {verdict}")
    return 0 if worst < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
