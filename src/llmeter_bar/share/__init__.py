"""Sharing over an MQTT broker: one fetch for all of a user's machines, pushed
to watchers, and published for Home Assistant.

``settings.py`` reads ``[share]`` and the broker password; ``identity.py`` turns
a vendor account id into a keyed hash (the account key in every topic);
``wire.py`` builds and checks messages (everything received is hostile until
checked); ``client.py`` is the only module that imports aiomqtt; ``exchange.py``
takes a fresh record before a fetch and publishes after one; ``hooks.py`` is
what fetch/ calls; ``listen.py`` feeds ``--watch``; ``homeassistant.py`` the
discovery configs; ``status.py`` backs ``share status`` and ``share forget``.

May import store/, fetch/, providers/, config, logs and models; never render/.
Nothing here is imported by a render: aiomqtt is imported inside functions of
client.py, called by the background refresher, watchers and commands.
"""
