"""The counting core: which ballots count, each flat's position and each house's decision, by
the rules of the 2017 renovation vote (decrees 245-ПП and 326-ПП), frozen per poll.

Pure Python like `verification/`: nothing here imports aiogram, SQLAlchemy or the rest of the
project, so anyone can recompute a published result from the published data with it.

    rules.CountingRules        the policies in force, their canonical JSON and SHA-256
    ballots.flat_tallies(...)  counted ballots → one tally per flat, and the superseded ones
    houses.count_house(...)    a house's flats → its result, the decision and why
    houses.count_poll(...)     every house, and the poll's totals
"""
