"""Short, type-checked usage snippets: the docs include them and draw their diagrams from them."""
