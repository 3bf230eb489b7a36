"""`make bench`: Fil rouge at scale, each measure beside its baseline taken in the same run.

See docs/bench.md. Entry point: `python -m bench.run --n N`.
"""
