"""Demo data for the sandbox: registries made up deterministically, never real people."""
from pathlib import Path

#: The 4,543 real houses of the 2017 renovation vote (MIT, see the LICENSE beside it): the demo
#: world's addresses, shipped inside the package so an installed sandbox finds them.
HOUSES_CSV = Path(__file__).resolve().parent / "renovation-2017" / "houses.csv"
