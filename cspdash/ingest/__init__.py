"""Loaders: one module per source, each returning a LoadReport (rows read, loaded, rejected, with reasons)."""
