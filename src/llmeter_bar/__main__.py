from __future__ import annotations

import sys

from llmeter_bar.cli.entry import main

sys.exit(main())
