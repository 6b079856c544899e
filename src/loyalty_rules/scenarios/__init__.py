"""Scenario tests: the scenario file format, the runner behind `loyalty-rules test`, and the
pytest plugin that collects scenario files.
"""
