"""Image processing behind the media context's :class:`ImageProcessor` port."""
