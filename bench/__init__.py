"""Benchmarks: build realistic data, run an operation many times, print figures (DESIGN.md §9)."""
