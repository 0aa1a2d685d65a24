"""Scoring results: `score(result, content, styles)` gives distances where lower is better."""
from .score import EVAL_SIZE, SCORES, score

__all__ = ["EVAL_SIZE", "SCORES", "score"]
