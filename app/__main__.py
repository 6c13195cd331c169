"""``python -m app`` runs the essaim command line."""

from app.cli import main

main()
