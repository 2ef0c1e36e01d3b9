"""The verification core: validators, levels, registry ports and decisions.

Pure Python: nothing here imports aiogram or SQLAlchemy, so it can be read and tested alone.
"""
