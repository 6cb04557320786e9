from __future__ import annotations

import sys

from llmeter_bar.entry import main

sys.exit(main())
