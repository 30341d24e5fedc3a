// Nothing: what `--import` costs by itself.
