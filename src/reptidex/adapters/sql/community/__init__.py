"""repti-community's tables and stores."""
