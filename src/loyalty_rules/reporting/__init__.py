"""The report a manager reads: decisions counted in one pass (`summary`), drawn as plotly
charts (`charts`) on one self-contained HTML page (`page`, `report`)."""
