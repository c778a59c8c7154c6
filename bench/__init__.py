"""Benchmarks run by hand (``python -m etl bench``); not part of the test suite. See bench/README.md."""
