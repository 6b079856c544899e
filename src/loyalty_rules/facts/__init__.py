"""Facts: the customer and its history as frozen models, and the profile derived from them.

The ground floor: nothing here imports from the rest of the package but `errors`.
"""
