"""The Q-method analysis engine: numpy in, numbers out. Imports nothing from ``qsort``."""
