#!/usr/bin/env python3
"""Validates Kubernetes manifests offline, failing on anything it cannot check.

    validate-manifests.py -k 1.30.0 [-k 1.34.0 ...] FILE...   (FILE may be -)
    validate-manifests.py --self-test -k 1.30.0

Core kinds go through `kubernetes-validate --strict`, where a "Couldn't find
schema" warning counts as a failure. Custom resources (ServiceMonitor,
PrometheusRule, ScaledObject, TriggerAuthentication) are checked against the
openAPIV3Schema of their published CRDs, vendored in deploy/schemas/, with
unknown fields refused the way the API server prunes/refuses them. Any other
custom kind is a failure: there is nothing to check it against.
CEL rules (x-kubernetes-validations) are not evaluated.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "deploy" / "schemas"


def load_crd_schemas():
    schemas = {}
    for path in SCHEMAS.glob("*_*_v*.json"):
        doc = json.loads(path.read_text())
        api_version = f"{doc['group']}/{doc['version']}"
        schemas[(api_version, doc["kind"])] = to_json_schema(doc["openAPIV3Schema"])
    return schemas


def to_json_schema(node):
    """A CRD's structural schema as JSON Schema: int-or-string, nullable,
    and no unknown fields unless the CRD preserves them."""
    if isinstance(node, list):
        return [to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = out.get("anyOf", []) + [{"type": "integer"}, {"type": "string"}]
    if out.get("nullable"):
        out.pop("nullable")
        if "type" in out:
            out["type"] = [out["type"], "null"]
    if (
        out.get("type") == "object"
        and "additionalProperties" not in out
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        # Structural schemas list every field; anything else would be pruned.
        out["additionalProperties"] = False
        out.setdefault("properties", {})
    return out


def custom_errors(doc, schema):
    errors = []
    meta = doc.get("metadata") or {}
    if not meta.get("name"):
        errors.append("metadata.name: missing")
    body = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind", "metadata")}
    # The CRD schema's top level lists apiVersion/kind/metadata as plain
    # objects/strings; check the rest strictly.
    top = dict(schema)
    top["properties"] = {k: v for k, v in schema.get("properties", {}).items()
                         if k not in ("apiVersion", "kind", "metadata")}
    for e in jsonschema.Draft7Validator(top).iter_errors(body):
        path = ".".join(str(p) for p in e.absolute_path) or "(top)"
        errors.append(f"{path}: {e.message}")
    return errors


def is_custom(api_version):
    group = api_version.split("/")[0] if "/" in api_version else ""
    return "." in group and not group.endswith(".k8s.io")


def validate(docs, versions, schemas):
    """docs: list of (source, doc). Returns (passed lines, failure lines)."""
    ok, failed = [], []
    core = {}
    for source, doc in docs:
        kind, api = doc.get("kind"), doc.get("apiVersion", "")
        name = (doc.get("metadata") or {}).get("name")
        if not is_custom(api):
            core.setdefault(source, []).append(doc)
            continue
        schema = schemas.get((api, kind))
        if schema is None:
            failed.append(f"{source}: {kind} {api}: no vendored schema in deploy/schemas")
            continue
        errors = custom_errors(doc, schema)
        failed += [f"{source}: {kind}/{name}: {e}" for e in errors]
        if not errors:
            ok.append(f"{source}: {kind}/{name} ({api}, published CRD schema)")
    if core:
        with tempfile.TemporaryDirectory() as tmp:
            names = {}
            for i, (source, ds) in enumerate(core.items()):
                base = "stdin.yaml" if source == "-" else pathlib.Path(source).name
                path = f"{tmp}/{i:02d}-{base}"
                pathlib.Path(path).write_text(yaml.safe_dump_all(ds))
                names[path] = source
            cmd = ["kubernetes-validate", "--strict"]
            for v in versions:
                cmd += ["-k", v]
            run = subprocess.run(cmd + list(names), capture_output=True, text=True)
            out = run.stdout + run.stderr
            for path, source in names.items():
                out = out.replace(path, source)
            for line in out.splitlines():
                if line.startswith("INFO "):
                    ok.append("kubernetes-validate --strict: " + line[5:])
                else:
                    # WARN (no schema) fails like ERROR.
                    failed.append("kubernetes-validate --strict: " + line)
            if run.returncode != 0 and not failed:
                failed.append(f"kubernetes-validate exited {run.returncode}")
    return ok, failed


def read_docs(paths):
    docs = []
    for p in paths:
        text = sys.stdin.read() if p == "-" else pathlib.Path(p).read_text()
        for doc in yaml.safe_load_all(text):
            if doc:
                docs.append((p, doc))
    return docs


def broken(file, path, value):
    """The manifest in deploy/k8s/FILE with the field at PATH set to VALUE."""
    doc = yaml.safe_load((ROOT / "deploy" / "k8s" / file).read_text())
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


def self_test(versions, schemas):
    """Proves the checks are not vacuous: each broken manifest must fail."""
    pod = ["spec", "template", "spec"]
    cases = [
        ("Deployment with a misspelt field",
         broken("deployment.yaml", pod + ["containers", 0, "livenesProbe"], {})),
        ("Deployment with a wrong type", broken("deployment.yaml", ["spec", "replicas"], "two")),
        ("a kind with no schema", broken("deployment.yaml", ["kind"], "Deploymnet")),
        ("ServiceMonitor with a misspelt field",
         broken("servicemonitor.yaml", ["spec", "endpoints", 0, "intervall"], "30s")),
        ("ScaledObject with a wrong type",
         broken("keda/scaledobject.yaml", ["spec", "minReplicaCount"], "two")),
        ("an unknown custom kind", broken("servicemonitor.yaml", ["apiVersion"], "example.com/v1")),
    ]
    bad = 0
    for what, doc in cases:
        _, failed = validate([("self-test", doc)], versions, schemas)
        if failed:
            print(f"ok   self-test: {what} refused ({failed[0]})")
        else:
            print(f"FAIL self-test: {what} passed")
            bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="versions", action="append", required=True)
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    schemas = load_crd_schemas()
    if args.self_test:
        return 1 if self_test(args.versions, schemas) else 0
    ok, failed = validate(read_docs(args.files), args.versions, schemas)
    for line in ok:
        print("ok   " + line)
    for line in failed:
        print("FAIL " + line)
    return 1 if failed or not ok else 0


if __name__ == "__main__":
    sys.exit(main())
