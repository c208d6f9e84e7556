"""Benchmarks run by ``python -m bot bench``."""
