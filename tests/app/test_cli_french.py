"""The command line speaks French when asked or when the locale is French, English otherwise;
its catalogue is complete and compiled."""

import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner
from rich.console import Console

from app.cli import console, translation
from app.cli.alerts import Alert
from app.cli.impact import uptake_sentence
from app.cli.main import cli
from graph.store import Store
from tests.app.conftest import toy_data
from tests.app.test_cli import SAMPLE, essaim
from tests.app.test_impact import usage
from tests.app.test_privacy import day, retention_records, write_config
from tests.conftest import write_record_run

IMPORTS = Path(__file__).parents[1] / "fixtures" / "imports"

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


# --- the commands' output in French -------------------------------------------------------


@pytest.fixture(scope="module")
def analysed_toy(tmp_path_factory):
    """The toy store, bob and dan following ana on Bluesky, analysed."""
    data = toy_data(tmp_path_factory.mktemp("french") / "data")
    with Store(data / "essaim.duckdb") as store:
        store.connection.execute(
            "INSERT INTO follows VALUES ('bluesky', 'bob', 'ana', now(), now(), 'test', 'run'),"
            " ('bluesky', 'dan', 'ana', now(), now(), 'test', 'run')"
        )
    assert essaim("--data", data, "analyze").returncode == 0
    return data


def said(result) -> str:
    """What a command printed, on one line (tables and long sentences are wrapped; no-break
    spaces stay)."""
    return re.sub(r"[ \n]+", " ", result.stdout + " " + result.stderr)


def test_rank_in_french(analysed_toy):
    ranked = essaim("--lang", "fr", "--data", analysed_toy, "rank", "resources", "--by",
                    "adoptions")  # fmt: skip
    assert ranked.returncode == 0, ranked.stderr
    assert "Ressources par adoptions, toutes les données" in said(ranked)
    wrong = essaim("--lang", "fr", "--data", analysed_toy, "rank", "accounts", "--by", "x")
    assert wrong.returncode == 1
    assert "--by 'x' n'est pas une mesure de accounts\u00a0: utilisez l'une de" in said(wrong)


def test_whatif_in_french(analysed_toy):
    result = essaim("--lang", "fr", "--data", analysed_toy, "whatif", "--resource", "r1")
    assert result.returncode == 0, result.stderr
    shown = said(result)
    assert "5 comptes graines choisis de façon gloutonne (CELF) selon le modèle IC" in shown
    assert (
        "1 initiateur réel de la ressource dans le réseau\u00a0: diffusion attendue 3,00" in shown
    )
    assert "Probabilités des liens\u00a0: p(suivi → abonné)" in shown


def test_export_in_french(analysed_toy, tmp_path):
    folder = tmp_path / "export"
    first = essaim("--lang", "fr", "--data", analysed_toy, "export", "--no-graphs", "--out", folder)
    assert first.returncode == 0, first.stderr
    assert f"Exporté dans {folder}" in said(first) and "lignes ou nœuds" in first.stdout
    again = essaim("--lang", "fr", "--data", analysed_toy, "export", "--out", folder)
    assert again.returncode == 1
    assert f"{folder} n'est pas vide\u00a0: choisissez un autre dossier --out" in said(again)


def test_impact_in_french(data, raw_dir):
    write_record_run(raw_dir, usage)
    assert essaim("--data", data, "load").returncode == 0
    assert essaim("--data", data, "analyze").returncode == 0
    result = essaim("--lang", "fr", "--data", data, "impact")
    assert result.returncode == 0, result.stderr
    shown = said(result)
    assert "Toutes les ressources\u00a0:" in shown  # its note is a value of the data: as stored
    assert "Actions de campagne (inscriptions à leurs ressources\u00a0;" in shown
    assert "│ inconnue " in shown and "visites avec un code" in shown
    assert "Usage de tout le site par canal" in shown


def test_an_uptake_sentence_in_french():
    translation.use("fr")
    row = {"scope": "pooled", "resource_id": None, "outcome": "enrolment", "per_100": 8.1,
           "per_100_low": 5.0, "per_100_high": 11.2, "note": None, "flag": None,
           "placebo_per_100": -0.4, "placebo_low": -3.0, "placebo_high": 2.2,
           "placebo_contains_zero": True, "placebo_note": None}  # fmt: skip
    assert uptake_sentence(row) == (
        "Toutes les ressources\u00a0: 8,10 inscriptions pour 100 adoptions (intervalle à "
        "95\u00a0% de 5,00 à 11,20)\u00a0;\nplacebo (adoptions décalées dans le futur) -0,40 "
        "(-3,00 à 2,20)\u00a0: ne trouve rien, comme attendu."
    )


def test_privacy_commands_in_french(tmp_path, raw_dir):
    write_record_run(raw_dir, retention_records)
    config = write_config(tmp_path, "")
    assert essaim("--config", config, "load").returncode == 0
    age = f"{(datetime.now(UTC) - day(10)).days}d"
    pruned = essaim("--lang", "fr", "--config", config, "prune", "--older-than", age)
    assert pruned.returncode == 0, pruned.stderr
    assert "8 lignes antérieures au 2026-09-10 supprimées, ainsi que 0 collectes" in said(pruned)
    unknown = essaim("--lang", "fr", "--config", config, "forget", "bluesky", "nobody")
    assert unknown.returncode == 1
    assert "aucun compte bluesky 'nobody' dans les collectes brutes de" in said(unknown)
    assert "rien n'a été modifié." in said(unknown)
    report = essaim("--lang", "fr", "--config", config, "privacy-report")
    assert report.returncode == 0, report.stderr
    assert "# essaim\u00a0: registre des traitements" in report.stdout
    assert "## Finalité et personnes concernées" in report.stdout
    assert "- **posts** (les publications publiques qui renvoient aux ressources" in said(report)
    assert "\u00a0: pseudonymisés post_id (p_… pour chaque publication" in said(report)
    assert "- Pseudonymisés\u00a0: chaque valeur est un pseudonyme à clé" in report.stdout
    assert "| plateforme | comptes | nommés | pseudonymisés | avec opposition |" in report.stdout
    written = essaim("--lang", "fr", "--config", config, "privacy-report", "--output",
                     tmp_path / "registre.md")  # fmt: skip
    assert f"{tmp_path / 'registre.md'} écrit." in said(written)


