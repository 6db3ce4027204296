"""Loading and validating gene catalogs (TOML data files).

The built-in catalogs ship in ``reptidex/engine/genetics/catalogs/<species>.toml``. A user can
load their own file with :func:`load_catalog_file`, build one from a mapping with
:func:`catalog_from_mapping`, or add genes and combos to a built-in one with
:func:`extend_catalog`. The format is documented in ``docs/genetics.md``.

Built-in catalogs are parsed once and memoised by :func:`load_catalog` (caches of immutable
values, with the species' names: the only module-level state in the engine).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

from reptidex.engine.genetics.model import (
    Allele,
    Catalog,
    Combo,
    Compound,
    Dispute,
    Expression,
    HealthNote,
    LinkageGroup,
    Locus,
    Look,
    Severity,
    SexSystem,
)


class CatalogError(ValueError):
    """A catalog file or mapping that does not follow the format."""


def available_species() -> tuple[str, ...]:
    """The ids of the built-in species catalogs, sorted.

    Examples
    --------
    >>> "ball_python" in available_species()
    True
    """
    folder = resources.files("reptidex.engine.genetics") / "catalogs"
    return tuple(
        sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))
    )


def species_id(species: str) -> str:
    """The id of the built-in species that ``species`` names: its id (``ball_python``) or its
    display name (``Ball python``), case-insensitively, with ``_``, ``-`` and spaces alike.

    Parameters
    ----------
    species : str
        A species id or display name.

    Returns
    -------
    str
        The species id, as :func:`available_species` lists it.

    Raises
    ------
    KeyError
        When no built-in catalog has that id or name; the message lists the known species.

    Examples
    --------
    >>> species_id("Ball python"), species_id("BALL-PYTHON"), species_id("corn_snake")
    ('ball_python', 'ball_python', 'corn_snake')
    >>> species_id("dragon snake")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "unknown species 'dragon snake'; known species: ball_python (Ball python), ..."
    """
    if species in available_species():
        return species
    found = _species_names().get(_fold_species(species))
    if found is None:
        known = ", ".join(f"{id_} ({name})" for id_, name in _species_labels())
        raise KeyError(f"unknown species {species!r}; known species: {known}")
    return found


def _fold_species(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


@functools.cache
def _species_labels() -> tuple[tuple[str, str], ...]:
    """Each built-in species' id and display name, in id order."""
    return tuple((species, _load_builtin(species).name) for species in available_species())


@functools.cache
def _species_names() -> dict[str, str]:
    """Every built-in species' folded id and display name, to its id."""
    names: dict[str, str] = {}
    for species, name in _species_labels():
        names[_fold_species(species)] = species
        names[_fold_species(name)] = species
    return names


def load_catalog(species: str) -> Catalog:
    """The built-in catalog of ``species``, given by id or display name (memoised; catalogs are
    immutable).

    Raises :class:`KeyError` naming the known species if there is no such catalog.

    Examples
    --------
    >>> load_catalog("leopard_gecko").name
    'Leopard gecko'
    >>> load_catalog("Leopard gecko") is load_catalog("leopard_gecko")
    True
    """
    return _load_builtin(species_id(species))


@functools.cache
def _load_builtin(species: str) -> Catalog:
    resource = resources.files("reptidex.engine.genetics") / "catalogs" / f"{species}.toml"
    return catalog_from_toml(resource.read_text(encoding="utf-8"))


def load_catalog_file(path: str | Path) -> Catalog:
    """Load a catalog from a TOML file of the documented format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = '''
    ... [species]
    ... id = "demo"
    ... name = "Demo"
    ... scientific_name = "Demo demo"
    ... sex_system = "temperature"
    ... [[genes]]
    ... id = "albino"
    ... name = "Albino"
    ... inheritance = "recessive"
    ... '''
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "demo.toml"
    ...     _ = path.write_text(text)
    ...     load_catalog_file(path).loci[0].alleles[0].name
    'Albino'
    """
    return catalog_from_toml(Path(path).read_text(encoding="utf-8"))


