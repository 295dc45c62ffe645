"""The ``inference_experiments`` patch: shadow tests, as the SageMaker API reference documents them.

Create/Describe/List/Start/Stop/Update/DeleteInferenceExperiment (API reference pages of those names), Type
``ShadowMode`` only. The statuses and what each does to the endpoint are ``experiment_lifecycle``'s, what a
request may not ask ``experiment_rules``'s. The API reference, per operation:

- Start: "Starts an inference experiment" (a ``Created`` one: StartInferenceExperiment lists
  ConflictException); the developer guide ("Start a shadow test early"): "If the new duration of the test
  exceeds 30 days, SageMaker automatically sets the end of the test to 30 days after the new start time".
- Stop: ``ModelVariantActions`` maps variant names to ``Promote`` ("Promote the shadow variant to a production
  variant"), ``Remove`` ("Delete the variant") or ``Retain`` ("Keep the variant as it is"); ``DesiredState``
  ``Completed`` or ``Cancelled``; ``Reason`` becomes the StatusReason ("the error message or client-specified
  Reason from the StopInferenceExperiment API"). Silent, and chosen here: a Running or Created experiment can
  stop (ConflictException otherwise); a variant without an action keeps the default end of a test (the shadow
  removed, the production variant kept); the production variant cannot be promoted, nor removed unless the
  shadow is promoted in its place; DesiredState defaults to ``Completed``.
- Update: "The status of the inference experiment has to be either Created, Running"; Updating while it
  changes.
- Delete: "This operation only deletes the metadata of your experiment"; ConflictException (listed, when not
  said) for one still Creating, Updating, Starting, Running or Stopping.
- List: the filters NameContains, Type, StatusEquals and the four time bounds, SortBy Name / CreationTime /
  Status (default CreationTime, silent) and SortOrder (default Descending), paged by moto's paginator.

moto 5.2.5 has none of these operations.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.sagemaker.exceptions import ConflictException, ResourceInUseException, ValidationError
from moto.sagemaker.models import SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.paginator import paginate

from modelops.local.lock import LOCK
from modelops.local.patches import experiment_lifecycle as lifecycle
from modelops.local.patches import experiment_rules as rules
from modelops.local.patches import experiment_store as store
from modelops.local.patches import paging
from modelops.local.patches.patch import Patch, PatchGroup

_ACTIONS = (lifecycle.PROMOTE, lifecycle.REMOVE, lifecycle.RETAIN)
_SORT_BY = {"Name": lambda e: e.name, "CreationTime": lambda e: e.created, "Status": lambda e: e.status}
_PAGINATION = {
    "paged_experiments": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": paging.MAX_MAX_RESULTS,
        "unique_attribute": "name",
    }
}


def _create(self: Any) -> ActionResult:
    backend, p = self.sagemaker_backend, self._get_param
    name = str(p("Name"))
    with LOCK:
        if name in store.experiments(backend):
            raise ResourceInUseException(
                f"Inference experiment {store.arn_of(backend, name)} already exists."
            )
        rules.check_type(p("Type"))
        variants, shadow_mode = list(p("ModelVariants") or []), dict(p("ShadowModeConfig") or {})
        rules.check_variants(backend, variants, shadow_mode)
        rules.check_endpoint(backend, str(p("EndpointName")), str(shadow_mode["SourceModelVariantName"]))
        created = store.now()
        start, end = rules.schedule(p("Schedule"), created)
        experiment = store.Experiment(
            name=name,
            arn=store.arn_of(backend, name),
            endpoint_name=str(p("EndpointName")),
            role_arn=str(p("RoleArn")),
            variants={v["VariantName"]: v for v in variants},
            shadow_mode=shadow_mode,
            start=start,
            end=end,
            description=p("Description"),
            data_storage=p("DataStorageConfig"),
            kms_key=p("KmsKey"),
            tags=list(p("Tags") or []),
            created=created,
            modified=created,
        )
        store.experiments(backend)[name] = experiment
        lifecycle.created(backend, experiment)
    return ActionResult({"InferenceExperimentArn": experiment.arn})


def _describe(self: Any) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        return ActionResult(store.get(backend, str(self._get_param("Name"))).describe(backend))


def _start(self: Any) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        experiment = store.get(backend, str(self._get_param("Name")))
        if experiment.status != store.CREATED:
            raise ConflictException(
                f"Inference experiment {experiment.name} is {experiment.status}; only a Created one can start."
            )
        experiment.start = store.now()
        experiment.end = min(experiment.end, experiment.start + store.MAX_DURATION)
        lifecycle.start(backend, experiment)
    return ActionResult({"InferenceExperimentArn": experiment.arn})


def _stop(self: Any) -> ActionResult:
    backend, p = self.sagemaker_backend, self._get_param
    with LOCK:
        experiment = store.get(backend, str(p("Name")))
        if experiment.status not in (store.CREATED, store.RUNNING):
            raise ConflictException(
                f"Inference experiment {experiment.name} is {experiment.status}; only a Running or Created one "
                "can stop."
            )
        actions = _variant_actions(experiment, dict(p("ModelVariantActions") or {}))
        desired = p("DesiredState") or store.COMPLETED
        if desired not in store.FINAL_STATUSES:
            raise ValidationError(
                f"Value '{desired}' at 'desiredState' failed to satisfy constraint: Member must satisfy enum "
                f"value set: [{', '.join(store.FINAL_STATUSES)}]"
            )
        desired_variants = list(p("DesiredModelVariants") or [])
        for variant in desired_variants:
            if variant.get("VariantName") not in experiment.variants:
                raise ValidationError(
                    f"DesiredModelVariants names {variant.get('VariantName')!r}, not a variant of inference "
                    f"experiment {experiment.name}."
                )
            rules.check_variant(backend, variant)
        lifecycle.stop(backend, experiment, actions, desired, p("Reason"), desired_variants)
    return ActionResult({"InferenceExperimentArn": experiment.arn})


def _variant_actions(experiment: store.Experiment, requested: dict[str, str]) -> dict[str, str]:
    for variant, action in requested.items():
        if variant not in experiment.variants:
            raise ValidationError(
                f"ModelVariantActions names {variant!r}, not a variant of inference experiment {experiment.name}."
            )
        if action not in _ACTIONS:
            raise ValidationError(
                f"Value '{action}' at 'modelVariantActions' failed to satisfy constraint: Member must satisfy "
                f"enum value set: [{', '.join(_ACTIONS)}]"
            )
    shadow = requested.get(experiment.shadow_variant, lifecycle.REMOVE)
    source = requested.get(experiment.source_variant, lifecycle.RETAIN)
    if source == lifecycle.PROMOTE:
        raise ValidationError(f"Variant {experiment.source_variant} is the production variant already.")
    if source == lifecycle.REMOVE and shadow != lifecycle.PROMOTE:
        raise ValidationError(
            f"Removing production variant {experiment.source_variant} needs the shadow variant promoted in "
            "its place; the endpoint would serve nothing."
        )
    if shadow == lifecycle.PROMOTE and experiment.status != store.RUNNING:
        raise ValidationError(
            f"Inference experiment {experiment.name} never ran; there is no shadow to promote."
        )
    return {experiment.source_variant: source, experiment.shadow_variant: shadow}


def _update(self: Any) -> ActionResult:
    backend, p = self.sagemaker_backend, self._get_param
    with LOCK:
        experiment = store.get(backend, str(p("Name")))
        previous = experiment.status
        if previous == store.CREATED:
            _update_scheduled(backend, experiment, p)
        elif previous == store.RUNNING:
            _update_running(backend, experiment, p)
        else:
            raise ConflictException(
                f"Inference experiment {experiment.name} is {previous}; only a Created or Running one can be "
                "updated."
            )
        if p("Description") is not None:
            experiment.description = p("Description")
        experiment.set_status(store.UPDATING)
        lifecycle.updated(backend, experiment, previous)
    return ActionResult({"InferenceExperimentArn": experiment.arn})


def _update_scheduled(backend: Any, experiment: store.Experiment, p: Any) -> None:
    """Before it starts everything may change, checked as at creation (the endpoint it runs on excepted)."""
    variants = list(p("ModelVariants") or experiment.variants.values())
    shadow_mode = dict(p("ShadowModeConfig") or experiment.shadow_mode)
    rules.check_variants(backend, variants, shadow_mode)
    requested = p("Schedule") or {}
    start = (
        store.as_time(requested["StartTime"]) if requested.get("StartTime") is not None else experiment.start
    )
    end = store.as_time(requested["EndTime"]) if requested.get("EndTime") is not None else experiment.end
    rules.check_window(start, end)
    experiment.variants = {v["VariantName"]: v for v in variants}
    experiment.shadow_mode = shadow_mode
    experiment.start, experiment.end = start, end
    if p("DataStorageConfig") is not None:
        experiment.data_storage = p("DataStorageConfig")


def _update_running(backend: Any, experiment: store.Experiment, p: Any) -> None:
    request = {m: p(m) for m in ("ModelVariants", "DataStorageConfig", "Schedule", "ShadowModeConfig")}
    rules.check_update_while_running(experiment, request)
    end = (request["Schedule"] or {}).get("EndTime")
    if end is not None:
        rules.check_window(experiment.start, store.as_time(end))
        experiment.end = store.as_time(end)
    if request["ShadowModeConfig"] is not None:
        shadow_mode = dict(request["ShadowModeConfig"])
        rules.check_variants(backend, list(experiment.variants.values()), shadow_mode)
        experiment.shadow_mode = shadow_mode
        lifecycle.set_sampling(backend, experiment)


def _delete(self: Any) -> ActionResult:
    backend = self.sagemaker_backend
    with LOCK:
        experiment = store.get(backend, str(self._get_param("Name")))
        if not experiment.finished and experiment.status != store.CREATED:
            raise ConflictException(
                f"Inference experiment {experiment.name} is {experiment.status}; stop it before deleting it."
            )
        del store.experiments(backend)[experiment.name]
    return ActionResult({"InferenceExperimentArn": experiment.arn})


def _list(self: Any) -> ActionResult:
    backend, p = self.sagemaker_backend, self._get_param
    sort_by = p("SortBy") or "CreationTime"
    if sort_by not in _SORT_BY:
        raise paging.constraint(
            sort_by, "sortBy", f"Member must satisfy enum value set: [{', '.join(_SORT_BY)}]"
        )
    order = paging.sort_order(p("SortOrder"))
    limit = paging.max_results(p("MaxResults"), paging.MAX_MAX_RESULTS)
    with LOCK:
        chosen = [e for e in store.experiments(backend).values() if _selected(e, p)]
    chosen.sort(key=_SORT_BY[sort_by], reverse=order == "Descending")
    query = {m: str(p(m)) for m in ("NameContains", "Type", "StatusEquals", "SortBy", "SortOrder")}
    with paging.tokens_of("ListInferenceExperiments", "filters and sort"):
        page, token = paged_experiments(chosen, max_results=limit, next_token=p("NextToken"), **query)
    response: dict[str, Any] = {"InferenceExperiments": [e.summary() for e in page]}
    if token:
        response["NextToken"] = token
    return ActionResult(response)


def _selected(experiment: store.Experiment, p: Any) -> bool:
    bounds = (
        ("CreationTimeAfter", experiment.created, 1),
        ("CreationTimeBefore", experiment.created, -1),
        ("LastModifiedTimeAfter", experiment.modified, 1),
        ("LastModifiedTimeBefore", experiment.modified, -1),
    )
    for member, moment, side in bounds:
        bound = p(member)
        if bound is not None and (moment - store.as_time(bound)).total_seconds() * side <= 0:
            return False
    return (
        (not p("NameContains") or str(p("NameContains")) in experiment.name)
        and (not p("Type") or p("Type") == store.SHADOW_MODE)
        and (not p("StatusEquals") or p("StatusEquals") == experiment.status)
    )


@paginate(pagination_model=_PAGINATION)
def paged_experiments(experiments: list[store.Experiment], **query: Any) -> list[store.Experiment]:
    # The query's members only reach moto's paginator, which checks that a token comes back with the same.
    return experiments


def call_action(original: Any, self: Any) -> Any:
    """Before any SageMaker or SageMaker Runtime call answers, experiments whose schedule began start and
    those whose schedule ended complete (AWS does it on its own; here the next call does it)."""
    if self.service_name in ("sagemaker", "sagemaker-runtime"):
        lifecycle.reconcile_all(sagemaker_backends[self.current_account][self.region])
    return original(self)


def resource_from_arn(original: Any, self: Any, arn: str) -> Any:
    """AddTags/ListTags/DeleteTags on an inference experiment's ARN."""
    if ":inference-experiment/" in arn:
        name = arn.split("/", 1)[1]
        found = next((e for e in store.experiments(self).values() if e.name.lower() == name.lower()), None)
        if found is None:
            raise ValidationError(f"Could not find inference-experiment with name {name}")
        return found
    return original(self, arn)


