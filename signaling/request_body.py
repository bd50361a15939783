"""REST bodies are read by signaling.decoder (the one decoder for REST and
socket.io); these names stay for the routes that import them from here."""

from __future__ import annotations

from signaling.decoder import body, text

__all__ = ["body", "text"]
