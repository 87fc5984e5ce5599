"""wampbox-conform: the conformance runner for WAMP-cryptobox implementations."""

__version__ = "1.0.0"
