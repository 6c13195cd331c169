"""What a user can fix: the base of the errors essaim reports in one sentence."""

__all__ = ["NotFound", "UserError"]


class UserError(Exception):
    """Something the user can fix (a wrong name, an unreadable file, a refused request), said
    in one sentence. The command line prints it without a traceback; any other exception is
    a bug, reported as one."""


class NotFound(UserError, LookupError):
    """Something asked for by name that is not there (a run, an account, a source)."""
