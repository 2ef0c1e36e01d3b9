"""A local stand-in for Telegram: the real bot talks to it through BOT_API_URL, people chat in a page."""
from sandbox.app import create_app
from sandbox.state import Person, Sandbox

__all__ = ["Person", "Sandbox", "create_app"]
