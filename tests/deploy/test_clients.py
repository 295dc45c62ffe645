"""The sessions the deployer, the CLI and the MLflow registry store make: each reads the credentials and region
as they are when it is made, and all of them share the process's parsed service models (a session with a
loader of its own parses SageMaker's JSON model again, ~0.13 s a client)."""

from __future__ import annotations

import pytest

from modelops.deploy.clients import session
from modelops.mlflow_registry.store import SageMakerRegistryStore


def _keys(client: object) -> str:
    return client._request_signer._credentials.get_frozen_credentials().access_key  # type: ignore[attr-defined]


def test_sessions_read_the_credentials_of_their_moment_and_share_the_parsed_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFIRSTCALLER00000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "first")
    first = session("us-east-1").client("sagemaker")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIASECONDCALLER0000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "second")
    second = session("eu-west-1").client("sagemaker")
    assert (_keys(first), first.meta.region_name) == ("AKIAFIRSTCALLER00000", "us-east-1")
    assert (_keys(second), second.meta.region_name) == ("AKIASECONDCALLER0000", "eu-west-1")
    assert session()._session.get_component("data_loader") is session()._session.get_component("data_loader")


def test_the_mlflow_store_makes_each_call_s_client_with_the_caller_s_credentials_of_that_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = SageMakerRegistryStore("modelops://diabetes-progression")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIABEFOREROTATION00")
    before = store._sagemaker()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAAFTERROTATION000")
    after = store._sagemaker()
    assert (_keys(before), _keys(after)) == ("AKIABEFOREROTATION00", "AKIAAFTERROTATION000")
