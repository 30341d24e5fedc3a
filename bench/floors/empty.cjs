// Nothing: what `-r` costs by itself.
