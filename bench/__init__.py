"""Benchmarks behind ``pied bench``: each returns a JSON-ready report."""
