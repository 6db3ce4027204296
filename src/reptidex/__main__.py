"""``python -m reptidex`` runs the command line."""

from reptidex.cli import main

main()
