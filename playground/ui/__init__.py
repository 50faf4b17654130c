"""The desktop app: PySide6 + pyqtgraph. Never imports torch or playground.nn."""
