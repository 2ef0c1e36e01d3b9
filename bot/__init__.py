"""Composition root: settings, dispatcher, middlewares, runners, workers and the sandbox."""
