"""Run the command line as ``python -m crowdpulse``."""

from crowdpulse.cli import main

main()
