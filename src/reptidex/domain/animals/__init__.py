"""The breeder's collection: animals, their genotypes and lineage, and genetics questions.

Use cases here take ports (``ports.py``) and raise :mod:`reptidex.domain.errors`; they import the
genetics and pedigree engines and never an adapter or a service.
"""
