"""python -m jets: the command line (see jets.cli)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
