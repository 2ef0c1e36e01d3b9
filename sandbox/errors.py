"""Errors worded and coded as the Bot API words them, so aiogram raises the same exceptions."""
from __future__ import annotations


class ApiError(Exception):
    """A Bot API failure: HTTP status = error_code, Telegram's description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict:
        body: dict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


class SandboxRefusal(Exception):
    """A user-side action the sandbox cannot perform (no such button, unknown user...)."""

    def __init__(self, status: int, message: str, **details: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details

    def body(self) -> dict:
        return {"error": self.message, **self.details}
