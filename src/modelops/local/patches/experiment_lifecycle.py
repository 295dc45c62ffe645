"""What an inference experiment does to its endpoint, status by status.

As the developer guide describes shadow tests ("Shadow tests", "Create a shadow test", "Complete a shadow
test") and the API reference the statuses (DescribeInferenceExperiment): ``Creating`` -> ``Created``; at the
scheduled start (at once without a Schedule, or on StartInferenceExperiment) ``Starting``, while "SageMaker AI
automatically deploys the new variant in shadow mode ... within the same endpoint", then ``Running``; at the
end of the schedule, or on StopInferenceExperiment, ``Stopping`` and then ``Completed`` or ``Cancelled``.
"After the test is complete, the endpoint reverts to the state it was in prior to starting the test"; with
``Promote`` the shadow variant instead replaces the production variant ("This removes your current production
variant from production and replaces it with your shadow variant"), with ``Retain`` it stays. Every endpoint
change is an UpdateEndpoint (the ``endpoints`` patch), so the endpoint keeps serving its old configuration
while ``Updating`` and emits its state-change events, and a deployment that fails leaves it as it was.

Where the guide is silent: the endpoint config the experiment deploys (named ``<endpoint>-ie-<digest>`` here)
holds the source variant and the shadow variant as ModelVariants describe them, and, with a
``DataStorageConfig``, a ``DataCaptureConfig`` capturing every request and response to its ``Destination``
("This is an optional parameter that you can use for data capture"). A shadow variant that cannot be deployed
cancels the experiment with the endpoint's ``FailureReason`` as its StatusReason, the endpoint untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from datetime import datetime
from typing import Any

from moto.core.exceptions import ServiceException
from moto.sagemaker.exceptions import ConflictException

from modelops.local.clock import CLOCK
from modelops.local.lock import LOCK
from modelops.local.patches import experiment_store as store
from modelops.local.patches.shadow_variants import SHADOW_ATTRIBUTE, shadow_variants_of

_log = logging.getLogger(__name__)
PROMOTE, REMOVE, RETAIN = "Promote", "Remove", "Retain"
SAMPLING_ATTRIBUTE = "shadow_sampling_percentage"  # on an experiment's endpoint config; not serialized


def created(backend: Any, experiment: store.Experiment) -> None:
    """Creating -> Created once the clock runs it, then started if its schedule has begun."""

    def finish() -> None:
        with LOCK:  # the clock runs this beside API calls (the local server answers on several threads)
            if store.experiments(backend).get(experiment.name) is not experiment:
                return  # deleted meanwhile
            experiment.set_status(store.CREATED)
            reconcile(backend, experiment)

    CLOCK.schedule(finish)


def reconcile(backend: Any, experiment: store.Experiment, at: datetime | None = None) -> None:
    """Start an experiment whose schedule has begun; complete one whose schedule has ended."""
    moment = at or store.now()
    if experiment.status == store.CREATED and experiment.start <= moment:
        start(backend, experiment)
    elif experiment.status == store.RUNNING and experiment.end <= moment:
        # The endpoint busy with another update (ConflictException): the next call tries again.
        with contextlib.suppress(ConflictException):
            stop(backend, experiment, {experiment.shadow_variant: REMOVE}, store.COMPLETED, None)


def reconcile_all(backend: Any) -> None:
    with LOCK:
        for experiment in list(store.experiments(backend).values()):
            reconcile(backend, experiment)


def start(backend: Any, experiment: store.Experiment) -> None:
    """Starting: deploy the shadow variant beside the source variant, then Running (or Cancelled)."""
    experiment.set_status(store.STARTING)
    endpoint = backend.endpoints.get(experiment.endpoint_name)
    if endpoint is None or endpoint.endpoint_status != "InService":
        status = "no longer exists" if endpoint is None else f"is {endpoint.endpoint_status}"
        experiment.set_status(
            store.CANCELLED, f"Endpoint {experiment.endpoint_name} {status}; nothing deployed."
        )
        return
    experiment.prior_config_name = endpoint.endpoint_config_name
    experiment.variant_status = {experiment.source_variant: store.VARIANT_IN_SERVICE}
    experiment.variant_status[experiment.shadow_variant] = store.VARIANT_CREATING
    try:
        config_name = _deploy_config(backend, experiment)
    except ServiceException as error:  # e.g. a model deleted since the experiment was created
        experiment.set_status(store.CANCELLED, f"The shadow variant could not be deployed: {error.message}")
        return
    experiment.experiment_config_name = config_name

    def deployed() -> None:
        with LOCK:
            _deployed()

    def _deployed() -> None:
        if endpoint.endpoint_config_name == config_name:
            experiment.variant_status[experiment.shadow_variant] = store.VARIANT_IN_SERVICE
            experiment.set_status(store.RUNNING)
            reconcile(backend, experiment)  # a schedule that ended while starting ends now
        else:
            experiment.variant_status[experiment.shadow_variant] = store.VARIANT_DELETED
            experiment.set_status(
                store.CANCELLED,
                f"The shadow variant could not be deployed: {endpoint.failure_reason or 'the update failed'}",
            )

    _update_endpoint(backend, experiment, config_name, deployed)


def _deploy_config(backend: Any, experiment: store.Experiment) -> str:
    """Create the endpoint config that holds the source and the shadow variant."""
    prior = backend.endpoint_configs.get(experiment.prior_config_name)
    name = _config_name(experiment.endpoint_name, experiment.token, "ie")
    capture = _capture_config(experiment.data_storage) if experiment.data_storage else None
    shadow = _production_variant(experiment.variants[experiment.shadow_variant])
    backend.validate_production_variants([shadow])  # its model still exists, as CreateEndpointConfig checks
    config = backend.create_endpoint_config(
        endpoint_config_name=name,
        production_variants=[_production_variant(experiment.variants[experiment.source_variant])],
        data_capture_config=capture or (prior.data_capture_config if prior is not None else None),
        async_inference_config=None,
        tags=[],
        kms_key_id=experiment.kms_key,
    )
    setattr(config, SHADOW_ATTRIBUTE, [shadow])
    setattr(config, SAMPLING_ATTRIBUTE, experiment.sampling_percentage)
    return name


def set_sampling(backend: Any, experiment: store.Experiment) -> None:
    """A running experiment's new SamplingPercentage takes effect on its endpoint config."""
    config = backend.endpoint_configs.get(experiment.experiment_config_name or "")
    if config is not None:
        setattr(config, SAMPLING_ATTRIBUTE, experiment.sampling_percentage)


