"""The media context: stored files (photos, documents), rendered charts and certificates, and
the embeddable widgets breeders put on their own websites."""
