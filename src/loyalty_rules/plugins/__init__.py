"""Plugins: the hook specifications, the plugin manager, what active plugins registered, and
the core plugin (the built-in rulesets register exactly as an outside pack's do).
"""