def stop(
    backend: Any,
    experiment: store.Experiment,
    actions: dict[str, str],
    desired_state: str,
    reason: str | None,
    desired_variants: list[dict[str, Any]] | None = None,
) -> None:
    """Stopping: put the endpoint where the actions say, then Completed or Cancelled.

    Raises ConflictException, changing nothing, while the endpoint is busy with another update."""
    shadow_action = actions.get(experiment.shadow_variant, REMOVE)
    endpoint = backend.endpoints.get(experiment.endpoint_name)
    serving_experiment = (
        endpoint is not None and endpoint.endpoint_config_name == experiment.experiment_config_name
    )
    needs_update = serving_experiment and shadow_action in (PROMOTE, REMOVE)
    if needs_update and endpoint.endpoint_status != "InService":
        raise ConflictException(
            f"Endpoint {experiment.endpoint_name} is {endpoint.endpoint_status}; inference experiment "
            f"{experiment.name} can stop once it is InService again."
        )
    target: str | None = None
    if needs_update and shadow_action == PROMOTE:
        target = _promoted_config(backend, experiment, desired_variants or [])
    elif needs_update:
        target = _restored_config(backend, experiment)
    experiment.set_status(store.STOPPING)
    source_status, shadow_status = {
        PROMOTE: (store.VARIANT_DELETED, store.VARIANT_IN_SERVICE),
        REMOVE: (store.VARIANT_IN_SERVICE, store.VARIANT_DELETED),
        RETAIN: (store.VARIANT_IN_SERVICE, store.VARIANT_IN_SERVICE),
    }[shadow_action]

    def stopped() -> None:
        with LOCK:
            _stopped()

    def _stopped() -> None:
        if endpoint is not None and target is not None and endpoint.endpoint_config_name != target:
            failure = f"The endpoint could not be updated: {endpoint.failure_reason or 'the update failed'}"
            experiment.set_status(desired_state, " ".join(filter(None, [reason, failure])))
            return
        if experiment.variant_status:  # the experiment had started
            experiment.variant_status = {
                experiment.source_variant: source_status,
                experiment.shadow_variant: shadow_status,
            }
        experiment.set_status(desired_state, reason)

    if target is None:
        CLOCK.schedule(stopped)
    else:
        _update_endpoint(backend, experiment, target, stopped)


