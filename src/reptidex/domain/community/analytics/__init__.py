"""Engagement analytics of repti-community: what is searched (and not found), who is seen in
search, how notifications are opened and how lively the forums are, per day."""
