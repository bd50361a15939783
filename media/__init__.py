"""SFU relay and ingest: pure media. Imports nothing else of ours.

Router -> PeerTransport -> Producer / Consumer (mediasoup vocabulary). Media is
forwarded as encoded frames: never decoded, never re-encoded. Application ids
ride on each object's `app_data` dict.
"""
