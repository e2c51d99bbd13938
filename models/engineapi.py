"""The serving engines' HTTP APIs a remote backend speaks: llama.cpp's ``llama-server``
(``/completion`` with ``n_probs``) and an OpenAI-compatible ``/v1/completions`` (vLLM's
``return_tokens_as_token_ids``): how to describe the model, tokenize, ask for a stream of
steps, and read one step's token and top log-probabilities."""

from __future__ import annotations

import logging
from typing import Any

from pied.models.enginelink import EngineError, EngineLink

log = logging.getLogger("pied.remote")

TOP = 32  # log-probabilities asked per step: enough for alternatives and byte-level steps


class Api:
    """What differs between engines' APIs: where things are and how answers look."""

    completion_path = "/completion"

    def describe(self, link: EngineLink, n_ctx: int) -> tuple[str, int]:
        """The served model's name and the context size it gives a request."""
        raise NotImplementedError

    def tokenize(self, link: EngineLink, text: str, model: str) -> list[int] | None:
        """The engine's tokens for ``text`` (None: it cannot say)."""
        raise NotImplementedError

    def body(self, context: list[int], n_predict: int, model: str) -> dict[str, Any]:
        raise NotImplementedError

    def step(self, event: dict[str, Any]) -> tuple[int, list[tuple[int, float]]] | None:
        """The token an event carries and the distribution it was picked from."""
        raise NotImplementedError


class LlamaServerApi(Api):
    """llama.cpp's own API: /props, /tokenize, /completion with token ids and n_probs."""

    def describe(self, link: EngineLink, n_ctx: int) -> tuple[str, int]:
        props = link.call("GET", "/props")
        if not isinstance(props, dict):
            raise EngineError(f"The engine at {link.url} sent a malformed answer to /props.")
        served = str(props.get("model_alias") or props.get("model_path") or "")
        settings = props.get("default_generation_settings")
        size = settings.get("n_ctx") if isinstance(settings, dict) else None
        if not isinstance(size, int) or size <= 0:
            raise EngineError(f"The engine at {link.url} did not say its context size (/props).")
        return served, size

    def tokenize(self, link: EngineLink, text: str, model: str) -> list[int] | None:
        return _tokens_of(link.call("POST", "/tokenize", {"content": text, "add_special": False}))

    def body(self, context: list[int], n_predict: int, model: str) -> dict[str, Any]:
        return {
            "prompt": context,
            "n_predict": n_predict,
            "stream": True,
            "cache_prompt": True,
            "temperature": 0,
            "n_probs": TOP,
            "return_tokens": True,
            "timings_per_token": True,  # each event says how much of the prompt was cached
        }

    def step(self, event: dict[str, Any]) -> tuple[int, list[tuple[int, float]]] | None:
        steps = event.get("completion_probabilities")
        return _with_ids(steps[0]) if isinstance(steps, list) and steps else None


class OpenAiApi(Api):
    """OpenAI-compatible /v1/completions (vLLM; llama-server's too): a token-id prompt,
    ``logprobs`` (vLLM's ``return_tokens_as_token_ids`` names tokens by id)."""

    completion_path = "/completions"
    top = 20  # vLLM's most

    def describe(self, link: EngineLink, n_ctx: int) -> tuple[str, int]:
        answer = link.call("GET", "/models")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise EngineError(f"The engine at {link.url} lists no model (/models).")
        first = data[0]
        size = first.get("max_model_len") or (first.get("meta") or {}).get("n_ctx")
        return str(first.get("id", "")), size if isinstance(size, int) and size > 0 else n_ctx

    def tokenize(self, link: EngineLink, text: str, model: str) -> list[int] | None:
        body = {"model": model, "prompt": text, "content": text, "add_special_tokens": False}
        body["add_special"] = False
        try:
            answer = link.at_root().call("POST", "/tokenize", body)
        except EngineError as e:
            log.warning("the engine's tokenizer cannot be checked: %s", e)
            return None
        return _tokens_of(answer)

    def body(self, context: list[int], n_predict: int, model: str) -> dict[str, Any]:
        return {
            "model": model,
            "prompt": context,
            "max_tokens": n_predict,
            "stream": True,
            "temperature": 0,
            "logprobs": self.top,
            "return_tokens_as_token_ids": True,
            # The prefix cache's share, in each chunk (the stream is closed before its end).
            "stream_options": {"include_usage": True, "continuous_usage_stats": True},
        }

    def step(self, event: dict[str, Any]) -> tuple[int, list[tuple[int, float]]] | None:
        choices = event.get("choices")
        logprobs = choices[0].get("logprobs") if isinstance(choices, list) and choices else None
        if not isinstance(logprobs, dict):
            return None
        content = logprobs.get("content")
        if isinstance(content, list):  # llama-server's shape: ids given
            return _with_ids(content[0]) if content else None
        tokens, tops = logprobs.get("tokens"), logprobs.get("top_logprobs")
        if not isinstance(tokens, list) or not tokens or not isinstance(tops, list) or not tops:
            return None
        try:  # the classic shape, tokens named "token_id:N"
            token = _token_id(tokens[0])
            return token, [(_token_id(k), float(v)) for k, v in tops[0].items()]
        except (AttributeError, TypeError, ValueError):
            raise EngineError(
                "The engine named tokens by text, not id: it needs vLLM's "
                'return_tokens_as_token_ids (or use engine_api = "llama-server").'
            ) from None


APIS: dict[str, Api] = {"llama-server": LlamaServerApi(), "openai": OpenAiApi()}


def _tokens_of(answer: Any) -> list[int]:
    """The tokens of a /tokenize answer (none, if it holds none: then they differ)."""
    tokens = answer.get("tokens") if isinstance(answer, dict) else None
    return tokens if isinstance(tokens, list) else []


def _token_id(name: str) -> int:
    if not name.startswith("token_id:"):
        raise ValueError(name)
    return int(name[len("token_id:") :])


def _with_ids(step: Any) -> tuple[int, list[tuple[int, float]]]:
    try:
        token = int(step["id"])
        top = [(int(e["id"]), float(e["logprob"])) for e in step["top_logprobs"]]
    except (KeyError, TypeError, ValueError):
        raise EngineError("The engine sent a malformed token probability.") from None
    return token, top
