"""Notifications: what the platform tells a person, on which channels, and the record of each
delivery (repti-community, ``docs/community-notifications.md``)."""
