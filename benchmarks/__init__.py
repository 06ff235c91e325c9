"""Benchmarks: what users feel, at the size of the largest house (100,000 cases), each
figure next to what the same work costs without our layers, measured in the same run.

``make bench`` runs ``python -m benchmarks``; ``python -m benchmarks --smoke`` runs every
benchmark at tiny sizes without budgets (the test suite does that, so they cannot rot).
"""
