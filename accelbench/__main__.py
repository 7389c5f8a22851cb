"""``python -m accelbench``: the same command line as the ``accelbench`` script."""

from __future__ import annotations

import sys

from accelbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
