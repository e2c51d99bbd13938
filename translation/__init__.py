"""Translating code to Python: source-language detection, per-language prompts, clean-up,
splitting long inputs, and running both programs to check the result. Pure but for the
sandboxed runs; the model is driven by ``pied.engine.translate``.
"""
