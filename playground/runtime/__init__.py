"""Training for the window: the protocol the worker speaks (commands and messages, plain data) and the
session that drives the worker process and hands its messages to Qt. No torch at import."""
