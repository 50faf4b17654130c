"""Training off the GUI thread (QtCore only; torch is imported by the worker thread, not at import)."""
