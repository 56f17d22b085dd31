"""Layer checksums of a bundle: recorded at build time, verified when it is loaded."""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK_BYTES = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def layer_checksums(folder: Path) -> dict[str, dict]:
    """``{file name: {"bytes": size, "sha256": hex}}`` of every layer file in a bundle folder."""
    return {p.name: {"bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in sorted(Path(folder).glob("*.parquet"))}


def bundle_damage(folder: Path, manifest: dict, *, full: bool = False) -> list[str]:
    """What is wrong with the layer files against the manifest's checksums: missing files, other sizes and,
    with ``full``, other sha256 (cheap by default: existence and size only). Old bundles without checksums pass."""
    recorded = manifest.get("checksums")
    if not isinstance(recorded, dict):
        return []
    problems = []
    for name, expected in recorded.items():
        path = Path(folder) / name
        if not path.is_file():
            problems.append(f"layer {name} is missing")
            continue
        size = path.stat().st_size
        if size != expected.get("bytes"):
            problems.append(f"layer {name} has {size:,} bytes, expected {expected.get('bytes'):,}")
        elif full and file_sha256(path) != expected.get("sha256"):
            problems.append(f"layer {name} has another sha256 than recorded at build time")
    return problems
