"""The training worker and what it shows while a run trains: torch code, run in its own process."""