def catalog_from_toml(text: str) -> Catalog:
    """Build a catalog from TOML text of the documented format.

    Examples
    --------
    >>> catalog_from_toml('[species]\\nid = "x"\\nname = "X"\\nsex_system = "XY"').loci
    ()
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"not valid TOML: {error}") from error
    return catalog_from_mapping(data)


def extend_catalog(base: Catalog, extra: Mapping[str, Any]) -> Catalog:
    """A new catalog: ``base`` plus the ``genes``, ``loci``, ``combos`` and ``linkage`` tables
    of ``extra`` (same format as a catalog file, without the ``species`` table).

    Examples
    --------
    >>> bp = load_catalog("ball_python")
    >>> mine = extend_catalog(bp, {"genes": [
    ...     {"id": "my_gene", "name": "My Gene", "inheritance": "recessive"}]})
    >>> mine.allele_by_name("my gene").expression.value
    'recessive'
    >>> len(mine.loci) == len(bp.loci) + 1
    True
    """
    data = catalog_to_mapping(base)
    for key in ("genes", "loci", "combos", "linkage"):
        data[key] = list(data.get(key, [])) + list(extra.get(key, []))
    return catalog_from_mapping(data)


def catalog_from_mapping(data: Mapping[str, Any]) -> Catalog:
    """Build and validate a catalog from a mapping (the parsed form of a catalog file).

    Raises :class:`CatalogError` with the offending entry named.

    Examples
    --------
    >>> catalog_from_mapping({"species": {"id": "x", "name": "X", "sex_system": "ZW"}}).id
    'x'
    """
    species = _table(data, "species", "catalog")
    loci: list[Locus] = []
    for entry in _tables(data, "genes"):
        allele = _allele(entry, f"gene {entry.get('id')!r}")
        loci.append(
            Locus(
                id=allele.id,
                name=allele.name,
                alleles=(allele,),
                notes=_strings(entry, "locus_notes"),
            )
        )
    for entry in _tables(data, "loci"):
        where = f"locus {entry.get('id')!r}"
        alleles = tuple(
            _allele(a, f"{where} allele {a.get('id')!r}") for a in _tables(entry, "alleles")
        )
        if not alleles:
            raise CatalogError(f"{where}: needs at least one allele")
        compounds = tuple(_compound(c, where, alleles) for c in _tables(entry, "compounds"))
        loci.append(
            Locus(
                id=_text(entry, "id", where),
                name=_text(entry, "name", where),
                alleles=alleles,
                compounds=compounds,
                looks=tuple(_look(x, where) for x in _tables(entry, "looks")),
                notes=_strings(entry, "notes"),
                sources=_strings(entry, "sources"),
                disputes=_disputes(entry, where),
            )
        )
    ids = [locus.id for locus in loci] + [
        a.id for locus in loci for a in locus.alleles if a.id != locus.id
    ]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"ids used twice: {', '.join(duplicates)}")
    try:
        sex_system = SexSystem(_text(species, "sex_system", "species"))
    except ValueError as error:
        raise CatalogError(
            f"species: sex_system must be XY, ZW, temperature or unknown: {error}"
        ) from error
    groups = tuple(_linkage(g, loci, sex_system) for g in _tables(data, "linkage"))
    if sum(1 for g in groups if g.sex_linked) > 1:
        raise CatalogError("only one sex-linked linkage group is allowed (one sex chromosome pair)")
    used = [locus_id for g in groups for locus_id in g.loci]
    if len(used) != len(set(used)):
        raise CatalogError("a locus appears in more than one linkage group")
    combos = tuple(_combo(c) for c in _tables(data, "combos"))
    try:
        catalog = Catalog(
            id=_text(species, "id", "species"),
            name=_text(species, "name", "species"),
            scientific_name=str(species.get("scientific_name", "")),
            sex_system=sex_system,
            loci=tuple(loci),
            linkage_groups=groups,
            combos=combos,
            notes=_strings(species, "notes"),
            sources=_strings(species, "sources"),
        )
    except ValueError as error:
        raise CatalogError(str(error)) from error
    names = set(catalog.traits)
    for combo in combos:
        unknown = sorted(combo.traits - names)
        if unknown:
            raise CatalogError(f"combo {combo.name!r}: unknown traits {', '.join(unknown)}")
        if combo.name in names:
            raise CatalogError(f"combo {combo.name!r} has the name of a trait")
    _check_looks(catalog)
    _check_aliases(catalog)
    return catalog


def catalog_to_mapping(catalog: Catalog) -> dict[str, Any]:
    """The mapping form of a catalog (what :func:`catalog_from_mapping` reads back).

    Examples
    --------
    >>> bp = load_catalog("ball_python")
    >>> catalog_from_mapping(catalog_to_mapping(bp)) == bp
    True
    """

    def notes(items: Sequence[HealthNote]) -> list[dict[str, str]]:
        return [
            {"note": n.description, "severity": n.severity.value, "source": n.source} for n in items
        ]

    def disputes(items: Sequence[Dispute]) -> list[dict[str, Any]]:
        return [{"note": d.description, "sources": list(d.sources)} for d in items]

    def allele(a: Allele) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": a.id,
            "name": a.name,
            "inheritance": a.expression.value,
            "aliases": list(a.aliases),
            "super_aliases": list(a.super_aliases),
            "super_lethal": a.super_lethal,
            "health": notes(a.health),
            "super_health": notes(a.super_health),
            "notes": list(a.notes),
            "sources": list(a.sources),
            "disputes": disputes(a.disputes),
        }
        if a.super_name:
            out["super"] = a.super_name
        return out

    def compound(c: Compound) -> dict[str, Any]:
        out: dict[str, Any] = {
            "alleles": list(c.alleles),
            "aliases": list(c.aliases),
            "lethal": c.lethal,
            "health": notes(c.health),
            "notes": list(c.notes),
            "sources": list(c.sources),
            "disputes": disputes(c.disputes),
        }
        if c.name:
            out["name"] = c.name
        if c.looks_like:
            out["looks_like"] = c.looks_like
        return out

    def look(x: Look) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": x.name,
            "traits": list(x.traits),
            "aliases": list(x.aliases),
            "notes": list(x.notes),
            "sources": list(x.sources),
            "disputes": disputes(x.disputes),
        }
        if x.abbreviation:
            out["abbreviation"] = x.abbreviation
        return out

    return {
        "species": {
            "id": catalog.id,
            "name": catalog.name,
            "scientific_name": catalog.scientific_name,
            "sex_system": catalog.sex_system.value,
            "notes": list(catalog.notes),
            "sources": list(catalog.sources),
        },
        "loci": [
            {
                "id": locus.id,
                "name": locus.name,
                "notes": list(locus.notes),
                "sources": list(locus.sources),
                "disputes": disputes(locus.disputes),
                "alleles": [allele(a) for a in locus.alleles],
                "compounds": [compound(c) for c in locus.compounds],
                "looks": [look(x) for x in locus.looks],
            }
            for locus in catalog.loci
        ],
        "linkage": [
            {
                "id": g.id,
                "loci": list(g.loci),
                "recombination": [str(r) for r in g.recombination],
                "sex_linked": g.sex_linked,
                "notes": list(g.notes),
                "sources": list(g.sources),
                "disputes": disputes(g.disputes),
            }
            for g in catalog.linkage_groups
        ],
        "combos": [
            {
                "name": c.name,
                "traits": sorted(c.traits),
                "aliases": list(c.aliases),
                "notes": list(c.notes),
                "sources": list(c.sources),
                "disputes": disputes(c.disputes),
            }
            for c in catalog.combos
        ],
    }


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise CatalogError(f"{where}: missing table {key!r}")
    return value


def _tables(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise CatalogError(f"{key!r} must be a list of tables")
    return value


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}: {key!r} must be a non-empty string")
    return value


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{key!r} must be a string or a list of strings")
    return tuple(value)


def _health(data: Mapping[str, Any], key: str, where: str) -> tuple[HealthNote, ...]:
    notes = []
    for entry in _tables(data, key):
        try:
            severity = Severity(entry.get("severity", ""))
        except ValueError as error:
            raise CatalogError(
                f"{where}: health severity must be one of mild, moderate, severe, lethal"
            ) from error
        notes.append(
            HealthNote(_text(entry, "note", where), severity, str(entry.get("source", "")))
        )
    return tuple(notes)


def _disputes(data: Mapping[str, Any], where: str) -> tuple[Dispute, ...]:
    disputes = []
    for entry in _tables(data, "disputes"):
        sources = _strings(entry, "sources")
        if not sources or not all(s.strip() for s in sources):
            raise CatalogError(f"{where}: a dispute needs at least one source")
        disputes.append(Dispute(_text(entry, "note", where), sources))
    return tuple(disputes)


def _allele(entry: Mapping[str, Any], where: str) -> Allele:
    try:
        expression = Expression(entry.get("inheritance", ""))
    except ValueError as error:
        raise CatalogError(
            f"{where}: inheritance must be recessive, incomplete_dominant or dominant"
        ) from error
    super_name = entry.get("super")
    if super_name is not None and (not isinstance(super_name, str) or expression.is_recessive):
        raise CatalogError(
            f"{where}: 'super' is a name, and only for (incomplete) dominant alleles"
        )
    return Allele(
        id=_text(entry, "id", where),
        name=_text(entry, "name", where),
        expression=expression,
        aliases=_strings(entry, "aliases"),
        super_name=super_name,
        super_aliases=_strings(entry, "super_aliases"),
        super_lethal=bool(entry.get("super_lethal", False)),
        health=_health(entry, "health", where),
        super_health=_health(entry, "super_health", where),
        notes=_strings(entry, "notes"),
        sources=_strings(entry, "sources"),
        disputes=_disputes(entry, where),
    )


def _compound(entry: Mapping[str, Any], where: str, alleles: tuple[Allele, ...]) -> Compound:
    pair = entry.get("alleles")
    ids = {a.id for a in alleles}
    if not (isinstance(pair, list) and len(pair) == 2 and set(pair) <= ids and pair[0] != pair[1]):
        raise CatalogError(f"{where}: a compound needs two different allele ids of the locus")
    name = entry.get("name")
    looks_like = entry.get("looks_like")
    if (name is None) == (looks_like is None):
        raise CatalogError(f"{where}: compound {pair} needs exactly one of 'name' and 'looks_like'")
    if looks_like is not None and looks_like not in pair:
        raise CatalogError(f"{where}: compound {pair} looks_like must be one of its alleles")
    return Compound(
        alleles=(pair[0], pair[1]),
        name=name,
        aliases=_strings(entry, "aliases"),
        looks_like=looks_like,
        lethal=bool(entry.get("lethal", False)),
        health=_health(entry, "health", f"{where} compound {pair}"),
        notes=_strings(entry, "notes"),
        sources=_strings(entry, "sources"),
        disputes=_disputes(entry, f"{where} compound {pair}"),
    )


def _look(entry: Mapping[str, Any], where: str) -> Look:
    where = f"{where} look {entry.get('name')!r}"
    traits = entry.get("traits")
    if not (isinstance(traits, list) and traits and all(isinstance(t, str) for t in traits)):
        raise CatalogError(f"{where}: 'traits' must list the trait names that look this way")
    abbreviation = entry.get("abbreviation")
    if abbreviation is not None and not isinstance(abbreviation, str):
        raise CatalogError(f"{where}: 'abbreviation' is a name")
    return Look(
        name=_text(entry, "name", where),
        traits=tuple(traits),
        abbreviation=abbreviation,
        aliases=_strings(entry, "aliases"),
        notes=_strings(entry, "notes"),
        sources=_strings(entry, "sources"),
        disputes=_disputes(entry, where),
    )


def _check_looks(catalog: Catalog) -> None:
    """A look's traits are traits of its own locus, and each trait has at most one look."""
    seen: set[str] = set()
    for index, locus in enumerate(catalog.loci):
        for look in locus.looks:
            for name in look.traits:
                trait = catalog.traits.get(name)
                if trait is None or trait.locus != index:
                    raise CatalogError(
                        f"locus {locus.id!r} look {look.name!r}: {name!r} is not a trait of "
                        "this locus"
                    )
                if name in seen:
                    raise CatalogError(f"trait {name!r} has more than one look")
                seen.add(name)


