"""The built-in block families; importing this package registers them all."""

from playground.core.blocks import conv, dense, elementwise, group, io, norm, sequence, tensor_ops, transformer

__all__ = ["conv", "dense", "elementwise", "group", "io", "norm", "sequence", "tensor_ops", "transformer"]
