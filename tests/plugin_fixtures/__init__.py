"""Throwaway plugins for tests/test_plugins*.py: plain modules, never installed.

Tests register them on a fresh plugin manager, or expose them through a temporary
``.dist-info`` entry point (see `tests/test_plugins.py::entry_point`).
"""
