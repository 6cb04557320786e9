"""llmeter-bar: AI usage limits and API spend for status bars and prompts."""

__version__ = "0.1.0"
