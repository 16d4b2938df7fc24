"""Rasa's LogisticRegressionClassifier with the inverse regularisation strength C configurable.

Rasa 3.6 fixes C at scikit-learn's default 1.0. On this project's raw count features that
under-fits: confidences come out flat, so too many in-scope messages fall below the fallback
threshold (and below the application's own nlu.clarify_below). Everything else (features,
class weights, persistence) is Rasa's. Referenced from the candidate
configs beside it by module path (Rasa puts its working directory, the repository root, on
sys.path). Not in the shipped pipeline (docs/nlu.md, issue 14); were it ever adopted, it must move
under nlu_data/ so that a change to it changes the model's fingerprint (scripts/nlu_model.py).
"""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TunedLogisticRegressionClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.C = float(self.config["C"])

