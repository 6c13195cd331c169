"""A wheel installed outside the source tree works as a clone does: the shipped catalogue,
mappings and demo come with it.

The wheel is built from this tree without the network (hatchling is a test dependency) and
installed without its dependencies into a new virtual environment that borrows them from
this one (a path file): the source tree is on no path of that environment.
"""

import json
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINET = ROOT / "tests" / "fixtures" / "imports" / "minet-twitter.csv"


def run(*command, cwd=None, timeout=600):
    done = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd,
        timeout=timeout, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd or "/tmp")},
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The bin folder of a new environment where only the wheel provides essaim."""
    work = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                "-q", "-w", work / "dist", ROOT, cwd=work)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("essaim-*.whl")
    environment = work / "env"
    made = run(sys.executable, "-m", "venv", environment, cwd=work)
    assert made.returncode == 0, made.stderr
    paths = sysconfig.get_paths(vars={"base": str(environment), "platbase": str(environment)})
    borrowed = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(paths["purelib"]) / "dependencies.pth").write_text("\n".join(borrowed) + "\n")
    added = run(environment / "bin" / "pip", "install", "-q", "--no-deps", "--no-index", wheel,
                cwd=work)  # fmt: skip
    assert added.returncode == 0, added.stderr
    return environment / "bin"


def test_the_installed_packages_are_the_wheel_not_the_tree(installed, tmp_path):
    where = run(installed / "python", "-c",
                "import app, collectors, graph; print(app.__file__, graph.__file__)",
                cwd=tmp_path)  # fmt: skip
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout and str(installed.parent) in where.stdout


def test_the_demo_runs_from_an_empty_folder(installed, tmp_path):
    done = run(installed / "essaim", "demo", "--no-app", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    status = run(installed / "essaim", "--config", "essaim-demo/essaim-demo.toml", "status",
                 "--json", cwd=tmp_path)  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["unmatched_links"] is not None
    shown = run(installed / "essaim", "catalogue", "show", cwd=tmp_path)
    assert shown.returncode == 0 and "einspe-" in shown.stdout  # the shipped catalogue


def test_the_installed_command_speaks_french(installed, tmp_path):
    shown = run(installed / "essaim", "--lang", "fr", "--help", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Afficher ce message et quitter." in shown.stdout
    assert "Collecter les traces publiques" in shown.stdout


def test_a_shipped_mapping_imports_from_an_empty_folder(installed, tmp_path):
    done = run(installed / "essaim", "--data", "data", "import", "csv", MINET,
               "--mapping", "minet-twitter", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "0 rows refused" in done.stdout
    assert list((tmp_path / "data" / "raw").glob("*/*.manifest.json"))
