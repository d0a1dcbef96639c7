"""Synthetic data generators for the bundled Rongshui sample and for benchmarks.

``rsgeo.synthetic.county`` builds the bundled sample in ``data/`` (real county
outline and township codes, synthetic polygons, patches and determinations);
``rsgeo.synthetic.province`` builds province-sized sets for benchmarks. All
generators are reproducible from a seed; nothing they write is real survey data.
"""
