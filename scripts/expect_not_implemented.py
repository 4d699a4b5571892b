#!/usr/bin/env python3
"""Reads one `mldrill check --format json` report on stdin and fails unless every task is
`not_implemented`: what an untouched stub must give (a crash or a build error must not
pass the demo)."""
import json
import sys

report = json.load(sys.stdin)
wrong = [f"{task['id']}: {task['status']}" for task in report["tasks"] if task["status"] != "not_implemented"]
if wrong:
    sys.exit(f"demo: every task of the untouched {report['exercise']} stub should be not_implemented; got {', '.join(wrong)}")
