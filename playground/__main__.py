"""``python -m playground``."""

import sys

if __name__ == "__main__":  # the training process (spawned) imports this module too
    try:
        from playground.app import main

        sys.exit(main())
    except KeyboardInterrupt:  # while Playground itself is still being imported: a line, not a traceback
        print("playground: stopped by Ctrl+C while starting: nothing was done", file=sys.stderr)
        sys.exit(130)
