"""Piano Analytics (AT Internet): visits by ``xtor`` campaign code, from a CSV export."""
