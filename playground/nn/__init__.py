"""Everything that turns a Playground graph into PyTorch: blocks, compiler, export. No Qt."""
