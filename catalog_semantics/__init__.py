"""The semantics layer: catalog + overlay -> semantic model -> linked schema -> prompt context."""
