"""``python -m smsconsole`` runs the command line."""

from __future__ import annotations

from smsconsole.cli import main

if __name__ == "__main__":
    main()
