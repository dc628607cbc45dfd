from __future__ import annotations

from nbgate.main import main

raise SystemExit(main())
