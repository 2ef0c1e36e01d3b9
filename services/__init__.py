"""Application services: what a handler asks for, between the dialogue, the core and storage."""
