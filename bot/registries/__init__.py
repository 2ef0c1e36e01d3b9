"""Adapters of the registry ports (verification/registries.py) to the agencies' services."""
