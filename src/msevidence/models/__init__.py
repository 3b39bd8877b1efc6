"""Models layer: computation only (survival, walking). Results are typed; plotting is lazy."""
