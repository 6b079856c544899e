"""The engine: building a setup from plugins and rulesets, the private durable_rules host,
evaluation in batches, and the process-parallel runner.
"""
