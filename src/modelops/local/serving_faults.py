"""Deliberately broken serving code, injected by ``modelops local run-pipeline --serving-fault NAME``.

Each fault is appended to the real inference.py, so the version is otherwise identical to a good one,
and neither is caught by the evaluate step (it scores the estimator, not the serving code): exactly the
class of defect a staging endpoint invoked with real requests exists to catch.
"""

from __future__ import annotations

from collections.abc import Mapping

SERVING_FAULTS: Mapping[str, str] = {
    # A numeric defect in serving (say, dividing by a scale that is zero) yields NaN predictions; the
    # shipped output_fn refuses to answer with a non-finite number, so every invocation fails.
    "nan-predictions": (
        "\n\n# Fault injected by `modelops local run-pipeline --serving-fault nan-predictions`.\n"
        "def predict_fn(input_data, model):\n"
        "    return np.full(input_data.shape[0], np.nan)\n"
    ),
    # Serving that answers correctly but slowly (say, a model too large for its instance): every request
    # takes at least 600 ms, over the default 500 ms verification budget, whatever the machine's speed.
    "slow-predictions": (
        "\n\n# Fault injected by `modelops local run-pipeline --serving-fault slow-predictions`.\n"
        "import time as _time  # noqa: E402\n"
        "_correct_predict_fn = predict_fn\n\n\n"
        "def predict_fn(input_data, model):\n"
        "    _time.sleep(0.6)\n"
        "    return _correct_predict_fn(input_data, model)\n"
    ),
    # Serving code that answers plausible but wrong numbers (say, a unit or scaling step applied twice): every
    # prediction is finite and of the right shape, 15% high plus a small offset, so staging's sample checks
    # (well-formed, finite, fast) pass; only comparing it with production on the same requests (a shadow
    # test's agreement check) tells it apart.
    "shifted-predictions": (
        "\n\n# Fault injected by `modelops local run-pipeline --serving-fault shifted-predictions`.\n"
        "_unshifted_predict_fn = predict_fn\n\n\n"
        "def predict_fn(input_data, model):\n"
        "    return _unshifted_predict_fn(input_data, model) * 1.15 + 0.05\n"
    ),
    # Serving code that imports a package the container image does not have: the model never loads.
    "missing-dependency": (
        "\n\n# Fault injected by `modelops local run-pipeline --serving-fault missing-dependency`.\n"
        "import modelops_feature_store  # noqa: E402,F401  (not installed in the serving image)\n"
    ),
}
