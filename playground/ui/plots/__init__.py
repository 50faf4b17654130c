"""Live plots (pyqtgraph): training curves, the input plane, histograms and images."""
