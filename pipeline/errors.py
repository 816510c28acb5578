"""The package's exception hierarchy.

Every error a user can cause or meet derives from `CheesecakeError`, whose message
is one sentence saying what was wrong and how to fix it. The CLI turns these into
a line on stderr and a non-zero exit; anything else is a bug and keeps its traceback.
Per-item failures inside a run (one feed, one page) are caught by the stage,
recorded in the store, and never stop the run.
"""


class CheesecakeError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 1


class UsageError(CheesecakeError):
    """The command line itself is wrong (exit status 2, like click's own usage errors)."""

    exit_code = 2


class ConfigError(CheesecakeError):
    """feeds.toml or the workspace is missing, malformed or inconsistent."""


class WorkspaceError(CheesecakeError):
    """The workspace directory is missing, not initialised, or not writable."""


class StoreError(CheesecakeError):
    """The database cannot be opened, is locked, or is from a newer version."""


class NotFoundError(CheesecakeError):
    """A feed, article, contact, suggestion or mention named by the user does not exist."""


class AmbiguousError(CheesecakeError):
    """A name matches several records; the message lists them so the user can pick one."""


class FetchError(CheesecakeError):
    """A feed or page could not be fetched (network, HTTP status, limits, policy)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class ParseError(CheesecakeError):
    """Fetched bytes are not a usable feed."""


class ExtractError(CheesecakeError):
    """A page was fetched but no article text could be extracted from it."""


class ImportError_(CheesecakeError):  # trailing underscore: the builtin is not shadowed
    """A contacts or OPML file cannot be imported; nothing from it was stored."""


class ModelError(CheesecakeError):
    """A fitted model under models/ is missing, stale, tampered with or unreadable."""


class TemplateError(CheesecakeError):
    """A message or digest template (shipped or user-overridden) failed to render."""


class AlertError(CheesecakeError):
    """An alert channel (SMTP, webhook) failed to deliver."""


class LockedError(CheesecakeError):
    """Another run holds the workspace lock."""
