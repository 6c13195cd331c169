"""The Streamlit app: ``main.py`` is the script Streamlit runs, ``views/`` holds its pages."""

from pathlib import Path

__all__ = ["MAIN_SCRIPT", "PAGES", "VIEWS"]

MAIN_SCRIPT = Path(__file__).parent / "main.py"
VIEWS = Path(__file__).parent / "views"
#: The pages, in the order of the navigation (each is ``views/<name>.py``).
PAGES = [
    "overview", "resource", "usage", "network", "communities", "accounts", "quality", "compare",
]  # fmt: skip
