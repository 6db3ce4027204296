"""The ReptiDex genetics engine: gene catalogs, exact clutch predictions, morph names, het odds.

A scientist's entry points::

    >>> from reptidex.engine.genetics import load_catalog, cross_morphs
    >>> bp = load_catalog("ball_python")
    >>> result = cross_morphs(bp, "Pastel Spider het Clown", "Pastel het Clown")
    >>> [(o.phenotype, str(o.probability)) for o in result.outcomes()][:2]
    [('Bumblebee', '3/16'), ('Pastel', '3/16')]

Everything public is re-exported here; see ``docs/genetics.md`` for the catalog format and the
JSON contract of :meth:`CrossResult.to_dict`.
"""

from reptidex.engine.genetics.analysis import (
    PairRanking,
    clutch_odds,
    clutch_probability,
    posterior_genotypes,
    prove_out,
    rank_pairs,
    trait_target,
)
from reptidex.engine.genetics.catalog import (
    CatalogError,
    available_species,
    catalog_from_mapping,
    catalog_from_toml,
    catalog_to_mapping,
    extend_catalog,
    load_catalog,
    load_catalog_file,
    species_id,
)
from reptidex.engine.genetics.cross import (
    CrossResult,
    GenotypeTable,
    Outcome,
    Outcomes,
    PossibleHet,
    cross,
    cross_block,
    cross_morphs,
    gametes,
    outcomes_to_json,
)
from reptidex.engine.genetics.genotype import Genotype
from reptidex.engine.genetics.makers import (
    MakerCross,
    MakerPhase,
    MakerSplit,
    maker_phases,
    split_by_maker,
)
from reptidex.engine.genetics.model import (
    Allele,
    Block,
    Catalog,
    Combo,
    Compound,
    Dispute,
    Expression,
    HealthNote,
    LinkageGroup,
    Locus,
    Severity,
    Sex,
    SexSystem,
)
from reptidex.engine.genetics.parsing import (
    MorphParseError,
    MorphReading,
    name_genotype,
    parse_genotype,
    read_morph,
    visual_traits,
)
from reptidex.engine.genetics.phenotype import block_phenotype, locus_phenotype, morph_name
from reptidex.engine.genetics.tables import (
    LocusColumn,
    genotype_columns,
    genotype_frame,
    outcomes_frame,
)

__all__ = [
    "Allele",
    "Block",
    "Catalog",
    "CatalogError",
    "Combo",
    "Compound",
    "CrossResult",
    "Dispute",
    "Expression",
    "Genotype",
    "GenotypeTable",
    "HealthNote",
    "LinkageGroup",
    "Locus",
    "LocusColumn",
    "MakerCross",
    "MakerPhase",
    "MakerSplit",
    "MorphParseError",
    "MorphReading",
    "Outcome",
    "Outcomes",
    "PairRanking",
    "PossibleHet",
    "Severity",
    "Sex",
    "SexSystem",
    "available_species",
    "block_phenotype",
    "catalog_from_mapping",
    "catalog_from_toml",
    "catalog_to_mapping",
    "clutch_odds",
    "clutch_probability",
    "cross",
    "cross_block",
    "cross_morphs",
    "extend_catalog",
    "gametes",
    "genotype_columns",
    "genotype_frame",
    "load_catalog",
    "load_catalog_file",
    "locus_phenotype",
    "maker_phases",
    "morph_name",
    "name_genotype",
    "outcomes_frame",
    "outcomes_to_json",
    "parse_genotype",
    "posterior_genotypes",
    "prove_out",
    "rank_pairs",
    "read_morph",
    "species_id",
    "split_by_maker",
    "trait_target",
    "visual_traits",
]
