"""Partner marketplaces: an organisation's available listings as a bulk-import CSV feed, and
a partner's export imported into its listings (``docs/ops.md``)."""
