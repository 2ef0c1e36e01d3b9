"""A local stand-in for Telegram: the real bot talks to it through BOT_API_URL, people chat in a page.

A harness, not part of the bot: it imports nothing of the project, only aiohttp.
"""
from sandbox.app import create_app
from sandbox.state import Person, Sandbox

__all__ = ["Person", "Sandbox", "create_app"]
