"""The node editor: a QGraphicsScene mirroring the Graph, and the view around it."""
