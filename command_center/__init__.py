"""Walls, screens, layouts, tours, monitoring, alerts, intercom."""
