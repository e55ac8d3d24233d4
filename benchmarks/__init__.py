"""Benchmarks for `make bench`: page and query timings at 100k and 1M tickets, server memory.

Not tests: they report figures against targets (docs/benchmarks.md) and never fail a build.
"""
