"""Shared fixtures: every test gets its own workspace and never the real network."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.loopback import LoopbackServer
from pipeline.workspace import Workspace, init_workspace


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHEESECAKE_HOME", str(tmp_path / "home"))
    real_connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"tests must not touch the network (tried {host})")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", loopback_only)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws, _ = init_workspace(tmp_path / "ws")
    return ws


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def run_cli(workspace: Workspace):  # type: ignore[no-untyped-def]
    """Invoke the CLI on the test workspace; returns the click Result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, ["--workspace", str(workspace.root), *args], input=input)

    return invoke
