"""The cart-pole, played back: the latest episode of the policy at real speed, the cart on its
track between the two limits, the pole leaning, the step and the return so far."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from playground.runtime.messages import Episode
from playground.ui.theme import Theme, ui_font

HOLD_FRAMES = 25  # the last frame of an episode stays half a second before the next one starts
POLE_LENGTH = 1.0  # drawn length of the pole, in metres of track
CART_WIDTH = 0.6
CART_HEIGHT = 0.3
WHEEL = 0.06  # wheel radius


class CartPoleView(QWidget):
    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.setObjectName("cartPoleView")
        self.setMinimumHeight(170)
        self.theme = theme
        self.episode: Episode | None = None
        self.pending: Episode | None = None
        self.frame = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._advance)
        self.hide()

    @property
    def last(self) -> Episode | None:
        return self.pending or self.episode

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def clear(self) -> None:
        self.timer.stop()
        self.episode = self.pending = None

    def show_payload(self, episode: Episode) -> None:
        if self.episode is None:
            self._play(episode)
        else:
            self.pending = episode  # the episode on screen plays to its end first

    def _play(self, episode: Episode) -> None:
        self.episode, self.pending, self.frame = episode, None, 0
        self.timer.start(max(1, round(episode.seconds_per_step * 1000)))
        self.update()

    def _advance(self) -> None:
        self.frame += 1
        episode = self.episode
        if episode is None:
            return
        if self.frame >= len(episode.positions) + HOLD_FRAMES:
            self._play(self.pending or episode)
            return
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.theme.canvas)
        episode = self.episode
        if episode is None:
            return
        step = min(self.frame, len(episode.positions) - 1)
        width, height = self.width(), self.height()
        span = 2 * episode.track + 2 * POLE_LENGTH * math.sin(episode.fall) + CART_WIDTH
        scale = min((width - 40) / span, (height - 70) / (POLE_LENGTH + CART_HEIGHT + WHEEL))
        ground = height - 30
        centre = width / 2

        painter.setPen(QPen(self.theme.text, 2))
        painter.drawLine(QPointF(20, ground), QPointF(width - 20, ground))
        painter.setPen(QPen(QColor("#dc2626"), 2))
        for side in (-1, 1):
            x = centre + side * episode.track * scale
            painter.drawLine(QPointF(x, ground - 14), QPointF(x, ground + 8))

        x = centre + float(episode.positions[step]) * scale
        wheel = WHEEL * scale
        cart = QRectF(
            x - CART_WIDTH * scale / 2,
            ground - 2 * wheel - CART_HEIGHT * scale,
            CART_WIDTH * scale,
            CART_HEIGHT * scale,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.theme.text)
        for side in (-1, 1):
            painter.drawEllipse(QPointF(x + side * CART_WIDTH * scale / 3, ground - wheel), wheel, wheel)
        painter.setBrush(QColor("#2563eb"))
        painter.drawRoundedRect(cart, 3, 3)
        angle = float(episode.angles[step])
        fallen = abs(angle) > episode.fall
        pivot = QPointF(x, cart.top() + 2)
        top = QPointF(x + POLE_LENGTH * scale * math.sin(angle), pivot.y() - POLE_LENGTH * scale * math.cos(angle))
        pole = QPen(QColor("#dc2626" if fallen else "#ea580c"), max(4.0, 0.06 * scale))
        pole.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pole)
        painter.drawLine(pivot, top)

        painter.setPen(self.theme.text)
        painter.setFont(ui_font(9.5))
        painter.drawText(
            QRectF(8, 4, width - 16, 20),
            Qt.AlignmentFlag.AlignHCenter,
            f"The policy playing, real speed: step {step + 1} of {len(episode.positions)} (return {episode.total:g})",
        )
