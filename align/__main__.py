"""``python -m align`` runs the command line."""

from align.launch import main

main()
