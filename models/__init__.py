"""Inference: the model store, the llama.cpp backend, FIM prompts, sampling and generation.

Only ``pied.models.llamacpp`` imports llama_cpp.
"""
