"""The step scripts. Each runs as ``python3 <script>.py`` in its SageMaker container (or in a local run),
never imported from here: a package only so ``pipelines.steps_dir`` finds them through ``importlib.resources``.
"""