_REFERENCE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_{}.html"
OPERATIONS = (
    *(f"{verb}InferenceExperiment" for verb in ("Create", "Describe", "Start", "Stop", "Update", "Delete")),
    "ListInferenceExperiments",
)

GROUP = PatchGroup(
    name="inference_experiments",
    behaviour="shadow tests: Create/Describe/List/Start/Stop/Update/DeleteInferenceExperiment with their "
    "statuses and validation; the experiment deploys its shadow variant on the endpoint and ends by removing, "
    "retaining or promoting it",
    operations=OPERATIONS,
    references=(
        *(_REFERENCE.format(operation) for operation in OPERATIONS),
        "https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-create.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-view-monitor-edit.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-complete.html",
    ),
    build=lambda: [
        Patch(SageMakerResponse, "create_inference_experiment", _create),
        Patch(SageMakerResponse, "describe_inference_experiment", _describe),
        Patch(SageMakerResponse, "list_inference_experiments", _list),
        Patch(SageMakerResponse, "start_inference_experiment", _start),
        Patch(SageMakerResponse, "stop_inference_experiment", _stop),
        Patch(SageMakerResponse, "update_inference_experiment", _update),
        Patch(SageMakerResponse, "delete_inference_experiment", _delete),
        Patch(SageMakerModelBackend, "_get_resource_from_arn", resource_from_arn, wraps=True),
        Patch(BaseResponse, "call_action", call_action, wraps=True),
    ],
)
