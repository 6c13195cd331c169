"""Credentials: read from the environment, else from the operating system's keyring.

A credential is named by its environment variable (``ESSAIM_BLUESKY_APP_PASSWORD``…); in the
keyring it is the password of that name under the service ``essaim`` (``essaim credentials
set NAME`` puts it there). Credentials are never written by essaim anywhere else: not in
the database, raw runs, manifests, logs or exports.
"""

from __future__ import annotations

import os

from collectors.speech import N_, _

__all__ = ["KNOWN", "SERVICE", "credential", "keyring_error", "where"]

SERVICE = "essaim"

#: The credentials essaim reads besides those each source declares (``Source.needs``), and
#: what each is for (marked ``N_()``, said where shown).
KNOWN = {"ESSAIM_SMTP_PASSWORD": N_("password of the SMTP account that sends watch alerts")}


def credential(name: str) -> str | None:
    """The credential ``name``: the environment variable if set, else the keyring's entry,
    else ``None`` (also when no keyring is available)."""
    value = os.environ.get(name)
    if value:
        return value
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(SERVICE, name) or None
    except (KeyringError, RuntimeError):
        return None


def where(name: str) -> str:
    """Where ``name`` would be read from: "environment", "keyring" or "absent"."""
    if os.environ.get(name):
        return "environment"
    return "keyring" if credential(name) else "absent"


def keyring_error() -> str | None:
    """Why the keyring cannot store credentials, or ``None`` when it can."""
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    if isinstance(keyring.get_keyring(), NoKeyring):
        return _(
            "no keyring is available on this machine (install and unlock one, e.g. GNOME "
            "Keyring or KWallet, or set the variable in the environment instead)"
        )
    return None
