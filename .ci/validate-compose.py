#!/usr/bin/env python3
"""Checks a compose file offline: against the Compose Specification's JSON
schema (vendored in deploy/schemas/compose-spec.json), and that every local
file it mounts or builds from exists.

    validate-compose.py deploy/compose.yaml
"""
import json
import pathlib
import sys

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"


def main(path: str) -> int:
    compose_file = pathlib.Path(path).resolve()
    base = compose_file.parent
    doc = yaml.safe_load(compose_file.read_text())
    failures = []
    schema = json.loads(SCHEMA.read_text())
    for e in jsonschema.Draft7Validator(schema).iter_errors(doc):
        where = ".".join(str(p) for p in e.absolute_path) or "(top)"
        failures.append(f"{where}: {e.message}")
    for name, service in (doc.get("services") or {}).items():
        build = service.get("build")
        if isinstance(build, dict):
            context = (base / build.get("context", ".")).resolve()
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            for p in (context, dockerfile):
                if not p.exists():
                    failures.append(f"services.{name}.build: {p} does not exist")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/")) and not (base / source).exists():
                failures.append(f"services.{name}.volumes: {source} does not exist")
    for f in failures:
        print(f"FAIL {path}: {f}")
    if not failures:
        services = ", ".join(doc["services"])
        print(f"ok   {path}: valid against the Compose Specification schema; "
              f"local files present; services: {services}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
