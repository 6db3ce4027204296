"""The ReptiDex pedigree engine: validated pedigrees, ancestry, inbreeding and kinship.

Pure computation over the standard library, numpy and networkx; the only I/O is the
explicit readers (:func:`read_csv`, :func:`read_records`).

Examples
--------
>>> from reptidex.engine.pedigree import parse_csv, inbreeding, prospective_inbreeding
>>> ped = parse_csv("id,sire,dam\\nS,,\\nD,,\\nB,S,D\\nG,S,D\\n")
>>> prospective_inbreeding(ped, "B", "G")
0.25
"""

from reptidex.engine.pedigree.ancestry import (
    CommonAncestor,
    PedigreeTree,
    TreeNode,
    ancestors,
    common_ancestors,
    descendants,
    pedigree_tree,
    relationship,
)
from reptidex.engine.pedigree.chart import ChartBox, ChartLayout, ChartLine, chart_layout
from reptidex.engine.pedigree.frames import coefficient_series, kinship_frame
from reptidex.engine.pedigree.inbreeding import (
    CoefficientTable,
    inbreeding,
    kinship,
    kinship_matrix,
    mendelian_sampling_factors,
    prospective_inbreeding,
    update_inbreeding,
)
from reptidex.engine.pedigree.links import (
    RECURSION_BUDGET,
    RECURSION_GENERATIONS,
    LinksTree,
    PedigreeLinks,
)
from reptidex.engine.pedigree.matrices import (
    SparseMatrix,
    relationship_matrix,
    relationship_matrix_inverse,
)
from reptidex.engine.pedigree.metrics import (
    PedigreeSummary,
    ancestor_loss,
    completeness,
    completeness_index,
    equivalent_generations,
    founder_contributions,
    founder_equivalents,
    founders,
    gene_diversity,
    mean_kinship,
    summarize,
)
from reptidex.engine.pedigree.model import (
    Animal,
    MissingParentWarning,
    Pedigree,
    PedigreeError,
    Sex,
)
from reptidex.engine.pedigree.plot import box_label, draw_chart, plot_pedigree
from reptidex.engine.pedigree.readers import (
    from_graph,
    parse_csv,
    parse_records,
    read_csv,
    read_records,
    to_graph,
)
from reptidex.engine.pedigree.tabular import (
    exact_inbreeding,
    exact_kinship,
    tabular_kinship_matrix,
)
from reptidex.engine.pedigree.validation import (
    PedigreeProblem,
    find_cycles,
    find_problems,
    missing_parents,
)

__all__ = [
    "RECURSION_BUDGET",
    "RECURSION_GENERATIONS",
    "Animal",
    "ChartBox",
    "ChartLayout",
    "ChartLine",
    "CoefficientTable",
    "CommonAncestor",
    "LinksTree",
    "MissingParentWarning",
    "Pedigree",
    "PedigreeError",
    "PedigreeLinks",
    "PedigreeProblem",
    "PedigreeSummary",
    "PedigreeTree",
    "Sex",
    "SparseMatrix",
    "TreeNode",
    "ancestor_loss",
    "ancestors",
    "box_label",
    "chart_layout",
    "coefficient_series",
    "common_ancestors",
    "completeness",
    "completeness_index",
    "descendants",
    "draw_chart",
    "equivalent_generations",
    "exact_inbreeding",
    "exact_kinship",
    "find_cycles",
    "find_problems",
    "founder_contributions",
    "founder_equivalents",
    "founders",
    "from_graph",
    "gene_diversity",
    "inbreeding",
    "kinship",
    "kinship_frame",
    "kinship_matrix",
    "mean_kinship",
    "mendelian_sampling_factors",
    "missing_parents",
    "parse_csv",
    "parse_records",
    "pedigree_tree",
    "plot_pedigree",
    "prospective_inbreeding",
    "read_csv",
    "read_records",
    "relationship",
    "relationship_matrix",
    "relationship_matrix_inverse",
    "summarize",
    "tabular_kinship_matrix",
    "to_graph",
    "update_inbreeding",
]