def _fraction(value: Any, where: str) -> Fraction:
    try:
        fraction = Fraction(str(value))
    except (ValueError, ZeroDivisionError) as error:
        raise CatalogError(f"{where}: {value!r} is not a fraction") from error
    if not 0 <= fraction <= Fraction(1, 2):
        raise CatalogError(f"{where}: a recombination fraction lies between 0 and 1/2")
    return fraction


def _linkage(entry: Mapping[str, Any], loci: list[Locus], system: SexSystem) -> LinkageGroup:
    where = f"linkage {entry.get('id')!r}"
    members = entry.get("loci")
    known = {locus.id for locus in loci}
    if not isinstance(members, list) or not members or not set(members) <= known:
        raise CatalogError(f"{where}: 'loci' must list locus ids of this catalog")
    sex_linked = bool(entry.get("sex_linked", False))
    if sex_linked and not system.has_sex_chromosomes:
        raise CatalogError(
            f"{where}: a species without known sex chromosomes has no sex-linked loci"
        )
    rates = entry.get("recombination", [])
    expected = len(members) if sex_linked else len(members) - 1
    if not isinstance(rates, list) or len(rates) != expected:
        raise CatalogError(f"{where}: needs {expected} recombination fractions")
    return LinkageGroup(
        id=_text(entry, "id", where),
        loci=tuple(members),
        recombination=tuple(_fraction(r, where) for r in rates),
        sex_linked=sex_linked,
        notes=_strings(entry, "notes"),
        sources=_strings(entry, "sources"),
        disputes=_disputes(entry, where),
    )


