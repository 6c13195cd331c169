"""Graph layer: the store, resource identity, graph builders, metrics and exports."""
