"""Size of the deployer Lambdas' code bundle, unpacked and zipped (target: at most 5 MB).

.venv/bin/python bench/deploy_bundle_size.py
"""

from __future__ import annotations

import io
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.constructs.lambda_bundle import build_bundle

TARGET_BYTES = 5 * 1024 * 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = build_bundle(Path(tmp))
        files = sorted(p for p in bundle.rglob("*") if p.is_file())
        unpacked = sum(p.stat().st_size for p in files)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(bundle))
        by_package = Counter[str]()
        for path in files:
            by_package[path.relative_to(bundle).parts[0].removesuffix(".py")] += path.stat().st_size
    print(f"files: {len(files)}")
    for package, size in by_package.most_common():
        print(f"  {package:<24} {size / 1024:>8.1f} KiB")
    zipped = len(buffer.getvalue())
    print(
        f"unpacked: {unpacked / 1024:.1f} KiB; zipped: {zipped / 1024:.1f} KiB "
        f"(target: at most {TARGET_BYTES // (1024 * 1024)} MB) -> {'OK' if zipped <= TARGET_BYTES else 'OVER'}"
    )


if __name__ == "__main__":
    main()
