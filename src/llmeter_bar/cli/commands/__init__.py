"""Subcommands of the llmeter-bar CLI, one module each."""
