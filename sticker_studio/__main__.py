from sticker_studio.cli import main

raise SystemExit(main())
