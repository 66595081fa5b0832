"""nlp: normalization, jieba tokens, scikit-learn models and a file-based model registry.

    from nlp import load_classifier, Prediction
    clf = load_classifier(model_dir)      # the active model of the registry in model_dir
    preds = clf.predict(texts, titles=None)
"""

from __future__ import annotations

from pathlib import Path

from nlp.model import Classifier, Prediction

__all__ = ["Classifier", "Prediction", "load_classifier"]


def load_classifier(model_dir: str | Path) -> Classifier:
    """The active model of the registry in model_dir.

    Raises nlp.registry.RegistryError when none is active (see ModelRegistry.ensure_active).
    """
    from nlp.registry import ModelRegistry

    return ModelRegistry(model_dir).load()
