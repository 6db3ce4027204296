"""Integrations with genetics labs: an organisation's lab configurations and the import of a
lab's results file into its animals' genotypes (``docs/ops.md``, "Genetics labs")."""
