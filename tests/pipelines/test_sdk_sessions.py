"""``pipelines.sdk``: while a definition is built, every botocore session reads service models through one
loader per data path (the SDK makes five sessions of its own), and nothing else about a session is shared."""

from __future__ import annotations

from pathlib import Path

import boto3
import botocore.session
import pytest

import pipelines.sdk  # noqa: F401  (installs the shared loader before any sagemaker import)


def test_new_sessions_share_one_loader_and_parse_a_service_model_once() -> None:
    first, second = botocore.session.get_session(), botocore.session.get_session()
    loader = first.get_component("data_loader")
    assert second.get_component("data_loader") is loader
    model = first.get_service_model("sagemaker")
    assert second.get_service_model("sagemaker").operation_names == model.operation_names
    assert boto3.session.Session()._session.get_component("data_loader") is loader


def test_credentials_and_region_stay_each_session_s_own() -> None:
    one = boto3.session.Session(
        aws_access_key_id="AKIAONE", aws_secret_access_key="s1", region_name="eu-west-1"
    )
    two = boto3.session.Session(
        aws_access_key_id="AKIATWO", aws_secret_access_key="s2", region_name="us-west-2"
    )
    assert (one.get_credentials().access_key, one.region_name) == ("AKIAONE", "eu-west-1")
    assert (two.get_credentials().access_key, two.region_name) == ("AKIATWO", "us-west-2")


def test_another_data_path_gets_a_loader_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = botocore.session.get_session().get_component("data_loader")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    elsewhere = botocore.session.get_session().get_component("data_loader")
    assert elsewhere is not default
    assert str(tmp_path) in elsewhere.search_paths
