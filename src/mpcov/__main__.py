"""Allow ``python -m mpcov``."""

import sys

from mpcov.cli import main

if __name__ == "__main__":
    sys.exit(main())
