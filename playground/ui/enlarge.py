"""Any view of the training panel can be enlarged: double-click a plot or view and it fills the views
area (the other views and the settings column step aside); double-click it again, or press Esc, to
bring them back."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class Enlarger(QObject):
    def __init__(self, area: QWidget, views: Callable[[], list[QWidget]], blocked: Callable[[], bool]) -> None:
        """``area``: the widget the views share; ``views()``: the enlargeable views (plots and views);
        ``blocked()``: a double-click is the view's own now (drawing on the input plane)."""
        super().__init__(area)
        self.area = area
        self.views = views
        self.blocked = blocked
        self.enlarged: QWidget | None = None
        self.hidden: list[QWidget] = []
        self.watched: set[int] = set()

    def watch(self) -> None:
        """Listen for double-clicks on every view (again after views were added)."""
        for view in self.views():
            inner = getattr(view, "plot", None)  # a view around one plot: the plot takes the clicks
            target = inner if isinstance(inner, QWidget) else view
            target = target.viewport() if hasattr(target, "viewport") else target
            if id(target) not in self.watched:
                target.installEventFilter(self)
                target.setProperty("enlargeView", view)
                self.watched.add(id(target))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.MouseButtonDblClick or self.blocked():
            return False
        view = watched.property("enlargeView")
        if view is None or not view.isVisible():
            return False
        if self.enlarged is view:
            self.restore()
        else:
            self.enlarge(view)
        return True

    def enlarge(self, view: QWidget) -> None:
        """Hide everything in the area that neither holds ``view`` nor lies inside it."""
        self.restore()
        self.enlarged = view
        keep = {view}
        parent = view.parentWidget()
        while parent is not None and parent is not self.area:
            keep.add(parent)
            parent = parent.parentWidget()
        for widget in self.area.findChildren(QWidget):
            inside = view.isAncestorOf(widget)
            if widget.isVisible() and widget not in keep and not inside and widget.parentWidget() in keep:
                widget.hide()
                self.hidden.append(widget)

    def restore(self) -> bool:
        """Back to every view; False if none was enlarged."""
        if self.enlarged is None:
            return False
        for widget in self.hidden:
            widget.show()
        self.hidden, self.enlarged = [], None
        return True
