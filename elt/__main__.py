from elt.cli import main

raise SystemExit(main())
