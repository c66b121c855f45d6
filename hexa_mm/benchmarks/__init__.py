"""Benchmarks behind ``tools/benchmarks/*.py`` (imported explicitly, not by
``import hexa_mm``)."""
