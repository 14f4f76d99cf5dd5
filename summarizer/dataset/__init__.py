"""From per-article results to an event dataset: one row per real-world event.

results.py reads results files into mentions (one event of one article), geo.py
places them with the optional offline gazetteer, merge.py decides which mentions
are one event (the rule is in its docstring), rows.py makes one row per event in
ACLED's columns, writers.py writes the files. build.py runs them in that order.

>>> rows = build_dataset([], geo=False).rows
"""

from summarizer.dataset.build import EventDataset, build_dataset, build_from_mentions

__all__ = ["EventDataset", "build_dataset", "build_from_mentions"]
