"""Adapters at the edge: socket.io namespaces, REST routes, WHIP/WHEP, pages, health."""
