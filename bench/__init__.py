"""Benchmarks (not tests): each script writes its section of docs/benchmarks.md."""
