"""``python -m app`` runs the essaim command line."""

from app.cli.main import main

main()
