"""python -m jets: the command line (see jets.cli)."""
from .cli import main

raise SystemExit(main())
