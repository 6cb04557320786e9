"""``llmeter-bar report PROVIDER``: one fetch, its raw replies with every secret,
e-mail, id and token replaced by a placeholder, and what llmeter-bar read from
them, in one file a user can attach to a bug report.

redact.py holds the pure redaction rules; run.py does the fetch (honouring a
429 wait, recording the outcome like any refresh) and writes the file.
Imports models, errors, logs, config, store/, fetch/ and providers (the
registry and providers/http.py's capture hook); never click or render/.
"""
