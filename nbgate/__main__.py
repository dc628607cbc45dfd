from __future__ import annotations

from nbgate.cli.main import main

raise SystemExit(main())
