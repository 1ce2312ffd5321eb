import sys

from idcard.cli import main

sys.exit(main())
