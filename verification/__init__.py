"""The verification core: validators, levels, address search, registry ports, asking them
(`asking`), and the verdict rules (`decision`), with the working-day calendar.

Pure Python: nothing here imports aiogram, SQLAlchemy or the rest of the project, so it can be
read and tested alone.
"""
