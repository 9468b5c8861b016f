"""PowerLens: analytics warehouse for the customer side of an electric power utility."""

__version__ = "0.1.0"
