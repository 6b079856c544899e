"""Decisions: recommendations, suppressions and the arbitration that turns a customer's fired
rules into one decision.
"""
