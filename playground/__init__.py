"""Playground: build neural networks from blocks and watch them train."""

__version__ = "0.1.0"
