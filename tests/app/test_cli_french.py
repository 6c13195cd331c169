"""The command line speaks French when asked or when the locale is French, English otherwise;
its catalogue is complete and compiled."""

import io
import re

import click
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

from app.cli import translation
from app.cli.main import cli
from tests.app.test_cli import SAMPLE, essaim

PO = translation.LOCALE / "fr" / "LC_MESSAGES" / "essaim.po"


@pytest.fixture
def french():
    """The catalogue as committed."""
    with PO.open("rb") as file:
        return read_po(file, locale="fr", domain="essaim")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.use("en")


def test_every_message_has_a_french_translation(french):
    wanted = {message.id for message in translation.messages() if message.id}
    translated = {message.id for message in french if message.id and message.string}
    assert sorted(map(str, wanted - translated)) == []
    assert [message.id for message in french if message.id and message.fuzzy] == []
    plurals = [m.string for m in french if isinstance(m.id, tuple)]
    assert plurals and all(len(forms) == 2 and all(forms) for forms in plurals)


def test_the_committed_catalogue_is_compiled(french):
    compiled = io.BytesIO()
    write_mo(compiled, french)
    assert compiled.getvalue() == PO.with_suffix(".mo").read_bytes()


def test_french_punctuation_has_its_space(french):
    for message in french:
        for text in message.string if isinstance(message.id, tuple) else [message.string]:
            assert not re.search(r" [:;?!»]|« ", text or ""), text


@pytest.mark.parametrize(
    ("arguments", "environment", "expected"),
    [
        (["--lang", "fr"], {}, "fr"),
        (["--lang=en", "status"], {"LANG": "fr_FR.UTF-8"}, "en"),
        ([], {"LANG": "fr_FR.UTF-8"}, "fr"),
        ([], {"LC_ALL": "fr_CA.UTF-8", "LANG": "en_GB.UTF-8"}, "fr"),
        ([], {"LANGUAGE": "en_US:fr", "LANG": "fr_FR.UTF-8"}, "en"),
        ([], {"ESSAIM_LANG": "fr", "LANG": "C.UTF-8"}, "fr"),
        ([], {"ESSAIM_LANG": "en", "LANG": "fr_FR.UTF-8"}, "en"),
        (["--config", "x.toml", "report", "--lang", "en"], {"LANG": "fr_FR"}, "fr"),
        ([], {}, "en"),
    ],
)
def test_the_language_is_chosen_in_order(arguments, environment, expected):
    assert translation.chosen_language(arguments, environment) == expected


def test_help_in_french():
    runner = CliRunner()
    shown = runner.invoke(cli, ["--lang", "fr", "--help"]).output
    assert "Utilisation\u00a0:" in shown and "Afficher ce message et quitter." in shown
    assert "Langue des messages et de l'aide" in shown
    collect = runner.invoke(cli, ["--lang", "fr", "collect", "--help"]).output
    assert "Collecter les traces publiques dans une nouvelle collecte brute" in collect
    assert "Options" in collect and "Commandes" in collect
    bluesky = runner.invoke(cli, ["--lang", "fr", "collect", "bluesky", "--help"]).output
    assert "Chercher les publications renvoyant à ce domaine." in bluesky
    assert "[par défaut\u00a0: 1000]" in bluesky  # click's words too
    english = runner.invoke(cli, ["--lang", "en", "collect", "--help"]).output
    assert "Usage:" in english and "Collect public traces into a new raw run" in english


def test_usage_errors_in_french():
    runner = CliRunner()
    unknown = runner.invoke(cli, ["--lang", "fr", "--bogus"])
    assert "Option inconnue\u00a0: '--bogus'." in unknown.output
    missing = runner.invoke(cli, ["--lang", "fr", "reparse"])
    assert "Argument manquant" in missing.output and "Erreur\u00a0:" in missing.output


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    for name, subcommand in getattr(command, "commands", {}).items():
        yield from _commands(subcommand, (*path, name))


def test_no_english_is_left_in_any_french_help():
    english_texts = [text for text, _ in translation._help_texts(cli, "essaim")]
    sentences = {text.split("\n")[0] for text in english_texts if " " in text}
    for path, command in _commands(cli):
        with click.Context(command, info_name=" ".join(("essaim", *path))) as context:
            translation.use("en")
            english = command.get_help(context)
            translation.use("fr")
            french = command.get_help(context)
        assert french != english, path
        left = [sentence for sentence in sentences if sentence in french]
        assert left == [], (path, left)


def test_a_command_speaks_the_locale_language(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    loaded = essaim("--data", data, "load", SAMPLE, "--offline")
    assert loaded.returncode == 0, loaded.stderr
    assert "2 collectes chargées" in loaded.stdout and "0 déjà chargées." in loaded.stdout
    status = essaim("--data", data, "status")
    assert "Enregistrements par source et plateforme" in status.stdout
    assert "Liens suivis qui ne correspondent à aucune ressource" in status.stdout
    assert "clé d'URL" in status.stdout and "publications" in status.stdout
    english = essaim("--lang", "en", "--data", data, "status")
    assert "Records by source and platform" in english.stdout
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("ESSAIM_LANG", "fr")
    again = essaim("--data", data, "load", SAMPLE, "--offline")
    assert "0 collecte chargée" in again.stdout and "2 déjà chargées." in again.stdout


def test_numbers_are_written_the_french_way():
    translation.use("fr")
    from app.cli.console import cell

    assert (cell(12345), cell(1234.5), cell(True)) == ("12\u00a0345", "1\u00a0234,50", "oui")
