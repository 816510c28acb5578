"""Build pipeline/data/name_frequency.tsv from the US Census name lists in `names`.

The `names` package (treyhunner, a dependency) ships the 1990 US Census frequency
files dist.male.first, dist.female.first and dist.all.last: one name a line with the
percentage of the population (of that sex, for first names) bearing it. Mentions
need two things from them: how frequent a first or last name is (a "John Smith" is
asserted less readily than a "Jane Okonkwo") and whether a word is used as a first
name at all (to keep only real nicknames from the nicknames dataset).

Kept: every first name (percent of all people = the larger of the male/female
share divided by two, so names given to both sexes are not undercounted), and the
last names of at least 0.002 % (the ~5,000 most frequent; rarer ones are "not
frequent" by absence). Rerun after upgrading `names`:

    .venv/bin/python pipeline/data/build_name_frequency.py
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

LAST_MIN_PERCENT = 0.002
OUT = Path(__file__).with_name("name_frequency.tsv")


def _read(name: str) -> dict[str, float]:
    table: dict[str, float] = {}
    for line in files("names").joinpath(name).read_text(encoding="ascii").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            table[parts[0].lower()] = float(parts[1])
    return table


def main() -> None:
    male, female = _read("dist.male.first"), _read("dist.female.first")
    first = {n: max(male.get(n, 0.0), female.get(n, 0.0)) / 2 for n in male.keys() | female}
    last = {n: p for n, p in _read("dist.all.last").items() if p >= LAST_MIN_PERCENT}
    lines = [
        "# kind\tname\tpercent of US population (1990 Census, via the `names` package);",
        "# built by pipeline/data/build_name_frequency.py, see its docstring",
    ]
    for kind, table in (("first", first), ("last", last)):
        for name, percent in sorted(table.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"{kind}\t{name}\t{percent:.4f}")
    OUT.write_text("\n".join(lines) + "\n", encoding="ascii")
    print(f"{OUT}: {len(first)} first names, {len(last)} last names")


if __name__ == "__main__":
    main()
