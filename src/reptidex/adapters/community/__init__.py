"""repti-community's adapters outside its database: the owning services over HTTP."""
