"""The moto-suite check: the comparison, the differences file, the pinned sdist, the outcomes plugin."""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.moto_suite.compare import Comparison, DifferencesFileError, Listed, load_listed, report
from tests.moto_suite.sdist import PinnedSdist, SdistError, fetch, unpack_tests, verified

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent
REPO = HERE.parents[1]
SEARCH = "tests/test_sagemaker/test_search.py::test_search_sorts"
FILTERS = "tests/test_sagemaker/test_endpoint.py::test_list_endpoints_filters"
SEARCH_REFERENCE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Search.html"


def difference(test: str) -> Listed:
    return Listed(test, "difference", SEARCH_REFERENCE, "the documented default order")


def test_a_test_passing_on_plain_moto_and_failing_patched_unlisted_is_a_regression() -> None:
    comparison = Comparison(
        plain={SEARCH: "passed", FILTERS: "passed"}, patched={SEARCH: "failed", FILTERS: "passed"}, listed={}
    )

    assert comparison.regressions == [SEARCH]
    assert not comparison.ok
    assert f"  REGRESSION (passes on plain moto, not patched; not listed): {SEARCH}" in report(
        comparison, "f"
    )


def test_a_listed_difference_is_no_regression() -> None:
    comparison = Comparison(
        plain={SEARCH: "passed"}, patched={SEARCH: "failed"}, listed={SEARCH: difference(SEARCH)}
    )

    assert comparison.ok


def test_a_test_the_patched_run_did_not_run_counts_as_not_passing() -> None:
    assert Comparison(plain={SEARCH: "passed"}, patched={}, listed={}).regressions == [SEARCH]


@pytest.mark.parametrize(
    ("plain", "patched"),
    [("passed", "passed"), ("failed", "failed")],  # fixed by a patch; broken on plain moto too (a moved pin)
)
def test_a_listed_test_that_no_longer_differs_is_a_stale_entry(plain: str, patched: str) -> None:
    comparison = Comparison(
        plain={SEARCH: plain}, patched={SEARCH: patched}, listed={SEARCH: difference(SEARCH)}
    )

    assert comparison.stale == [difference(SEARCH)]
    assert not comparison.ok


def test_the_differences_file_cites_an_aws_page_for_each_difference_and_an_issue_for_each_defect() -> None:
    listed = load_listed(HERE / "deliberate_differences.toml")

    assert {e.kind for e in listed.values()} <= {"difference", "defect"}
    assert all(
        e.reference.startswith("https://docs.aws.amazon.com/")
        for e in listed.values()
        if e.kind == "difference"
    )
    assert all(e.reference.startswith("issue ") for e in listed.values() if e.kind == "defect")


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('[[difference]]\ntest = "t"\nwhy = "w"\n', "needs test, reference and why"),
        (
            '[[difference]]\ntest = "t"\nreference = "https://example.com/"\nwhy = "w"\n',
            "must be an AWS page",
        ),
        ('[[defect]]\ntest = "t"\nwhy = "w"\n', "needs test, issue and why"),
        (
            '[[defect]]\ntest = "t"\nissue = 1\nwhy = "w"\n[[defect]]\ntest = "t"\nissue = 2\nwhy = "w"\n',
            "twice",
        ),
        ('[[known]]\ntest = "t"\n', "unknown tables"),
    ],
)
def test_a_malformed_differences_file_is_refused(tmp_path: Path, entry: str, complaint: str) -> None:
    path = tmp_path / "differences.toml"
    path.write_text(entry)

    with pytest.raises(DifferencesFileError, match=complaint):
        load_listed(path)


def test_the_suite_is_the_pinned_moto_with_the_hash_the_lock_records() -> None:
    pin = PinnedSdist.from_lock(REPO / "uv.lock")

    assert pin.version == importlib.metadata.version("moto")
    assert len(pin.sha256) == 64


def test_a_file_whose_hash_is_not_the_locked_one_is_refused_loudly(tmp_path: Path) -> None:
    sdist = tmp_path / "moto-5.2.5.tar.gz"
    sdist.write_bytes(b"not the release")

    with pytest.raises(SdistError, match="HASH MISMATCH"):
        verified(PinnedSdist("moto", "5.2.5", "0" * 64), sdist)


def fake_sdist(path: Path) -> PinnedSdist:
    with tarfile.open(path, "w:gz") as archive:
        for name in ("moto/__init__.py", "tests/__init__.py", "tests/test_a/test_x.py", "pyproject.toml"):
            data = b"# " + name.encode()
            member = tarfile.TarInfo(f"moto-0.1/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return PinnedSdist("moto", "0.1", hashlib.sha256(path.read_bytes()).hexdigest())


def test_a_verified_cached_sdist_is_used_without_fetching(tmp_path: Path) -> None:
    pin = fake_sdist(tmp_path / "moto-0.1.tar.gz")

    assert fetch(pin, tmp_path, python="/no/such/python") == tmp_path / "moto-0.1.tar.gz"


def test_only_the_tests_and_moto_pytest_settings_are_unpacked(tmp_path: Path) -> None:
    # The sdist's own moto/ package beside its tests would shadow the installed moto.
    pin = fake_sdist(tmp_path / "moto-0.1.tar.gz")

    root = unpack_tests(pin, tmp_path / "moto-0.1.tar.gz", tmp_path / "out")

    files = sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")
    )
    assert files == ["pyproject.toml", "tests/__init__.py", "tests/test_a/test_x.py"]


def test_the_outcomes_plugin_records_each_tests_outcome(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(HERE / "plugin")
    pytester.makepyfile(
        test_outcomes="""
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("setup")

        def test_passes(): pass
        def test_fails(): assert False
        def test_errors_in_setup(broken): pass
        def test_skipped(): pytest.skip("docker")
        """
    )
    pytester.makepyfile(test_broken="import no_such_module")
    outcomes = tmp_path / "outcomes.json"

    pytester.runpytest_inprocess(
        "-p",
        "modelops_moto_suite",
        "--modelops-outcomes",
        str(outcomes),
        "-p",
        "no:xdist",
        "--continue-on-collection-errors",
    )

    assert json.loads(outcomes.read_text()) == {
        "test_outcomes.py::test_passes": "passed",
        "test_outcomes.py::test_fails": "failed",
        "test_outcomes.py::test_errors_in_setup": "failed",
        "test_outcomes.py::test_skipped": "skipped",
        "test_broken.py": "error",
    }
