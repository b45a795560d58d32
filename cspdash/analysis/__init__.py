"""Pure analysis functions over DataFrames: SPC, Poisson change, hot spots, RAG rules, harm."""
