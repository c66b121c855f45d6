"""Benchmarks behind ``tools/benchmarks/*.py`` and ``tools/demo.py``
(imported explicitly, not by ``import hexa_mm``): the downstream chain, the
quality and speed benchmarks, the frozen-feature probes' reports and the data
pipeline's cost."""
