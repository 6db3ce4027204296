"""ReptiDex: a platform for reptile breeders built around a genetics and pedigree engine."""

__version__ = "0.1.0"
