"""Import aiogram with its Telegram types' validators built on first use, not all at import.

aiogram.types ends by rebuilding every one of its ~400 pydantic models (aiogram/aiogram#1513),
which costs each process about 100 MB and a second of start-up, though a bot meets a few dozen
types. During that one import we let each model keep the namespace it would have been rebuilt
with, so pydantic builds it on first validation exactly as the eager rebuild would have. Anything
unexpected (another pydantic, aiogram already imported) leaves the ordinary import in place.
"""
from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import Any

_TYPES_PACKAGE = "aiogram.types"
_PACKAGES = ("aiogram.types.", "aiogram.methods.")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def import_aiogram() -> bool:
    """Import aiogram lazily; True when its types were left to build on first use."""
    if "aiogram" in sys.modules:
        return False
    try:
        from pydantic import BaseModel
        eager = BaseModel.__dict__["model_rebuild"]
        eager_rebuild = eager.__func__
    except (ImportError, KeyError, AttributeError):
        return False
    namespaces: list[Any] = []

    def deferred(cls, *, _types_namespace=None, **options):
        if _types_namespace is None or options or not cls.__module__.startswith(_TYPES_PACKAGE):
            return eager_rebuild(cls, _types_namespace=_types_namespace, **options)
        # The eager rebuild would resolve forward references in this namespace; pydantic's own
        # rebuild on first use reads it from here.
        cls.__pydantic_parent_namespace__ = _types_namespace
        if not namespaces:
            namespaces.append(_types_namespace)
        return None

    BaseModel.model_rebuild = classmethod(deferred)
    try:
        import aiogram.methods
        import aiogram.types  # noqa: F401
    finally:
        BaseModel.model_rebuild = eager
    if not namespaces:
        return False
    namespace = namespaces[0]
    # Methods refer to types by name and were completed by the eager rebuild of their arguments.
    for name in aiogram.methods.__all__:
        method = getattr(aiogram.methods, name)
        if not getattr(method, "__pydantic_complete__", True):
            method.__pydantic_parent_namespace__ = namespace
    # A type first met inside another model (`Response[Message]` when a reply comes back) is
    # built with that model's namespaces, and pydantic then resolves the type's own forward
    # references in its module: give each module the names it imports only for type checkers.
    for module_name, module in list(sys.modules.items()):
        if module is not None and module_name.startswith(_PACKAGES):
            for name in _names_annotated_in(module) - module.__dict__.keys():
                if name in namespace:
                    module.__dict__[name] = namespace[name]
    return True


def _names_annotated_in(module: ModuleType) -> set[str]:
    """Every identifier in the string annotations of the classes the module defines, their
    inherited fields' too (pydantic resolves those in the subclass's module)."""
    names: set[str] = set()
    for value in list(vars(module).values()):
        if isinstance(value, type) and value.__module__ == module.__name__:
            for cls in value.__mro__:
                for annotation in vars(cls).get("__annotations__", {}).values():
                    if isinstance(annotation, str):
                        names.update(_IDENTIFIER.findall(annotation))
    return names


# What every update and every reply of this bot meets; the rest builds when first met. Message
# goes first: the models built after it (Update, the replies' Response[Message]) then reuse its
# validator instead of each building one of its own (10 MB less, measured in a bare process).
WARM_UP = ("Message", "Update", "SendMessage", "SendPhoto", "SendDocument", "EditMessageText",
           "EditMessageReplyMarkup", "DeleteMessage", "AnswerCallbackQuery", "SetMyCommands",
           "DeleteMyCommands", "GetMe", "SetWebhook", "GetWebhookInfo")


def warm_up() -> None:
    """Build the validators of WARM_UP now, so no resident's update waits for them."""
    import aiogram.methods
    import aiogram.types
    for name in WARM_UP:
        model = getattr(aiogram.types, name, None) or getattr(aiogram.methods, name)
        model.model_rebuild()
