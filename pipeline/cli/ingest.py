"""Commands of this group are registered in COMMANDS (see pipeline.cli)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
