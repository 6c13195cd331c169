"""Where the data shipped with essaim lies: the illustrative catalogue, the allow-list of
institutions, the import mappings, the sample runs and the demo.

In a clone it is the ``datasets/`` folder beside the packages; a wheel carries the same
folder inside this package (``collectors/datasets/``), so that an installed essaim finds it
wherever it runs.
"""

from pathlib import Path

__all__ = ["DATASETS"]

_INSTALLED = Path(__file__).resolve().parent / "datasets"

#: The folder of the shipped data.
DATASETS = _INSTALLED if _INSTALLED.is_dir() else Path(__file__).resolve().parents[1] / "datasets"
