from journey.cli import main

raise SystemExit(main())
