"""The resident's dialogue as one state machine, declared once."""
from aiogram.fsm.state import State, StatesGroup


class Vote(StatesGroup):
    consent = State()       # the consent screen is shown; nothing personal is asked yet
    choosing_poll = State()
    reusing = State()       # another flat: the identity answers of the resident's ballot may be reused
    address = State()       # waiting for an address typed by the resident
    picking_house = State() # search results are shown as buttons
    entering = State()      # one field per message; which one is kept in the FSM data
    reviewing = State()
    choosing = State()      # YES / NO
    confirming = State()    # "are you sure?"
