"""The agency gateway stand-in now lives in `bench.gateway` (the fault bench runs it too)."""
from bench.gateway import KEY, TOKEN, Gateway, free_port, gateway_on, worker_env

__all__ = ["KEY", "TOKEN", "Gateway", "free_port", "gateway_on", "worker_env"]
