"""The camera routes' rows of the REST authorisation matrix (tests/signaling/test_rest_authz.py):
who may call each, written out independently of rooms.policy, and a valid body for each write."""

from __future__ import annotations

from typing import Any

CAMERA_ROUTES: dict[tuple[str, str], set[str]] = {
    # cameras: staff who use them see them; administrators keep the registry
    ("GET", "/api/v1/cameras"): {"city-admin", "command", "mediator-east"},
    ("POST", "/api/v1/cameras"): {"city-admin"},
    ("GET", "/api/v1/cameras/{camera_id}"): {"city-admin", "command", "mediator-east"},
    ("PATCH", "/api/v1/cameras/{camera_id}"): {"city-admin"},
    ("DELETE", "/api/v1/cameras/{camera_id}"): {"city-admin"},
    ("GET", "/api/v1/cameras/{camera_id}/state"): {"city-admin", "command", "mediator-east"},
    ("GET", "/api/v1/gb-devices"): {"city-admin", "command", "mediator-east"},
    ("POST", "/api/v1/gb-devices"): {"city-admin"},
    ("DELETE", "/api/v1/gb-devices/{device_id}"): {"city-admin"},
    ("GET", "/api/v1/gb-devices/{device_id}/channels"): {"city-admin", "command", "mediator-east"},
    # mediators and command-center staff put cameras into rooms and steer them
    ("GET", "/api/v1/rooms/{room_id}/cameras"): {"city-admin", "command", "mediator-east"},
    ("POST", "/api/v1/rooms/{room_id}/cameras"): {"city-admin", "command", "mediator-east"},
    ("DELETE", "/api/v1/rooms/{room_id}/cameras/{camera_id}"): {
        "city-admin",
        "command",
        "mediator-east",
    },
    # showing a camera to parties is the mediator's call (room.moderate)
    ("PUT", "/api/v1/rooms/{room_id}/cameras/{camera_id}/shared"): {"city-admin", "mediator-east"},
    ("POST", "/api/v1/rooms/{room_id}/cameras/{camera_id}/ptz"): {
        "city-admin",
        "command",
        "mediator-east",
    },
    # evidence from a camera (refused with 409 room_not_live here: nobody is in the room)
    ("POST", "/api/v1/rooms/{room_id}/cameras/{camera_id}/snapshot"): {
        "city-admin",
        "mediator-east",
    },
    ("POST", "/api/v1/rooms/{room_id}/cameras/{camera_id}/clip"): {"city-admin", "mediator-east"},
    ("POST", "/api/v1/rooms/{room_id}/cameras/{camera_id}/clip/stop"): {
        "city-admin",
        "mediator-east",
    },
}


def camera_bodies(ids: dict[str, str]) -> dict[str, Any]:
    """Request bodies by route path (the matrix's ids: org, camera_id, new_device)."""
    return {
        "/api/v1/cameras": {
            "organisationId": ids["org"],
            "name": "新摄像机",
            "rtspUrl": "rtsp://user:pw@127.0.0.1:9/new",
        },
        "/api/v1/cameras/{camera_id}": {"name": "改名"},
        "/api/v1/gb-devices": {
            "organisationId": ids["org"],
            "deviceId": ids["new_device"],
            "name": "新设备",
        },
        "/api/v1/rooms/{room_id}/cameras": {"cameraId": ids["camera_id"]},
        "/api/v1/rooms/{room_id}/cameras/{camera_id}/shared": {"shared": True},
        "/api/v1/rooms/{room_id}/cameras/{camera_id}/ptz": {"pan": 1},
    }
