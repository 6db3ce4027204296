"""repti-community's forums: categories (made by platform administrators), threads and posts
written in Markdown and kept as sanitised HTML, mentions, reactions, following, pinning and
locking, and their moderation (reports, a queue, hiding and restoring, posting limits)."""
