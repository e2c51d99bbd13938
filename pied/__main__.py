from pied.cli import main

raise SystemExit(main())
