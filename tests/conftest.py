"""Shared pytest set-up for the jets test suite (kept minimal on purpose)."""
