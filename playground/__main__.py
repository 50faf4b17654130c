"""``python -m playground``."""

import sys

from playground.app import main

if __name__ == "__main__":  # the training process (spawned) imports this module too
    sys.exit(main())
