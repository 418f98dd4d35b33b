"""The one function the rest of the product calls: which category, which department, how sure."""
from dataclasses import dataclass, field

from flask import current_app

import db
from routing import registry
from routing.model import Model
from routing.taxonomy import COMMUNICATION


@dataclass(frozen=True)
class Classification:
    category: str
    department: str  # where the case goes: the communication team when the model is unsure
    confidence: float
    model_department: str  # the model's own top department
    explanation: list[str] = field(default_factory=list)
    model_version: str = ""

    @property
    def triaged(self) -> bool:
        return self.department == COMMUNICATION and self.model_department != COMMUNICATION

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "department": self.department,
            "confidence": round(self.confidence, 4),
            "model_department": self.model_department,
            "explanation": self.explanation,
            "model_version": self.model_version,
        }


def classify_with(model: Model, texts: list[str], threshold: float) -> list[Classification]:
    results = []
    for prediction in model.predict(texts):
        confident = prediction.confidence >= threshold
        results.append(
            Classification(
                category=prediction.category,
                department=prediction.department if confident else COMMUNICATION,
                confidence=prediction.confidence,
                model_department=prediction.department,
                explanation=list(prediction.explanation),
                model_version=model.version,
            )
        )
    return results


def classify(text: str) -> Classification:
    model = registry.live_model(db.session())
    return classify_with(model, [text], current_app.config["ROUTING_CONFIDENCE_THRESHOLD"])[0]
