"""``essaim credentials``: keep the collectors' credentials in the OS keyring, not in files."""

from __future__ import annotations

import click

from app.cli.console import EXIT_OK, out, table
from app.cli.translation import _, group, option
from collectors.credentials import KNOWN, SERVICE, keyring_error, where
from collectors.registry import sources

__all__ = ["credentials"]

_PER_HOST = "<HOST>"


def _known() -> dict[str, str]:
    """The credentials essaim reads, by name (``…_<HOST>``: one per host), and what for."""
    needs = [source.needs for source in sources().values()]
    return {name: why for named in needs for name, why in named.items()} | KNOWN


def _name(_context, _parameter, value: str) -> str:
    name, known = value.upper(), _known()
    prefixes = [n.removesuffix(_PER_HOST) for n in known if n.endswith(_PER_HOST)]
    if name not in known and not any(name.startswith(p) and name != p for p in prefixes):
        raise click.BadParameter(
            _("{name} is not a credential essaim reads ({known})").format(
                name=repr(value), known=", ".join(known)
            )
        )
    return name


def _keyring():
    problem = keyring_error()
    if problem:
        raise click.ClickException(problem)
    import keyring

    return keyring


@group()
def credentials() -> None:
    """Store, list or remove credentials in the operating system's keyring.

    Collectors read each credential from its environment variable, else from the keyring.
    essaim never writes a credential anywhere else.
    """


@credentials.command("list")
def credentials_list() -> int:
    """Show which credentials are set, and where (never their values)."""
    places = {"environment": _("environment"), "keyring": _("keyring"), "absent": _("absent")}
    rows = [{"name": name, "for": _(purpose), "found in": places[where(name)]}
            for name, purpose in _known().items() if not name.endswith(_PER_HOST)]  # fmt: skip
    out.print(table(_("Credentials"), rows))
    return EXIT_OK


@credentials.command("set")
@click.argument("name", callback=_name)
@option("--value", prompt=True, hide_input=True, help="The value [default: prompted].")
def credentials_set(name: str, value: str) -> int:
    """Store NAME in the keyring (the value is prompted for, not echoed)."""
    _keyring().set_password(SERVICE, name, value)
    out.print(_("{name} is stored in the keyring.").format(name=name))
    return EXIT_OK


@credentials.command("delete")
@click.argument("name", callback=_name)
def credentials_delete(name: str) -> int:
    """Remove NAME from the keyring."""
    keyring = _keyring()
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, name)
    except PasswordDeleteError:
        raise click.ClickException(_("{name} is not in the keyring").format(name=name)) from None
    out.print(_("{name} is no longer in the keyring.").format(name=name))
    return EXIT_OK