def _combo(entry: Mapping[str, Any]) -> Combo:
    where = f"combo {entry.get('name')!r}"
    traits = entry.get("traits")
    if not isinstance(traits, list) or len(traits) < 2:
        raise CatalogError(f"{where}: 'traits' must list at least two trait names")
    return Combo(
        name=_text(entry, "name", where),
        traits=frozenset(traits),
        aliases=_strings(entry, "aliases"),
        notes=_strings(entry, "notes"),
        sources=_strings(entry, "sources"),
        disputes=_disputes(entry, where),
    )


def _check_aliases(catalog: Catalog) -> None:
    """Every name a breeder may write must mean one thing."""
    seen: dict[str, str] = {}

    def claim(name: str, meaning: str) -> None:
        key = " ".join(name.lower().replace("-", " ").split())
        if key in seen and seen[key] != meaning:
            raise CatalogError(f"the name {name!r} means both {seen[key]} and {meaning}")
        seen[key] = meaning

    for trait in catalog.traits:
        claim(trait, f"trait {trait}")
    for _, _, allele in catalog.alleles():
        for alias in allele.aliases:
            claim(alias, f"trait {allele.name}")
        for alias in allele.super_aliases:
            claim(alias, f"trait {allele.homozygous_name}")
    for locus in catalog.loci:
        for compound in locus.compounds:
            for alias in compound.aliases:
                claim(alias, f"trait {compound.name}")
        for look in locus.looks:
            for name in (
                look.name,
                *([look.abbreviation] if look.abbreviation else []),
                *look.aliases,
            ):
                claim(name, f"look {look.name}")
    for combo in catalog.combos:
        for name in (combo.name, *combo.aliases):
            claim(name, f"combo {combo.name}")
