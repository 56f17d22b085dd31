"""Benchmark: the plenary pack (PDF) of the official plan (57 eerstelijnszones, 304 municipalities) must take under 60 s.

In the same run and on the same bundle it times a naive baseline, the plain GeoPandas recipe people use for such packs
(``GeoDataFrame.plot`` of the full-detail geometries of each zone into ``PdfPages``, a title and nothing else: no
legend, table, credits or context), and our pack (overview + key-figure table + one finished page per zone with
context, services, legend, scale bar, credits and page numbers). Both PDFs are opened with pypdf: page counts must
agree and every zone name must be on its page. Also timed: the PowerPoint deck, the HTML map and the GeoPackage.

    cd /work/main && PYTHONPATH=. /work/venv/bin/python benchmarks/bench_export.py [--data-dir DIR] [--json]

Without ``--data-dir`` the real bundle is built first from the local mirror (``../shared/geodata/mirror``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from pypdf import PdfReader  # noqa: E402

from zorgzones import export, export_pack, pack  # noqa: E402
from zorgzones.region import load_bundle  # noqa: E402
from zorgzones.zones import Plan  # noqa: E402

SHARED = Path(os.environ.get("ZORGZONES_SHARED_GEODATA", REPO.parent / "shared" / "geodata"))
LIMIT_S = 60.0


def naive_pack(path: Path, units, plan: Plan) -> None:
    """The baseline: one GeoPandas plot per zone (full geometries) into PdfPages, with a title."""
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    zone = plan.assignment.reindex(units.index)
    with PdfPages(path) as pdf:
        fig = Figure(figsize=(11.69, 8.27))
        ax = fig.add_subplot()
        units.plot(ax=ax, column="pop_65plus", cmap="YlOrRd")
        ax.set_title(plan.name)
        pdf.savefig(fig)
        for zone_id in sorted(set(zone.dropna())):
            fig = Figure(figsize=(11.69, 8.27))
            ax = fig.add_subplot()
            units[zone == zone_id].plot(ax=ax, column="pop_65plus", cmap="YlOrRd", edgecolor="white")
            ax.set_title(plan.zone_name(zone_id))
            ax.set_axis_off()
            pdf.savefig(fig)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data directory holding a real bundle (default: build one from the mirror)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        tmp = Path(tmp)
        data_dir = args.data_dir
        if data_dir is None:
            from zorgzones import fetch

            data_dir = tmp / "data"
            fetch.fetch_region(data_dir=data_dir, mirror=SHARED / "mirror", progress=False)
        bundle = load_bundle(data_dir, allow_demo=False)
        plan = Plan.from_bundle(bundle, "elz")
        units = bundle.units(plan.level)

        rows = []
        seconds, _ = timed(lambda: naive_pack(tmp / "naive.pdf", units, plan))
        naive_pages = len(PdfReader(tmp / "naive.pdf").pages)
        rows.append({"case": "naive GeoPandas pack (peer baseline)", "seconds": seconds, "pages": naive_pages,
                     "bytes": (tmp / "naive.pdf").stat().st_size})
        seconds, out = timed(lambda: pack.write_pack(tmp / "pack.pdf", bundle, plan))
        reader = PdfReader(out)
        rows.append({"case": "zorgzones plenary pack PDF", "seconds": seconds, "pages": len(reader.pages),
                     "bytes": out.stat().st_size})
        data = export_pack.pack_data(bundle, plan)
        names_ok = all(name in reader.pages[i].extract_text() for i, name in enumerate(data.zones["zone_name"], start=1))
        seconds, out = timed(lambda: pack.write_pack(tmp / "pack.pptx", bundle, plan))
        rows.append({"case": "zorgzones plenary deck PPTX", "seconds": seconds, "bytes": out.stat().st_size})
        seconds, out = timed(lambda: export.write_html(tmp / "map.html", bundle, plan=plan))
        rows.append({"case": "zorgzones HTML map", "seconds": seconds, "bytes": out.stat().st_size})
        seconds, out = timed(lambda: export.write_data(tmp / "plan.gpkg", bundle, plan))
        rows.append({"case": "zorgzones GeoPackage", "seconds": seconds, "bytes": out[0].stat().st_size})

    pdf = rows[1]
    agree = pdf["pages"] == naive_pages == len(plan.zone_ids) + 1 and names_ok
    result = {"zones": len(plan.zone_ids), "units": len(units), "rows": rows, "pages_agree_and_names_on_pages": agree,
              "pack_under_limit": pdf["seconds"] < LIMIT_S, "limit_s": LIMIT_S}
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"official plan: {result['zones']} zones, {result['units']} units")
        print(f"{'case':<40} {'seconds':>8} {'pages':>6} {'MB':>7}")
        for row in rows:
            print(f"{row['case']:<40} {row['seconds']:>8.1f} {row.get('pages', ''):>6} {row.get('bytes', 0) / 1e6:>7.2f}")
        print(f"pages agree and every zone name on its page: {agree}; pack under {LIMIT_S:.0f} s: {result['pack_under_limit']}")
    return 0 if agree and result["pack_under_limit"] else 1


if __name__ == "__main__":
    sys.exit(main())