def _promoted_config(backend: Any, experiment: store.Experiment, desired: list[dict[str, Any]]) -> str:
    """One production variant: the shadow's model, sized as DesiredModelVariants says (else as it ran)."""
    wanted = {v["VariantName"]: v for v in desired}
    variant = wanted.get(experiment.shadow_variant, experiment.variants[experiment.shadow_variant])
    prior = backend.endpoint_configs.get(experiment.prior_config_name or "")
    name = _config_name(experiment.endpoint_name, experiment.token, "promoted")
    if name in backend.endpoint_configs:  # a stop retried after the endpoint was busy
        return name
    backend.create_endpoint_config(
        endpoint_config_name=name,
        production_variants=[_production_variant(variant)],
        data_capture_config=prior.data_capture_config if prior is not None else None,
        async_inference_config=None,
        tags=[],
        kms_key_id=prior.kms_key_id if prior is not None else None,
    )
    return name


def _restored_config(backend: Any, experiment: store.Experiment) -> str | None:
    """The config the endpoint served before the experiment, if it still exists."""
    if experiment.prior_config_name in backend.endpoint_configs:
        return experiment.prior_config_name
    _log.warning(
        "inference experiment %s: endpoint config %s was deleted; the endpoint keeps the experiment's",
        experiment.name,
        experiment.prior_config_name,
    )
    return None


def _update_endpoint(backend: Any, experiment: store.Experiment, config_name: str, then: Any) -> None:
    """UpdateEndpoint to ``config_name``; ``then`` runs once the update has finished (or failed)."""
    backend.update_endpoint(experiment.endpoint_name, config_name)
    CLOCK.schedule(then)  # after the update's own transition, which was scheduled first


def _production_variant(variant: dict[str, Any]) -> dict[str, Any]:
    """A ModelVariantConfig as a ProductionVariant of an endpoint config."""
    real_time = variant["InfrastructureConfig"]["RealTimeInferenceConfig"]
    return {
        "VariantName": variant["VariantName"],
        "ModelName": variant["ModelName"],
        "InstanceType": real_time["InstanceType"],
        "InitialInstanceCount": real_time["InstanceCount"],
        "InitialVariantWeight": 1.0,
    }


def _capture_config(storage: dict[str, Any]) -> dict[str, Any]:
    """DataStorageConfig as the endpoint's DataCaptureConfig: every request and response."""
    capture: dict[str, Any] = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": storage["Destination"],
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    if storage.get("KmsKey"):
        capture["KmsKeyId"] = storage["KmsKey"]
    if storage.get("ContentType"):
        capture["CaptureContentTypeHeader"] = storage["ContentType"]
    return capture


def _config_name(endpoint_name: str, token: str, kind: str) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:10]
    return f"{endpoint_name[: 63 - len(kind) - 12]}-{kind}-{digest}"


def shadow_of_config(config: Any) -> tuple[dict[str, Any] | None, int]:
    """(the config's shadow variant, the percentage of requests it receives) or (None, 0)."""
    shadows = shadow_variants_of(config)
    if not shadows:
        return None, 0
    # A shadow variant of a config no experiment made receives every request: see the shadow_variants patch.
    return shadows[0], int(getattr(config, SAMPLING_ATTRIBUTE, 100))


def updated(backend: Any, experiment: store.Experiment, previous: str) -> None:
    """Updating -> the status it had, once the clock runs it (then started or ended if the schedule says)."""

    def finish() -> None:
        with LOCK:
            if experiment.status == store.UPDATING:
                experiment.set_status(previous)
                reconcile(backend, experiment)

    CLOCK.schedule(finish)
