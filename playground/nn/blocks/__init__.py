"""The torch side of every block type, one module per family.

Each family module decorates a builder with ``@builds("type")``. A builder gets an
Emitter, the block id, its resolved parameters, the fx nodes feeding its inputs and
their shapes, and returns one fx node per output port.
"""

from playground.nn.blocks import conv, dense, elementwise, group, io, norm, sequence, tensor_ops, transformer
from playground.nn.blocks.base import BUILDERS, Emitter, builds, emit

__all__ = [
    "BUILDERS",
    "Emitter",
    "builds",
    "conv",
    "dense",
    "elementwise",
    "emit",
    "group",
    "io",
    "norm",
    "sequence",
    "tensor_ops",
    "transformer",
]
