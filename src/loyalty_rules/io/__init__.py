"""Input and output: reading customer files into facts (every bad record located), writing
decisions, duplicate-id tracking and progress.
"""
