"""Every refusal as an ``MlflowException`` with one line and the error code MLflow's clients act on.

MLflow's ``_register_model`` relies on RESOURCE_ALREADY_EXISTS for an existing registered model;
``load_model`` and the REST API map RESOURCE_DOES_NOT_EXIST to 404. A refused AWS call reads as the CLI
prints it (``AWS refused <operation>: <code>: <message>``), so both front doors say the same thing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NoReturn

from botocore.exceptions import BotoCoreError, ClientError

from modelops.mlflow_registry.packaging import PackagingError
from modelops.mlflow_registry.provenance import ProvenanceError
from modelops.mlflow_registry.registry_uri import RegistryUriError
from modelops.registry import (
    IllegalTransitionError,
    InvalidMetadataError,
    MalformedReferenceError,
    ReasonRequiredError,
    RegistryError,
    UnknownModelError,
    UnknownVersionError,
)

_ACCESS_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")


def refuse(message: str, code: str = "INVALID_PARAMETER_VALUE") -> NoReturn:
    from mlflow.exceptions import MlflowException
    from mlflow.protos import databricks_pb2

    # MlflowException takes the protocol's number; error_code then reads back as the name clients compare.
    raise MlflowException(" ".join(message.split()), error_code=getattr(databricks_pb2, code))


def _code(error: BaseException) -> str:
    if isinstance(error, (UnknownModelError, UnknownVersionError)):
        return "RESOURCE_DOES_NOT_EXIST"
    if isinstance(error, IllegalTransitionError):
        return "INVALID_STATE"
    if isinstance(
        error,
        (
            MalformedReferenceError,
            ReasonRequiredError,
            InvalidMetadataError,
            RegistryUriError,
            PackagingError,
        ),
    ):
        return "INVALID_PARAMETER_VALUE"
    if isinstance(error, ProvenanceError):
        return "RESOURCE_DOES_NOT_EXIST"
    return "INTERNAL_ERROR"


@contextlib.contextmanager
def as_mlflow_errors() -> Iterator[None]:
    """Turn registry, packaging and AWS errors raised inside the block into one-line MlflowExceptions."""
    try:
        yield
    except (RegistryError, RegistryUriError, PackagingError, ProvenanceError) as error:
        refuse(str(error), _code(error))
    except ClientError as error:
        detail: Any = error.response.get("Error", {})
        code = "PERMISSION_DENIED" if detail.get("Code") in _ACCESS_DENIED else "INTERNAL_ERROR"
        refuse(f"AWS refused {error.operation_name}: {detail.get('Code')}: {detail.get('Message')}", code)
    except BotoCoreError as error:
        refuse(f"AWS call failed: {error}", "INTERNAL_ERROR")
