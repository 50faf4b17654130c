"""A growing curve kept at bounded size: past ``limit`` points, neighbours are averaged in pairs and
later points arrive already averaged, so an hour-long run stays light to draw."""

from __future__ import annotations

import numpy as np


class Series:
    def __init__(self, limit: int = 5000) -> None:
        self.limit = limit
        self.x = np.empty(0)
        self.y = np.empty(0)
        self.stride = 1  # raw points per stored point
        self._pending_x: list[float] = []
        self._pending_y: list[float] = []
        self._smooth_weight = 0.0
        self._smoothed = np.empty(0)
        self._smooth_state = (0.0, 1.0)  # running average, bias-correction factor

    def __len__(self) -> int:
        return len(self.x)

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        self._pending_x.extend(np.asarray(xs, dtype=float).tolist())
        self._pending_y.extend(np.asarray(ys, dtype=float).tolist())
        whole = len(self._pending_x) // self.stride * self.stride
        if whole == 0:
            return
        px = np.asarray(self._pending_x[:whole]).reshape(-1, self.stride)
        py = np.asarray(self._pending_y[:whole]).reshape(-1, self.stride)
        del self._pending_x[:whole], self._pending_y[:whole]
        self.x = np.concatenate([self.x, px[:, -1]])
        self.y = np.concatenate([self.y, py.mean(axis=1)])
        while len(self.x) > self.limit:
            self._halve()

    def _halve(self) -> None:
        even = len(self.x) // 2 * 2
        tail_x, tail_y = self.x[even:], self.y[even:]
        self.x = np.concatenate([self.x[:even].reshape(-1, 2)[:, 1], tail_x])
        self.y = np.concatenate([self.y[:even].reshape(-1, 2).mean(axis=1), tail_y])
        self.stride *= 2
        self._smoothed, self._smooth_state = np.empty(0), (0.0, 1.0)  # recomputed on the next request

    def smoothed(self, weight: float) -> np.ndarray:
        """Exponential moving average with bias correction (TensorBoard's smoothing), 0 <= weight < 1;
        extended incrementally, so a redraw costs only the new points."""
        if weight <= 0:
            return self.y
        if weight != self._smooth_weight:
            self._smooth_weight, self._smoothed, self._smooth_state = weight, np.empty(0), (0.0, 1.0)
        start = len(self._smoothed)
        if start < len(self.y):
            last, debias = self._smooth_state
            fresh = np.empty(len(self.y) - start)
            for i, v in enumerate(self.y[start:].tolist()):
                last = weight * last + (1 - weight) * v
                debias *= weight
                fresh[i] = last / (1 - debias)
            self._smooth_state = (last, debias)
            self._smoothed = np.concatenate([self._smoothed, fresh])
        return self._smoothed
