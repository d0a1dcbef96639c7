"""The vocabulary of the work: field aliases, classes, codes, words and labels.

One home for every domain word rsgeo reads or writes: canonical field names
and their aliases (:mod:`~rsgeo.schema.fields`), the classes and the rule table
(:mod:`~rsgeo.schema.classes`), cultivated-land codes, rectification and empty
words (:mod:`~rsgeo.schema.vocabulary`), the Chinese label of every layer,
column and flag (:mod:`~rsgeo.schema.labels`), the military-land predicate
(:mod:`~rsgeo.schema.military`) and the patch-table contract
(:mod:`~rsgeo.schema.contract`).

May import: :mod:`rsgeo.errors`, :mod:`rsgeo._util`. Nothing else of rsgeo.
"""
