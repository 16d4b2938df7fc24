"""Rasa's LogisticRegressionClassifier with C configurable and, optionally, scaled features.

Rasa 3.6 fixes C at scikit-learn's default 1.0. On this project's raw count features that
under-fits: confidences come out flat, so too many in-scope messages fall below the fallback
threshold (and below the application's own nlu.clarify_below). `C` sets it.

`sublinear_l2: true` scales each message's sparse features as TF-IDF's sublinear and
length normalisation do (1 + log(count), then each row to unit length): a long message that
tells a story (many words, none of them a complaint word) then weighs no more than a short
one, and a character that repeats does not outvote the rest. The same scaling is applied in
training and at parse time, so nothing is stored beyond Rasa's own model.

`temperature` (default 1: scikit-learn's probabilities) divides the classifier's scores before
the softmax: below 1 it sharpens the confidences without changing which intent ranks first. It
puts the linear model's confidences on the scale the application's thresholds were set on
(nlu.clarify_below, the form and contrast rules); scripts/nlu_temperature.py chooses it from
cross-validation records (docs/nlu.md).

Everything else (features, class weights, persistence) is Rasa's. Referenced from the pipeline
config by module path (Rasa puts its working directory, the repository root, on sys.path);
scripts/nlu_model.py hashes this file into the model's fingerprint.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

import numpy as np
from scipy.sparse import csr_matrix
from scipy.special import softmax
from sklearn.preprocessing import normalize

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TunedLogisticRegressionClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "sublinear_l2": False,
                "temperature": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage,
                 resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.C = float(self.config["C"])

    # Feature columns present in more than this share of the training messages carry no evidence
    # (char_wb's word-boundary padding is in every message): a message with only those is unknown.
    COMMON_SHARE = 0.5

    def train(self, training_data: TrainingData) -> Resource:
        X, _ = self._create_training_matrix(training_data)
        self.common = np.flatnonzero(np.asarray((X != 0).sum(axis=0)).ravel() > self.COMMON_SHARE * max(1, X.shape[0]))
        return super().train(training_data)      # fits and persists (our persist keeps `common` too)

    def persist(self) -> None:
        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            np.save(model_dir / f"{self._resource.name}.common.npy", getattr(self, "common", np.array([], dtype=int)))

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TunedLogisticRegressionClassifier":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as model_dir:
                component.common = np.load(model_dir / f"{resource.name}.common.npy")
        except (ValueError, OSError):
            component.common = np.array([], dtype=int)
        return component

    def _knows_nothing_of(self, X: csr_matrix) -> bool:
        """No feature columns at all (an empty text), or only those nearly every message has
        (symbols, emoji or characters never seen in training): the scores would be the intercepts
        alone, a confident guess of whichever intent is commonest."""
        if X.shape[1] != self.clf.n_features_in_:
            return True
        return not np.setdiff1d(X.indices, getattr(self, "common", np.array([], dtype=int))).size

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        super().validate_config(config)
        if float(config.get("temperature", 1.0)) <= 0:
            raise ValueError("TunedLogisticRegressionClassifier: temperature must be above 0")

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        X = csr_matrix(super()._create_X(messages), dtype=np.float64)
        if not self.config.get("sublinear_l2") or X.shape[1] == 0:
            return X
        X.data = 1.0 + np.log(np.maximum(X.data, 1e-12))  # counts >= 1; regex hits are 1
        return normalize(X, norm="l2", copy=False)

    def process(self, messages: List[Message]) -> List[Message]:
        temperature = float(self.config.get("temperature", 1.0))
        limit = self.config[RANKING_LENGTH]
        for message in messages:       # one at a time: an empty text has no feature columns at all
            X = self._create_X([message])
            if self._knows_nothing_of(X):
                # no intent, so that the FallbackClassifier says nlu_fallback
                message.set("intent", {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
                continue
            scores = np.atleast_1d(self.clf.decision_function(X)[0])
            if len(self.clf.classes_) == 2:
                scores = np.array([0.0, scores[0]])   # binary: P(second class) = sigmoid(score)
            # multinomial logistic regression: predict_proba is softmax(decision_function)
            probas = softmax(scores / temperature)
            ranking = sorted(({"name": name, "confidence": float(p)} for name, p in zip(self.clf.classes_, probas)),
                             key=lambda e: -e["confidence"])
            message.set("intent", ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[:limit] if limit > 0 else ranking, add_to_output=True)
        return messages
