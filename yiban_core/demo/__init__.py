"""Demo data for `manage.py seed_demo`: a plain package, not a Django app.

data.py holds the vocabulary, plan.py builds a deterministic plan in memory,
loader.py writes it to the database in bulk.
"""
