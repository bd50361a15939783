"""Mediation rooms, stored and live.

Domain (organisations, users, cases, rooms, invitations), persistence, access
policy, audit, and the live room that binds participants to a media Router.
Only rooms.live_room imports media/.
"""
