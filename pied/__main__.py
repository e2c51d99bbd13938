from pied.cli.main import main

raise SystemExit(main())
