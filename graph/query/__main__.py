"""A query worker process: ``python -m climatekg.graph.query FD CONFIG_JSON`` (started by the pool)."""

import json
import sys
from multiprocessing.connection import Connection

from .worker import main

main(Connection(int(sys.argv[1])), json.loads(sys.argv[2]))
