"""Application services: what handlers, workers and pages ask for, between them, the core and storage.

A service call that writes is one unit of work and commits before it returns; handlers never commit.
"""
