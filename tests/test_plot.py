"""Pictures: valid files of each format, identical bytes for identical inputs, and legibility."""

from __future__ import annotations

import colorsys
import csv
import itertools
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Protocol, TypeGuard
from unittest import mock

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib.artist import Artist
from matplotlib.transforms import Bbox

import exposure
import exposure.render.html
from exposure.cli import cli
from exposure.errors import ExposureError
from exposure.render.plot import (
    ESTIMATE_LABEL,
    MAX_PICTURE_NODES,
    ROLE_STYLES,
    _sale_label,
    check_network_size,
    network_view,
    plot_exposure,
)
from tests.conftest import MakeData, listing, sale

MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-", "svg": b"<?xml"}


def render(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, ["render", *args])
    return done.exit_code, done.output


def synthetic(folder: Path, suppliers: int, intermediaries: int, listed: int, others: int) -> Path:
    """A network of the given size, wired deterministically (no random numbers)."""
    folder.mkdir(parents=True, exist_ok=True)
    listed_names = [f"Listed Buyer {i:03d} Holdings Co., Ltd." for i in range(listed)]
    middle = [f"Distributor {i:03d}" for i in range(intermediaries)]
    other = [f"Customer {i:03d}" for i in range(others)]
    with (folder / "listed.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "list", "federal_register_notice", "start_date", "source"])
        writer.writerows(
            [n, "Entity List", "84 FR 54002", "2019-10-09", "test"] for n in listed_names
        )
    with (folder / "suppliers.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["supplier", "customer", "product", "source"])
        buyers = listed_names + other
        for i, name in enumerate(middle):
            for j in (i, i * 7 + 3):
                writer.writerow([name, buyers[j % len(buyers)], "modules", "test"])
        customers = middle + buyers
        for i in range(suppliers):
            for j in (i, i * 13 + 5):
                writer.writerow(
                    [f"Maker {i:03d} Inc.", customers[j % len(customers)], "wafers", "test"]
                )
    return folder


def visible_text_boxes(fig: plt.Figure, ax: plt.Axes) -> list[tuple[str, Bbox]]:
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return [
        (text.get_text(), text.get_window_extent(renderer))
        for text in ax.texts
        if text.get_visible() and text.get_text()
    ]


class _HasText(Protocol):
    def get_text(self) -> str: ...


def _has_text(artist: Artist) -> TypeGuard[_HasText]:
    return hasattr(artist, "get_text")


def figure_texts(fig: plt.Figure) -> list[str]:
    """The text of every artist of the figure that has one, in the figure's order."""
    return [artist.get_text() for artist in fig.findobj() if _has_text(artist)]


def assert_no_overlap(fig: plt.Figure, ax: plt.Axes) -> None:
    boxes = visible_text_boxes(fig, ax)
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"


@pytest.fixture(scope="module")
def result() -> exposure.Result:
    return exposure.analyze(exposure.load(), as_of="2019-10-09")


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_render_writes_a_valid_file_of_the_suffix_format(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"network.{fmt}"
    code, output = render("-o", str(out), "--as-of", "2019-10-09", "--dpi", "60")
    assert code == 0, output
    assert f"Wrote {out}" in output
    data = out.read_bytes()
    assert data.startswith(MAGIC[fmt])
    if fmt == "svg":
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        text = data.decode()
        for name in ("Ambarella", "Hikvision", "Dahua Technology", "Huawei Technologies"):
            assert name in text
        assert "Exposure to the Entity List (84 FR 22961, 84 FR 54002) as of 2019-10-09" in text


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_same_inputs_give_identical_bytes(tmp_path: Path, fmt: str) -> None:
    first, second = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    for out in (first, second):
        assert render("-o", str(out), "--as-of", "2019-10-09", "--dpi", "60")[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_render_options_change_the_picture(tmp_path: Path) -> None:
    from PIL import Image

    out = tmp_path / "small.png"
    code, _ = render("-o", str(out), "--supplier", "Ambarella", "--dpi", "50", "--figsize", "8,4")
    assert code == 0
    with Image.open(out) as image:
        width, height = image.size
    assert width > height  # 8 x 4 inches at 50 dpi, cropped to the drawing
    assert 300 <= width <= 500  # the legend's row and the notes set the width


def test_unknown_suffix_supplier_or_figsize_are_clear_errors(tmp_path: Path) -> None:
    code, output = render("-o", str(tmp_path / "network.txt"))
    assert code == 1
    assert "End the file name with .png, .svg or .pdf" in output
    code, output = render("-o", str(tmp_path / "n.png"), "--supplier", "Ambarela")
    assert code == 1
    assert "Did you mean 'Ambarella'?" in output
    code, output = render("-o", str(tmp_path / "n.png"), "--figsize", "10")
    assert code == 2
    assert "W,H" in output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--figsize", "100,100", "--dpi", "1200"], 1, "at most 100 fit. Lower --dpi"),
        (["--figsize", "60,60", "--dpi", "600"], 1, "at most 166 here"),
        (["--figsize", "300,3"], 2, "at most 200 inches"),
    ],
)
def test_a_picture_too_large_to_draw_is_refused_before_drawing(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    done, output = render("-o", str(tmp_path / "n.png"), *args)
    assert done == code
    assert message in output
    assert "Traceback" not in output
    assert "MemoryError" not in output
    assert not list(tmp_path.iterdir())


def test_a_large_vector_picture_counts_no_pixels(tmp_path: Path) -> None:
    # 10 x 8 inches at 1200 dpi would be 115 million pixels: refused as a PNG, drawn as an SVG.
    done, _ = render("-o", str(tmp_path / "n.svg"), "--figsize", "10,8", "--dpi", "1200")
    assert done == 0


def test_whole_network_picture_has_title_legend_notes_and_no_overlapping_text(
    result: exposure.Result,
) -> None:
    fig, ax = plot_exposure(result)
    try:
        assert (
            ax.get_title()
            == "Exposure to the Entity List (84 FR 22961, 84 FR 54002) as of 2019-10-09"
        )
        texts = [t for t, _ in visible_text_boxes(fig, ax)]
        for name in ("Ambarella", "Intel", "Hikvision", "Dahua Technology", "Google"):
            assert name in texts
        notes = [line for t in texts for line in t.split("\n")]
        # Every listed entity in force is drawn or counted: Huawei's 114 listed affiliates
        # and the Xinjiang bureaus buy from no supplier in the bundled data.
        entities = result.listings_in_force["entity"].nunique()
        drawn = {"Huawei Technologies Co., Ltd.", "HiSilicon Technologies Co., Ltd",
                 "Hikvision", "Dahua Technology"}  # fmt: skip
        assert drawn <= {t.replace("\n", " ") for t in texts}
        assert f"+{entities - len(drawn)} listed entities with no supplier in the data." in notes
        # A sale is labelled with its products and its share of revenue.
        assert "Windows, share unknown" in texts
        assert "49%" in texts  # a share alone where the products do not fit
        assert "Android operating system, share unknown" in texts
        assert "video processing solutions (SoCs…), ~17% (est.)" in texts
        drawn_legend = ax.get_legend()
        assert drawn_legend is not None
        legend = [t.get_text() for t in drawn_legend.get_texts()]
        assert legend == [
            "Listed entity",
            "Exposed (reaches a listed entity)",
            "Ownership (percent held)",  # Huawei owns HiSilicon, in a part not given
            "Sale on an exposure path",
            # HiSilicon's sale to Hikvision: a Chinese-made item, its US content unknown.
            "Sale on an exposure path, reach unknown or assumed",
            ESTIMATE_LABEL,  # Ambarella's 17%
        ]
        assert_no_overlap(fig, ax)
    finally:
        plt.close(fig)


def test_supplier_picture_shows_only_its_paths_and_reuses_the_given_axes(
    result: exposure.Result,
) -> None:
    fig, axes = plt.subplots(1, 2)
    try:
        got_fig, got_ax = exposure.plot_exposure(result, supplier="ambarella", ax=axes[1])
        assert got_fig is fig
        assert got_ax is axes[1]
        assert not axes[0].texts  # the other axes is untouched
        names = {t for t, _ in visible_text_boxes(fig, got_ax)}
        assert {"Ambarella", "Hikvision", "Dahua Technology"} <= names
        assert not names & {"Intel", "Huawei Technologies Co., Ltd.", "Google"}
        assert got_ax.get_title().startswith("Ambarella: exposure to the Entity List (84 FR 54002)")
    finally:
        plt.close(fig)


def test_a_supplier_with_no_path_says_so() -> None:
    before = exposure.analyze(exposure.load(), as_of="2019-06-01")
    _, ax = plot_exposure(before, supplier="Ambarella", close=True)
    assert "Ambarella reaches no listed entity as of 2019-06-01." in [
        t.get_text() for t in ax.texts
    ]


def test_intermediaries_sit_between_suppliers_and_buyers_by_tier(tmp_path: Path) -> None:
    from exposure.render.plot import network_view
    from tests.conftest import LISTED_HEADER, SUPPLIERS_HEADER, listing, sale, write_csv

    folder = tmp_path / "data"
    folder.mkdir()
    write_csv(folder / "listed.csv", LISTED_HEADER, [listing("Listed Co")])
    sales = [
        sale("Maker", "Distributor", product="wafers"),
        sale("Distributor", "Integrator", product="modules"),
        sale("Integrator", "Listed Co", product="cameras"),
        sale("Maker", "Shop", product="wafers"),
    ]
    write_csv(folder / "suppliers.csv", SUPPLIERS_HEADER, sales)
    view = network_view(exposure.analyze(exposure.load(folder), as_of="2020-01-01"))
    assert view.columns == [["Maker"], ["Distributor"], ["Integrator"], ["Listed Co", "Shop"]]
    assert view.headings == [
        "Suppliers",
        "Intermediaries, tier 2",
        "Intermediaries, tier 1",
        "Buyers",
    ]


def test_the_kinds_differ_by_shape_or_by_lightness_in_grayscale() -> None:
    # Listed entities and affiliates share the square (both count as listed), not the shade.
    def lightness(style: dict[str, str]) -> float:
        return colorsys.rgb_to_hls(*matplotlib.colors.to_rgb(style["color"]))[1]

    for a, b in itertools.combinations(ROLE_STYLES.values(), 2):
        assert a["marker"] != b["marker"] or abs(lightness(a) - lightness(b)) > 0.2, (a, b)
    exposed_or_not = [ROLE_STYLES[r] for r in ("listed", "exposed", "unaffected")]
    assert len({style["marker"] for style in exposed_or_not}) == 3


def test_a_500_company_network_is_drawn_legibly_with_thinned_names(tmp_path: Path) -> None:
    folder = synthetic(tmp_path / "big", suppliers=380, intermediaries=60, listed=30, others=30)
    result = exposure.analyze(exposure.load(folder), as_of="2019-10-09")
    fig, ax = plot_exposure(result, dpi=72)
    try:
        texts = [t for t, _ in visible_text_boxes(fig, ax)]
        assert any(t.startswith("Names shown for ") and " of 500 companies" in t for t in texts)
        assert any(t.startswith("Listed Buyer") for t in texts)  # listed buyers keep names
        assert_no_overlap(fig, ax)
    finally:
        plt.close(fig)


def test_past_the_limit_the_command_suggests_supplier_or_export(tmp_path: Path) -> None:
    folder = synthetic(
        tmp_path / "huge", suppliers=MAX_PICTURE_NODES, intermediaries=0, listed=2, others=0
    )
    code, output = render("-o", str(tmp_path / "huge.png"), "--data", str(folder))
    assert code == 1
    assert f"too many for a legible picture (at most {MAX_PICTURE_NODES})" in output
    assert "--supplier NAME" in output
    assert "exposure export" in output
    assert not (tmp_path / "huge.png").exists()
    # Refused on the arrays, before the drawn graph is built (which takes minutes at scale).
    result = exposure.analyze(exposure.load(folder), as_of="2019-10-09")
    with (
        mock.patch.object(type(result), "to_networkx", side_effect=AssertionError("built")),
        pytest.raises(ExposureError, match="too many for a legible picture"),
    ):
        network_view(result)


def test_a_network_too_large_is_refused_before_names_are_matched_fuzzily(
    tmp_path: Path,
) -> None:
    folder = synthetic(
        tmp_path / "huge", suppliers=MAX_PICTURE_NODES, intermediaries=0, listed=2, others=0
    )
    built = []
    build_graph = exposure.graph.build_graph

    def counted(dataset: Any, *, fuzzy: bool = True) -> Any:
        built.append(fuzzy)
        return build_graph(dataset, fuzzy=fuzzy)

    with mock.patch("exposure.graph.build_graph", counted):
        code, output = render("-o", str(tmp_path / "huge.png"), "--data", str(folder))
    assert code == 1
    assert "the network has at least" in output
    assert built == [False]  # the graph by keys alone, never the fuzzy one


def test_customers_fuzzy_matching_would_join_are_not_counted_against_the_picture(
    make_data: MakeData,
) -> None:
    from tests.conftest import listing, sale

    # By keys alone: 1 supplier, the listed entity and 6 spellings of it as customers (8
    # companies). Fuzzy matching links every spelling to it: 2 companies, drawn.
    spellings = [
        "Hikvision Digital Technology", "Hangzhou Hikvision Digital Tech Co",
        "Hikvison Digital Technology", "Hangzhou Hikvision Digital Technologies",
        "Hikvision Digitl Technology", "Hikvision Digital Technology (Hangzhou)",
    ]  # fmt: skip
    folder = make_data(
        [listing("Hangzhou Hikvision Digital Technology Co., Ltd.", country="CN")],
        [sale("LensCo", "Hangzhou Hikvision Digital Technology Co., Ltd.", 0.1)]
        + [sale("LensCo", name, 0.01) for name in spellings],
    )
    dataset = exposure.load(folder)
    check_network_size(dataset, max_nodes=3)  # sure only of 2: no refusal
    result = exposure.analyze(dataset, as_of="2026-01-01")
    assert len(network_view(result, max_nodes=3).columns) == 2
    with pytest.raises(ExposureError, match="has 8 companies"):
        check_network_size(dataset, fuzzy=False, max_nodes=3)
    # Suppliers that are no customers, and listed entities, stay whatever matching finds.
    with pytest.raises(ExposureError, match="at least 4 companies"):
        check_network_size(
            exposure.load(
                make_data(
                    [listing("Hikvision", country="CN")],
                    [sale(s, "Hikvision", 0.1) for s in ("A Co", "B Co", "C Co")],
                )
            ),
            max_nodes=2,
        )


def test_a_supplier_picture_draws_material_paths_and_says_what_it_left_out(
    make_data: MakeData,
) -> None:
    from tests.conftest import listing, sale

    sales = [
        sale("Maker", "Dist", 0.5),
        sale("Dist", "Listed B", 0.2),  # weight 0.1: drawn
        sale("Maker", "X", 0.05),
        sale("X", "Y", 0.1),
        sale("Y", "Listed C", 0.1),  # weight 0.0005: below the minimum
    ]
    folder = make_data([listing("Listed B"), listing("Listed C")], sales)
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    fig, _ = plot_exposure(result, supplier="Maker")
    texts = figure_texts(fig)
    assert any("Listed B" in t for t in texts)
    assert not any(t == "Listed C" for t in texts)
    assert any(
        "Not drawn (below the materiality limits): 1 more route, 1 more listed buyer, 0.05% of revenue."
        in t
        for t in texts
    )
    plt.close(fig)


def test_a_what_if_picture_says_it_rests_on_an_assumption() -> None:
    result = exposure.analyze(exposure.load(), as_of="2019-06-01", assume_listed=["Hikvision"])
    fig, _ = plot_exposure(result, supplier="Ambarella")
    texts = figure_texts(fig)
    assert any(
        "WHAT-IF: assumed listed on the Entity List: Hikvision (what-if, not a fact)" in t
        for t in texts
    )
    plt.close(fig)


def _chain(folder: Path) -> Path:
    """ChipCo -> Formosa -> Taipei Integrators -> Dahua, and Formosa also sells to Dahua."""
    folder.mkdir()
    (folder / "listed.csv").write_text(
        "name,list,start_date,source\nDahua Technology,Entity List,2019-10-09,84 FR 54002\n"
    )
    (folder / "suppliers.csv").write_text(
        "supplier,customer,product,revenue_share,source\n"
        "ChipCo,Formosa,chips,0.3,test\n"
        "Formosa,Taipei Integrators,boards,0.5,test\n"
        "Formosa,Dahua Technology,modules,0.05,test\n"
        "Taipei Integrators,Dahua Technology,cameras,,test\n"
    )
    return folder


def test_a_company_stands_right_of_every_company_it_buys_from(tmp_path: Path) -> None:
    # Formosa and Taipei Integrators are both tier 1; Taipei buys from Formosa.
    result = exposure.analyze(exposure.load(_chain(tmp_path / "chain")), as_of="2020-01-01")
    view = network_view(result)
    column = view.column_of
    assert all(column[u] < column[v] for u, v in view.graph.edges)  # no cycle here
    assert view.headings[0] == "Suppliers"
    assert view.headings[-1] == "Buyers"


def test_sales_are_labelled_with_their_share_and_drawn_wider_the_larger_it_is(
    tmp_path: Path,
) -> None:
    result = exposure.analyze(exposure.load(_chain(tmp_path / "chain")), as_of="2020-01-01")
    fig, ax = plot_exposure(result)
    try:
        texts = [t for t, _ in visible_text_boxes(fig, ax)]
        assert "boards, 50%" in texts
        assert "chips, 30%" in texts
        widths = {
            round(patch.get_linewidth(), 2)
            for patch in ax.patches
            if patch.get_linestyle() in ("-", "-.")  # sales on exposure paths, reached or not
        }
        assert len(widths) >= 3  # 5%, 30%, 50% and unknown are not drawn alike
    finally:
        plt.close(fig)


def test_ownership_and_the_affiliate_rule_are_drawn_and_named(make_data: MakeData) -> None:
    folder = make_data(
        [listing("Parent Group")],
        [sale("Maker", "Target", 0.2), sale("Target", "Parent Group", 0.3)],
    )
    (folder / "ownership.csv").write_text("owner,owned,percent,source\nParent Group,Target,60,t\n")
    result = exposure.analyze(exposure.load(folder), as_of="2026-11-22")
    view = network_view(result)
    assert view.graph.nodes["Target"]["role"] == "affiliate"
    assert view.ownership == [("Parent Group", "Target", 60.0)]
    assert "and affiliates under 90 FR 47201 (BIS Affiliates Rule)" in view.title
    fig, ax = plot_exposure(result)
    try:
        drawn_legend = ax.get_legend()
        assert drawn_legend is not None
        legend = [t.get_text() for t in drawn_legend.get_texts()]
        assert "Affiliate: owned by listed entities (90 FR 47201 (BIS Affiliates Rule))" in legend
        assert "Ownership (percent held)" in legend
        assert "60%" in [t for t, _ in visible_text_boxes(fig, ax)]
    finally:
        plt.close(fig)
    page = exposure.render.html.to_html(result)
    assert 'class="ownership"' in page
    assert "Parent Group owns 60% of Target" in page


def test_a_sale_the_rules_may_not_reach_is_drawn_apart_from_a_certain_one(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("Hikvision", country="CN")],
        [
            sale("US Chips", "Hikvision", 0.2, supplier_country="US"),  # US-made: reached
            sale("Shenzhen Chips", "Hikvision", 0.3, supplier_country="CN"),  # US content unknown
        ],
    )
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    fig, ax = plot_exposure(result)
    try:
        styles = sorted(patch.get_linestyle() for patch in ax.patches)
        assert styles == ["-", "-."]  # one solid, one dash-dotted
        drawn_legend = ax.get_legend()
        assert drawn_legend is not None
        legend = [t.get_text() for t in drawn_legend.get_texts()]
        assert legend[-2:] == [
            "Sale on an exposure path",
            "Sale on an exposure path, reach unknown or assumed",
        ]
        texts = [t for t, _ in visible_text_boxes(fig, ax)]
        assert "chips, 30%, reach unknown" in texts
        assert "chips, 20%" in texts
    finally:
        plt.close(fig)
    page = exposure.render.html.to_html(result)
    assert page.count('class="edge uncertain"') == 1
    assert page.count('class="edge on-path"') == 1
    assert "Sale on an exposure path, reach unknown or assumed</span>" in page


@pytest.fixture
def distributors(make_data: MakeData) -> Path:
    """Alpha sells to a listed buyer directly and through two distributors that sell to each
    other, to the listed buyer's affiliate and to a company that is not exposed; a buyer that
    was delisted and others not exposed crowd the buyers' column."""
    folder = make_data(
        [
            listing("Redco Industries", start="2020-01-01"),
            listing("Bluco Systems", start="2020-01-01", end="2022-01-01"),
            listing("Listsup Semiconductor", start="2020-01-01"),
        ],
        [
            sale("Alpha Inc", "Redco Industries", 0.3, supplier_country="US"),
            sale("Alpha Inc", "Dist One", 0.5, supplier_country="US"),
            sale("Dist One", "Redco Industries", 0.2, supplier_country="US"),
            sale("Dist One", "Dist Two", 0.5, supplier_country="US"),
            sale("Dist One", "Cleanco", 0.3, supplier_country="US"),
            sale("Dist Two", "Dist One", 0.4, supplier_country="SG"),
            sale("Dist Two", "Subco Electronics", 0.3, supplier_country="SG"),
            sale("Dist Two", "Cleanco", 0.3, supplier_country="SG"),
            sale("Beta Inc", "Redco Industries", supplier_country="US"),
            sale("Beta Inc", "Cleanco", 0.9, supplier_country="US"),
            sale("Echo Corp", "Redco Industries", 0.4, supplier_country="TW", origin="TW"),
            sale("Golf Inc", "Bluco Systems", 0.4, supplier_country="US"),
            sale("Listsup Semiconductor", "Redco Industries", 0.2, supplier_country="CN"),
            sale("Hotel Inc", "Listsup Semiconductor", 0.1, supplier_country="US"),
            sale("Papa Inc", "Dist One", supplier_country="US"),
            sale("Quebec Inc", "Dist One", 0, supplier_country="US"),
            sale("Nova Inc", "Cleanco", 0.5, supplier_country="US"),
        ],
    )
    (folder / "ownership.csv").write_text(
        "owner,owned,percent,source\nRedco Industries,Subco Electronics,60,t\n"
    )
    return folder


def test_listed_names_and_the_most_exposed_are_shown_before_the_others(
    distributors: Path,
) -> None:
    result = exposure.analyze(exposure.load(distributors), as_of="2026-12-01")
    fig, ax = plot_exposure(result, dpi=150)
    try:
        texts = {t for t, _ in visible_text_boxes(fig, ax)}
        assert {"Redco Industries", "Subco Electronics", "Listsup Semiconductor"} <= texts
        assert {"Alpha Inc", "Dist One", "Dist Two"} <= texts
        hidden = [t.get_text() for t in ax.texts if not t.get_visible()]
        notes = [t for t in figure_texts(fig) if t.startswith("Names shown for")]
        assert len(notes) == bool(hidden)
        assert_no_overlap(fig, ax)
    finally:
        plt.close(fig)


def test_every_listed_name_is_shown_where_listed_buyers_stand_close(tmp_path: Path) -> None:
    # 6 listed buyers, bought from by 15 distributors and 60 makers: the buyers stand near
    # the heights of their many sellers, closer together than a line of text.
    folder = synthetic(tmp_path / "crowded", suppliers=60, intermediaries=15, listed=6, others=0)
    result = exposure.analyze(exposure.load(folder), as_of="2020-01-01")
    view = network_view(result)
    listed = [n for n in view.graph if view.graph.nodes[n]["role"] == "listed"]
    assert len(listed) == 6
    fig, ax = plot_exposure(result, dpi=150)
    try:
        texts = {t.replace("\n", " ") for t, _ in visible_text_boxes(fig, ax)}
        assert set(listed) <= texts
        assert_no_overlap(fig, ax)
        note = next(t for t in figure_texts(fig) if t.startswith("Names shown for"))
        assert "(listed and most exposed first)" in note
    finally:
        plt.close(fig)


def test_the_heaviest_sale_is_labelled_even_where_its_line_bends(distributors: Path) -> None:
    # Alpha's direct sale to Redco bends round Dist One, which stands between them.
    result = exposure.analyze(exposure.load(distributors), as_of="2026-12-01")
    fig, ax = plot_exposure(result, supplier="Alpha Inc", dpi=150)
    try:
        texts = [t for t, _ in visible_text_boxes(fig, ax)]
        assert "chips, 30%" in texts
        assert "chips, 50%" in texts
        assert_no_overlap(fig, ax)
    finally:
        plt.close(fig)


# -- crossings against Graphviz dot ------------------------------------------------------------


def _straight_crossings(
    position: dict[str, tuple[float, float]], edges: list[tuple[str, str]]
) -> int:
    """Count the pairs of straight sales (centre to centre) that cross; shared ends do not."""
    names = list(position)
    index = {n: i for i, n in enumerate(names)}
    x = np.array([position[n][0] for n in names])
    y = np.array([position[n][1] for n in names])
    a = np.array([index[u] for u, _ in edges])[:, None]
    b = np.array([index[v] for _, v in edges])[:, None]
    c, d = a.T, b.T

    def side(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return (y[r] - y[p]) * (x[q] - x[p]) - (y[q] - y[p]) * (x[r] - x[p])

    crossing = (side(c, d, a) * side(c, d, b) < 0) & (side(a, b, c) * side(a, b, d) < 0)
    crossing &= (a != c) & (a != d) & (b != c) & (b != d)
    return int(crossing.sum()) // 2


def test_companies_stand_in_column_order_a_row_apart_and_cross_fewer_sales_than_spread() -> None:
    data = exposure.load(Path(__file__).parent / "golden" / "generated")
    view = network_view(exposure.analyze(data, as_of="2025-10-01"))
    row = 1 / max(len(column) for column in view.columns)
    for column in view.columns:
        heights = [view.heights[n] for n in column]
        assert all(row / 2 - 1e-9 <= h <= 1 - row / 2 + 1e-9 for h in heights)
        assert all(b - a >= row - 1e-9 for a, b in itertools.pairwise(heights))
    edges = [(u, v) for u, v in view.graph.edges if u != v]
    placed = {n: (float(c), view.heights[n]) for c, col in enumerate(view.columns) for n in col}
    spread = {
        n: (float(c), (i + 0.5) / len(col))
        for c, col in enumerate(view.columns)
        for i, n in enumerate(col)
    }
    # Placing near the neighbours is what the picture gains over spreading each column evenly.
    assert _straight_crossings(placed, edges) < _straight_crossings(spread, edges)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_the_layout_crosses_about_as_few_sales_as_graphviz_dot() -> None:
    """Our columns and heights against dot's ranks, both counted as straight lines between
    centres, on the generated 150-company graph whose long sales span many columns (12,380
    against dot's 13,254 when measured)."""
    data = exposure.load(Path(__file__).parent / "golden" / "generated")
    view = network_view(exposure.analyze(data, as_of="2025-10-01"))
    edges = [(u, v) for u, v in view.graph.edges if u != v]
    ours = {n: (float(c), view.heights[n]) for c, column in enumerate(view.columns) for n in column}
    names = {n: f"n{i}" for i, n in enumerate(view.graph)}
    source = (
        "digraph G { rankdir=LR; "
        + " ".join(
            [f"{names[n]};" for n in view.graph] + [f"{names[u]} -> {names[v]};" for u, v in edges]
        )
        + " }"
    )
    done = subprocess.run(
        ["dot", "-Tjson0"], input=source, capture_output=True, text=True, check=True
    )
    back = {code: n for n, code in names.items()}
    theirs: dict[str, tuple[float, float]] = {}
    for drawn in json.loads(done.stdout)["objects"]:
        if "pos" in drawn:
            x, y = drawn["pos"].split(",")
            theirs[back[drawn["name"]]] = (float(x), float(y))
    assert _straight_crossings(ours, edges) <= _straight_crossings(theirs, edges)


def test_an_analyst_s_estimate_is_marked_apart_from_a_disclosed_share(
    result: exposure.Result,
) -> None:
    # Ambarella's 17% is an analyst's estimate; Micron's 13% a disclosed figure.
    fig, ax = plot_exposure(result)
    try:
        texts = [t for t, _ in visible_text_boxes(fig, ax)]
        assert "video processing solutions (SoCs…), ~17% (est.)" in texts
        assert "memory and storage products, 13%" in texts
        drawn_legend = ax.get_legend()
        assert drawn_legend is not None
        assert ESTIMATE_LABEL in [t.get_text() for t in drawn_legend.get_texts()]
    finally:
        plt.close(fig)
    fig, ax = plot_exposure(result, supplier="Ambarella")
    try:
        note = "Ambarella's revenue at risk: ≥ 17.0% (rests in part on an analyst's estimate; "
        assert any(t.startswith(note) for t in figure_texts(fig))
    finally:
        plt.close(fig)
    page = exposure.render.html.to_html(result, supplier="Ambarella")
    assert "17.0%, an analyst's estimate, not disclosed (as of May 2019)" in page


def test_a_shortened_product_keeps_its_brackets_closed() -> None:
    label = _sale_label(
        {"products": ["video processing solutions (SoCs for security cameras)"], "share": 0.1}
    )
    assert label == "video processing solutions (SoCs…), 10%"


def test_an_affiliate_is_drawn_with_the_listed_owners_that_make_it_one(
    make_data: MakeData,
) -> None:
    folder = make_data(
        [listing("ListedA", notice="85 FR 1"), listing("ListedB", notice="85 FR 2")],
        [sale("S1", "JV1", 0.2), sale("S1", "Sub2", 0.1)],
    )
    (folder / "ownership.csv").write_text(
        "owner,owned,percent,source\nListedA,JV1,30,r\nListedB,JV1,25,r\nJV1,Sub2,100,r\n"
    )
    result = exposure.analyze(exposure.load(folder), as_of="2026-12-08")
    view = network_view(result)
    assert {"ListedA", "ListedB"} <= set(view.graph.nodes)
    assert sorted(view.ownership) == [
        ("JV1", "Sub2", 100.0), ("ListedA", "JV1", 30.0), ("ListedB", "JV1", 25.0)
    ]  # fmt: skip
    assert not any("no supplier in the data" in note for note in view.notes)
    one = network_view(result, supplier="S1")
    assert {"ListedA", "ListedB"} <= set(one.graph.nodes)
    fig, ax = plot_exposure(result)
    try:
        drawn_legend = ax.get_legend()
        assert drawn_legend is not None
        assert "Listed entity" in [t.get_text() for t in drawn_legend.get_texts()]
    finally:
        plt.close(fig)
