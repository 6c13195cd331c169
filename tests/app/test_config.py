import msgspec
import pytest

from app.config import DATASETS, TEMPLATE, Config, ConfigError, load_settings


def test_template_holds_exactly_the_defaults():
    assert msgspec.toml.decode(TEMPLATE.encode(), type=Config) == Config()


def test_defaults_track_e_inspe_and_canope(tmp_path):
    settings = load_settings()
    assert settings.config.tracking.domains == ["e-inspe.fr", "reseau-canope.fr"]
    assert settings.data_dir == tmp_path / "essaim-data"
    assert settings.catalogue == DATASETS / "catalogue" / "e-inspe.csv"
    assert settings.config.privacy.pseudonymise is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1", "unknown key 'colour'"),
        ("[tracking]\ndomain = ['x']", "unknown key 'tracking.domain'"),
        ("[privacy]\npseudonymise = 'yes'", "key 'privacy.pseudonymise': expected `bool`"),
        ("[links]\nresolve_timeout = 0", "key 'links.resolve_timeout': expected `float` > 0"),
        ("[sources.twitter]\nqueries = []", "unknown key 'sources.twitter'"),
        ("[sources.bluesky]\nqueries = [1]", r"key 'sources.bluesky.queries\[0\]'"),
        ("data_dir = [", "not valid TOML"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path, text, message):
    path = tmp_path / "essaim.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path)


def test_paths_are_relative_to_the_file_and_overridable(tmp_path, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "essaim.toml").write_text(
        'data_dir = "store"\n[tracking]\ncatalogue = "my.csv"\n', encoding="utf-8"
    )
    settings = load_settings(folder / "essaim.toml")
    assert settings.data_dir == folder / "store"
    assert settings.catalogue == folder / "my.csv"
    monkeypatch.setenv("ESSAIM_DATA", str(tmp_path / "elsewhere"))
    assert load_settings(folder / "essaim.toml").data_dir == tmp_path / "elsewhere"
    assert load_settings(folder / "essaim.toml", tmp_path / "flag").data_dir == tmp_path / "flag"


def test_imported_catalogue_takes_over_the_shipped_one(tmp_path):
    settings = load_settings()
    (settings.data_dir).mkdir()
    (settings.data_dir / "catalogue.csv").write_text("x")
    assert settings.catalogue == settings.data_dir / "catalogue.csv"
