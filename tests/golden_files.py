"""Golden-file comparison for rendered drafts, digests and parsed feeds.

`assert_golden(name, text)` compares against tests/golden/<name> after normalising
what legitimately changes between runs (temporary paths, write times, record ids).
The files are rewritten only when CHEESECAKE_REGEN_GOLDEN=1 is set; otherwise a
difference fails the test with a unified diff.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
REGEN = "CHEESECAKE_REGEN_GOLDEN"

_NORMALISE = [
    (re.compile(r"Written \d{4}-\d{2}-\d{2} \d{2}:\d{2} \([^)]*\)"), "Written <WHEN>"),
    (re.compile(r"file://[^\s\"'<>]+"), "file://<PATH>"),
    (re.compile(r"\b(cheesecake (?:sent|dismiss)) ([sm])\d+\b"), r"\1 \2<ID>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in _NORMALISE:
        text = pattern.sub(replacement, text)
    return text


def assert_golden(name: str, text: str, *, directory: Path = GOLDEN) -> None:
    """Compare `text` (normalised) with directory/name; rewrite it under REGEN=1."""
    path = directory / name
    actual = normalise(text)
    if os.environ.get(REGEN) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with {REGEN}=1")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=str(path),
                tofile="rendered",
            )
        )
        pytest.fail(f"{name} differs from its golden file ({REGEN}=1 to accept):\n{diff}")
