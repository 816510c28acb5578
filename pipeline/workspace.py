"""Where a workspace lives and what is in it.

A workspace is a directory holding feeds.toml, models/, digests/, an optional
templates/ folder of user overrides, and the SQLite database. It is chosen by
`--workspace`, else `$CHEESECAKE_HOME`, else the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import filelock

from pipeline.config import Config, load_config
from pipeline.errors import LockedError, WorkspaceError
from pipeline.starter import starter_toml
from pipeline.store import open_store

CONFIG_NAME = "feeds.toml"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def digests_dir(self) -> Path:
        return self.root / "digests"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def lock_path(self) -> Path:
        return self.root / ".cheesecake.lock"

    @property
    def scheduler_lock_path(self) -> Path:
        return self.root / ".cheesecake-schedule.lock"

    def config(self) -> Config:
        in_the_way = file_in_the_way(self.root)
        if in_the_way is not None:
            raise WorkspaceError(
                f"{in_the_way} is a file, not a folder; --workspace (or $CHEESECAKE_HOME) "
                "must name a workspace's folder."
            )
        if not self.config_path.exists():
            raise WorkspaceError(
                f"{self.root} is not a cheesecake workspace (no {CONFIG_NAME}); "
                f"run `cheesecake init {self.root}` or pass --workspace DIR."
            )
        return load_config(self.config_path)

    def db_path(self, config: Config | None = None) -> Path:
        config = config or self.config()
        path = Path(config.settings.database).expanduser()
        return path if path.is_absolute() else self.root / path


def resolve_workspace(option: str | None) -> Workspace:
    """The workspace named by --workspace, else $CHEESECAKE_HOME, else the current dir."""
    chosen = option or os.environ.get("CHEESECAKE_HOME") or os.getcwd()
    return Workspace(Path(chosen).expanduser().resolve())


def file_in_the_way(root: Path) -> Path | None:
    """`root` itself or the folder above it that exists as something other than a
    folder (a file), or None: no workspace can be there, and `init` cannot make one."""
    for path in (root, *root.parents):
        if os.path.exists(path):  # never raises, unlike Path.exists on a folder we cannot read
            return None if os.path.isdir(path) else path
    return None


def init_workspace(root: Path, *, starter: bool = False) -> tuple[Workspace, bool]:
    """Create the workspace layout; return it and whether feeds.toml was newly written.

    An existing feeds.toml is never overwritten: re-running init only adds what is
    missing, so it is safe on a workspace in use.
    """
    workspace = Workspace(root.expanduser().resolve())
    in_the_way = file_in_the_way(workspace.root)
    if in_the_way is not None:
        raise WorkspaceError(
            f"{in_the_way} is a file, not a folder; choose a folder (new or existing) "
            "for the workspace."
        )
    try:
        workspace.root.mkdir(parents=True, exist_ok=True)
        workspace.models_dir.mkdir(exist_ok=True)
        workspace.digests_dir.mkdir(exist_ok=True)
        created = not workspace.config_path.exists()
        if created:
            workspace.config_path.write_text(starter_toml(enabled=starter), encoding="utf-8")
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot create a workspace in {root}: {exc.strerror or exc}; "
            "choose a directory you can write to."
        ) from None
    open_store(workspace.db_path()).close()
    return workspace, created


@contextmanager
def workspace_lock(
    workspace: Workspace, *, timeout: float, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the workspace's run lock; wait up to `timeout` seconds, then LockedError."""
    busy = (
        f"Another cheesecake run is still working in {workspace.root} after waiting "
        f"{timeout:g} s; try again when it has finished (see `cheesecake status`)."
    )
    with _file_lock(workspace.lock_path, timeout=timeout, busy=busy, on_wait=on_wait):
        yield


@contextmanager
def scheduler_lock(workspace: Workspace) -> Iterator[None]:
    """Held by `cheesecake schedule` for its whole life: one daemon per workspace.

    The run lock alone would let a second daemon queue behind the first and repeat
    every pass (and e-mail every digest twice); this one refuses it at once.
    """
    busy = (
        f"A scheduler is already running for {workspace.root}; stop it first, or use "
        "that one (one `cheesecake schedule` per workspace)."
    )
    with _file_lock(workspace.scheduler_lock_path, timeout=0, busy=busy):
        yield


@contextmanager
def _file_lock(
    path: Path, *, timeout: float, busy: str, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold an OS file lock (released by the kernel when a process dies, so a killed
    run never leaves the workspace locked); LockedError saying `busy` after `timeout`
    seconds, `on_wait` called once if it has to wait."""
    lock = filelock.FileLock(path)
    try:
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if on_wait is not None:
                on_wait()
            lock.acquire(timeout=max(timeout, 0))
    except filelock.Timeout:
        raise LockedError(busy) from None
    except OSError as exc:
        raise WorkspaceError(
            f"Cannot create the lock file {path}: {exc.strerror or exc}; "
            "make the workspace writable."
        ) from None
    try:
        yield
    finally:
        lock.release()
