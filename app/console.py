"""What every command shares: the two consoles and the exit codes.

Exit codes: 0 everything worked; 1 a user error, explained in one sentence; 2 partial success
(some inputs were rejected or some pages failed; each is listed with the reason).
"""

from rich.console import Console

__all__ = ["EXIT_OK", "EXIT_PARTIAL", "EXIT_USER_ERROR", "err", "out"]

EXIT_OK, EXIT_USER_ERROR, EXIT_PARTIAL = 0, 1, 2

out = Console()
err = Console(stderr=True)
