"""The pinned moto's source distribution: the version and sha256 that ``uv.lock`` records, fetched once.

The lock is where the project pins moto and records the sdist's hash (uv verifies the wheel the same way),
so when the pin moves the suite follows it and nothing else needs editing. pip fetches the file
(``--require-hashes``) into ``build/``; the file is checked against the lock again before use, and only its
``tests/`` tree and ``pyproject.toml`` (moto's pytest settings) are unpacked: the sdist's own ``moto/``
package must not shadow the installed one.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path


class SdistError(RuntimeError):
    """The pinned sdist could not be fetched, or its hash is not the one the lock records."""


@dataclass(frozen=True)
class PinnedSdist:
    name: str
    version: str
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.tar.gz"

    @classmethod
    def from_lock(cls, lock: Path, name: str = "moto") -> PinnedSdist:
        packages = tomllib.loads(lock.read_text())["package"]
        found = [p for p in packages if p["name"] == name]
        if len(found) != 1 or "sdist" not in found[0]:
            raise SdistError(f"{lock} pins {len(found)} {name} packages with an sdist; expected one")
        algorithm, _, digest = found[0]["sdist"]["hash"].partition(":")
        if algorithm != "sha256":
            raise SdistError(f"{lock} records a {algorithm} hash for {name}'s sdist; expected sha256")
        return cls(name=name, version=found[0]["version"], sha256=digest)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(pin: PinnedSdist, path: Path) -> Path:
    actual = sha256_of(path)
    if actual != pin.sha256:
        raise SdistError(
            f"HASH MISMATCH for {path}: sha256 {actual}, but uv.lock records {pin.sha256} for "
            f"{pin.filename}. Refusing to run its tests: the file is not the pinned release."
        )
    return path


def fetch(pin: PinnedSdist, cache: Path, python: str) -> Path:
    """The verified sdist in ``cache``, downloaded with ``python -m pip`` unless a verified copy is there."""
    cached = cache / pin.filename
    if cached.exists() and sha256_of(cached) == pin.sha256:
        return cached
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as download:
        requirement = Path(download) / "requirement.txt"
        requirement.write_text(f"{pin.name}=={pin.version} --hash=sha256:{pin.sha256}\n")
        command = [python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps"]
        command += ["--no-binary", ":all:", "--require-hashes", "-r", str(requirement), "-d", download]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise SdistError(f"pip could not fetch {pin.filename}:\n{result.stdout}{result.stderr}")
        verified(pin, Path(download) / pin.filename).replace(cached)
    return cached


def unpack_tests(pin: PinnedSdist, sdist: Path, destination: Path) -> Path:
    """``tests/`` and ``pyproject.toml`` of the verified sdist, unpacked once into ``destination``."""
    root = destination / f"{pin.name}-{pin.version}"
    marker = root / f".unpacked-{pin.sha256}"
    if marker.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)  # a partial or older unpacking
    prefix = f"{pin.name}-{pin.version}/"
    with tarfile.open(verified(pin, sdist)) as archive:
        members = [
            member
            for member in archive.getmembers()
            if member.name.startswith(prefix + "tests/") or member.name == prefix + "pyproject.toml"
        ]
        archive.extractall(destination, members=members, filter="data")
    marker.touch()
    return root
