"""Benchmarks: printed figures (medians of repeated runs), never timed tests."""
