"""The columns of each data file, in one place.

Validation (:mod:`exposure.read.dataset`), the documentation and the tests all read these definitions.
Column order in a file is free; columns not named here are kept and passed through.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LINE",
    "LISTED",
    "LISTED_KINDS",
    "LISTS",
    "LIST_REACHES",
    "MATCHES",
    "NOT_ORGANISATION_KINDS",
    "OWNERSHIP",
    "SHARE_BASES",
    "SUPPLIERS",
    "Column",
    "TableSchema",
]

#: The column every reader adds: the row's line in its file (its row number in a Parquet file).
LINE = "_line"


@dataclass(frozen=True)
class Column:
    """One column of a data file.

    Parameters
    ----------
    name
        The header as it appears in the file.
    kind
        ``text``, ``date``, ``share``, ``percent``, ``country``, ``choice``, ``eccn`` (an
        Export Control Classification Number or ``EAR99``), ``footnote`` (a whole number
        from 1) or ``names`` (``;``-separated).
    required
        Whether the column must exist and every cell must be filled.
    description
        What the column holds, for the documentation.
    choices
        The allowed values of a ``choice`` column (empty cells are allowed when not required).
    """

    name: str
    kind: str
    required: bool
    description: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSchema:
    """The columns of one data file."""

    file_name: str
    columns: tuple[Column, ...]
    #: Keep text columns as :class:`pandas.Categorical` (each distinct string stored once):
    #: for the table that can hold tens of millions of rows.
    compact_text: bool = False

    @property
    def names(self) -> list[str]:
        """All column names, in documentation order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """The names of the required columns."""
        return [c.name for c in self.columns if c.required]

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


#: Kinds of listed entry that are no organisation: a name with a legal form is never one of
#: them (:func:`exposure.entities.listings.not_organisations`).
NOT_ORGANISATION_KINDS = ("individual", "vessel", "aircraft")
LISTED_KINDS = ("company", "government", "academic", *NOT_ORGANISATION_KINDS, "other")
SHARE_BASES = ("disclosed", "estimate")

LISTED = TableSchema(
    "listed.csv",
    (
        Column("name", "text", True, "The entity's name as the list gives it."),
        Column("alt_names", "names", False, "Other names and aliases, separated by `;`."),
        Column("country", "country", False, "ISO 3166-1 alpha-2 code, e.g. `CN`."),
        Column(
            "kind",
            "choice",
            False,
            "One of "
            + ", ".join(f"`{k}`" for k in LISTED_KINDS)
            + ". A name with a legal form is never matched to an individual, vessel or aircraft.",
            LISTED_KINDS,
        ),
        Column("list", "text", True, "The list, e.g. `Entity List`."),
        Column(
            "federal_register_notice",
            "text",
            False,
            "The notice that listed it, e.g. `84 FR 54002`.",
        ),
        Column("start_date", "date", True, "ISO date from which the listing is in force."),
        Column(
            "end_date", "date", False, "ISO date on which the listing ended; empty while listed."
        ),
        Column("license_requirement", "text", False, "Which items need a licence."),
        Column("license_policy", "text", False, "How licence applications are reviewed."),
        Column(
            "footnote",
            "footnote",
            False,
            "The Entity List footnote designation of this listing row (e.g. `1`); a row with a "
            "footnote counts from its own start date. Empty: none.",
        ),
        Column("source", "text", True, "Where the fact comes from."),
    ),
)

SUPPLIERS = TableSchema(
    "suppliers.csv",
    (
        Column("supplier", "text", True, "The selling company."),
        Column(
            "customer", "text", True, "The buying company (a listed entity, a distributor, ...)."
        ),
        Column("product", "text", True, "What is sold; `unspecified` when the source names none."),
        Column("supplier_country", "country", False, "ISO 3166-1 alpha-2 code of the supplier."),
        Column("customer_country", "country", False, "ISO 3166-1 alpha-2 code of the customer."),
        Column(
            "revenue_share",
            "share",
            False,
            "Share (0 to 1) of the supplier's revenue from this customer for this product; "
            "empty means unknown, never zero.",
        ),
        Column(
            "share_basis",
            "choice",
            False,
            "`disclosed` or `estimate` (an analyst's figure); empty when no share is given (a "
            "share without one is reported as `unstated`).",
            SHARE_BASES,
        ),
        Column(
            "period",
            "text",
            False,
            "The period the share was measured over, as the source gives it (`FY2019`, "
            "`Q1 2019`); empty when unknown.",
        ),
        Column(
            "origin",
            "country",
            False,
            "ISO 3166-1 alpha-2 code of the country where the item is made; empty: the "
            "supplier's country.",
        ),
        Column(
            "eccn",
            "eccn",
            False,
            "The item's Export Control Classification Number (e.g. `5A992`, `3A991.a`) or "
            "`EAR99`; empty when unknown.",
        ),
        Column(
            "us_content",
            "share",
            False,
            "Share (0 to 1) of the item's value that is controlled US-origin content; empty "
            "when unknown.",
        ),
        Column(
            "us_technology",
            "choice",
            False,
            "`yes` if the item is a direct product of US technology or software (or made by a "
            "plant that is), `no` if not; empty when unknown.",
            ("yes", "no"),
        ),
        Column("source", "text", True, "Where the fact comes from."),
    ),
    compact_text=True,
)

#: How a list of a user's own reaches sales (``lists.csv``; see :mod:`exposure.restrictions`).
LIST_REACHES = ("ear", "ear_items", "us_person", "us_person_some", "every_sale", "none")

LISTS = TableSchema(
    "lists.csv",
    (
        Column("list", "text", True, "The list's name, as `listed.csv` writes it."),
        Column(
            "reach",
            "choice",
            True,
            "Which sales a listing restricts: `ear` (items subject to the EAR), `ear_items` "
            "(some such items, not assessed: counted as `assumed`), `us_person` (any dealing "
            "by a US person), `us_person_some` (some dealings by US persons, not assessed: "
            "counted as `assumed`), `every_sale`, or `none` (no sale: reported beside the "
            "exposure only).",
            LIST_REACHES,
        ),
        Column("restricts", "text", True, "What a listing restricts, in words."),
        Column("agency", "text", False, "Who keeps the list."),
        Column("basis", "text", False, "The legal basis, cited."),
        Column(
            "ownership",
            "choice",
            False,
            "The ownership rule that extends it to entities its listed parties own: `bis` or "
            "`ofac`; empty: none.",
            ("bis", "ofac"),
        ),
        Column("source", "text", True, "Where the fact comes from."),
    ),
)

OWNERSHIP = TableSchema(
    "ownership.csv",
    (
        Column("owner", "text", True, "The owning entity."),
        Column("owned", "text", True, "The entity it owns a part of."),
        Column(
            "percent",
            "percent",
            False,
            "The part owned, over 0 and at most 100; empty when the source gives no figure "
            "(unknown, never zero).",
        ),
        Column("source", "text", True, "Where the fact comes from."),
    ),
)

MATCHES = TableSchema(
    "matches.csv",
    (
        Column("customer", "text", True, "The customer's name as the suppliers file gives it."),
        Column("listed", "text", True, "The listed entity's name or alias."),
        Column(
            "decision",
            "choice",
            True,
            "`confirmed` (they are one entity) or `rejected` (they are not).",
            ("confirmed", "rejected"),
        ),
        Column("note", "text", False, "Why: the evidence the reviewer saw."),
        Column("date", "date", True, "ISO date of the decision; the latest decision counts."),
    ),
)
