"""``python -m align`` runs the command line."""

from align.cli import main

main()
