"""The live views, registered once: each view's id and the type of payload it carries. The worker makes a
view's payload (nn/live/views.py: a ``LiveView`` names its ``ViewKind``) and the window shows it
(ui/plots/data_views.py: one widget per kind); both sides name a view by its kind here, never by a string
of their own, and ``ViewKind.payload_in`` reads a snapshot's payload with its type.

Adding a live view: its payload dataclass in runtime/messages.py, its kind in ``KINDS`` below, a
``LiveView`` in nn/live/views.py and a widget in DataViews (tests/ui/test_live_view_registry.py pairs
them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from playground.runtime.messages import (
    Curve,
    Episode,
    Forecast,
    Generated,
    ImageRows,
    Latent,
    Matrix,
    Nodes,
    Predictions,
    Withdrawn,
)

P = TypeVar("P")


@dataclass(frozen=True)
class ViewKind(Generic[P]):
    """One live view: the ``id`` a snapshot carries its payload under, that payload's type, and what it
    shows (``title``: said where the view is chosen by its id, playground animate --help)."""

    id: str
    payload: type[P]
    title: str

    def payload_in(self, views: Mapping[str, object]) -> P | None:
        """This view's payload among a snapshot's ``views`` (None when it brought none)."""
        found = views.get(self.id)
        if found is None or isinstance(found, Withdrawn):
            return None
        if not isinstance(found, self.payload):
            raise TypeError(
                f"the live view {self.id!r} carries a {type(found).__name__}, not a {self.payload.__name__}"
            )
        return found

    def withdrawn_in(self, views: Mapping[str, object]) -> bool:
        """Whether a snapshot's ``views`` withdraw this view (it has nothing to show any more)."""
        return isinstance(views.get(self.id), Withdrawn)


CURVE = ViewKind("curve", Curve, "the network's function over a 1-D input, with its uncertainty")
NODES = ViewKind("nodes", Nodes, "a graph's nodes, coloured by the class predicted")
FORECAST = ViewKind("forecast", Forecast, "a series' windows, the truth and the forecast")
MASKS = ViewKind("masks", ImageRows, "segmentation: images, true and predicted masks")
PREDICTIONS = ViewKind("predictions", Predictions, "validation images with the network's guesses (image classes)")
LATENT = ViewKind("latent", Latent, "an autoencoder's codes of the data")
WEIGHTS = ViewKind("weights", Matrix, "the selected block's weight matrix")
RECONSTRUCTIONS = ViewKind("reconstructions", ImageRows, "inputs and what the autoencoder rebuilt")
GRID = ViewKind("grid", ImageRows, "a VAE's code plane, decoded")
PRIOR = ViewKind("prior", ImageRows, "random codes decoded by a VAE")
GENERATED = ViewKind("generated", Generated, "a generative model's 2-D points over its data")
EPISODE = ViewKind("episode", Episode, "a control task played once (the cart-pole)")

KINDS: dict[str, ViewKind[Any]] = {
    kind.id: kind
    for kind in (
        CURVE,
        NODES,
        FORECAST,
        MASKS,
        PREDICTIONS,
        LATENT,
        WEIGHTS,
        RECONSTRUCTIONS,
        GRID,
        PRIOR,
        GENERATED,
        EPISODE,
    )
}
