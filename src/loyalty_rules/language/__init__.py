"""The ruleset language: its model, YAML source and validation, the compiler to durable_rules
definitions, and the registered computations, actions and scripts rules may name.

Rules are data: nothing in this folder evaluates text a ruleset brings.
"""