def test_a_take_off_alert_in_french():
    translation.use("fr")
    alert = Alert("r1", "Fractions", datetime(2026, 9, 1, 8, tzinfo=UTC), 12, 1.5, 0.25,
                  peak=datetime(2026, 9, 1, 10, tzinfo=UTC), cascade_adoptions=7)  # fmt: skip
    assert alert.sentence() == (
        "Fractions (r1) décolle depuis le 2026-09-01 08:00 UTC\u00a0: 12 adoptions, 1,50 "
        "adoptions par heure contre 0,250 attendues par heure\u00a0; pic le 2026-09-01 10:00 "
        "UTC\u00a0; dont 7 dans une même cascade."
    )


def test_watch_in_french_and_its_collections_too(analysed_toy, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(analysed_toy, data)
    config = tmp_path / "essaim.toml"
    config.write_text(f'data_dir = "{data}"\n[watch]\ncollections = [["telegram", "--channel", '
                      '"profs"]]\n[sources.telegram]\nbase = "http://127.0.0.1:9"\n'
                      "[collect]\nmax_retries = 0\n")  # fmt: skip
    result = essaim("--lang", "fr", "--config", config, "watch", "--cycles", "1")
    assert result.returncode == 0, result.stderr
    shown = said(result)
    assert "premier cycle\u00a0:" in shown and "cycle terminé\u00a0: 0 nouveau décollage" in shown
    assert "collect telegram\u00a0: des pages ont échoué\u00a0; le prochain cycle" in shown
    assert "Collecte telegram-" in shown  # the collection's own words, in French too


def test_the_other_commands_speak_french_too(tmp_path):
    missing = essaim("--lang", "fr", "--data", tmp_path / "empty", "app", "--no-browser")
    assert missing.returncode == 1
    assert "aucune base de données dans" in said(missing)
    no_demo = essaim("--lang", "fr", "demo", "--source", tmp_path / "nothing", "--no-app")
    assert no_demo.returncode == 1 and "aucune donnée de démo dans" in said(no_demo)
    credential = essaim("--lang", "fr", "credentials", "delete", "nope")
    assert "'nope' n'est pas un identifiant que lit essaim" in said(credential)
    imported = essaim("--lang", "fr", "--data", tmp_path / "data", "import", "x-archive",
                      IMPORTS / "tweets.js", "--account", "inspe_exemple")  # fmt: skip
    assert imported.returncode == 2, imported.stderr
    assert "3 lignes lues" in said(imported) and "1 lignes refusées." in said(imported)
    assert "ligne 3\u00a0: favorite_count is not a number" in said(imported)
    assert "Ensuite\u00a0: essaim load" in said(imported)


def test_the_analysis_notes_flags_and_kinds_are_said_in_french():
    row = {"scope": "resource", "resource_id": "r1", "outcome": "visit", "per_100": 3.0,
           "per_100_low": None, "per_100_high": None, "note": None,
           "flag": "did not converge", "placebo_per_100": None, "placebo_low": None,
           "placebo_high": None, "placebo_contains_zero": None,
           "placebo_note": "too few days to measure"}  # fmt: skip
    translation.use("fr")
    sentence = uptake_sentence(row)
    assert "n'a pas convergé" in sentence and "trop peu de jours pour mesurer" in sentence
    shown = io.StringIO()
    rows = [{"note": "no enrolments loaded", "kind": "views", "title": "no enrolments loaded"}]
    Console(file=shown, width=200).print(console.table("t", rows))
    assert "aucune inscription chargée" in shown.getvalue()  # the note, translated
    assert "vues" in shown.getvalue()  # the kind, a word of the app's vocabulary
    assert "no enrolments loaded" in shown.getvalue()  # a title is data: as it is
    translation.use("en")
    assert "[flagged: did not converge]; placebo: too few days to measure." in uptake_sentence(row)


def test_the_errors_of_the_collectors_and_of_the_analysis_are_french_too(analysed_toy, tmp_path):
    period = essaim("--lang", "fr", "--data", analysed_toy, "rank", "resources", "--by",
                    "adoptions", "--period", "2026-10-01..2026-09-01")  # fmt: skip
    assert period.returncode == 1
    assert "--period '2026-10-01..2026-09-01' finit avant de commencer" in said(period)
    mapping = tmp_path / "wrong.toml"
    columns = '[columns]\npost_id = "id"\nautor = "auteur"\ntitel = "titre"\n'
    mapping.write_text(columns, encoding="utf-8")
    imported = essaim("--lang", "fr", "--data", tmp_path / "data", "import", "csv",
                      IMPORTS / "custom.csv", "--mapping", mapping)  # fmt: skip
    assert imported.returncode == 1
    assert "champs inconnus autor, titel dans [columns]" in said(imported)
    listed = essaim("--lang", "fr", "credentials", "list")
    assert "mot de passe d'application" in said(listed)
    assert "app password" not in said(listed)
