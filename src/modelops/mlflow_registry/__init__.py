"""The MLflow side: a model-registry store backed by the SageMaker Model Registry, and best-run selection.

Named ``mlflow_registry`` so it cannot shadow the ``mlflow`` package. MLflow finds the store through the
``mlflow.model_registry_store`` entry point under the ``modelops`` scheme (``registry_uri``); importing this
package imports no MLflow.
"""

from modelops.mlflow_registry.registry_uri import SCHEME, RegistryUriError, parse_registry_uri, registry_uri

__all__ = ["SCHEME", "RegistryUriError", "parse_registry_uri", "registry_uri"]
