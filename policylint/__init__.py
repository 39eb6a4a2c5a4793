"""policylint: lint workforce policy documents against a model of best
practice for employing peer (Lived Experience) workers."""

__version__ = "0.1.0"
