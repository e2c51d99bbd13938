"""The resident engine: owns the model, the documents and their KV cache, and runs jobs."""
