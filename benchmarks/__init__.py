"""Benchmark suite: jets against its peers on higher-order derivatives.

Run ``python -m benchmarks`` (``--quick`` for a smoke run); see
``docs/performance.md`` for what is measured and how.
"""
