#!/usr/bin/env python3
"""Writes prometheusrule.yaml: deploy/prometheus/alerts.yml wrapped in a
prometheus-operator PrometheusRule, so the alert rules have one source.

    deploy/k8s/prometheusrule.py          rewrite prometheusrule.yaml
    deploy/k8s/prometheusrule.py --check  exit 1 if it is stale (CI)

The rules are copied as text, comments included, indented under `spec:`.
"""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE.parent / "prometheus" / "alerts.yml"
TARGET = HERE / "prometheusrule.yaml"

HEADER = """\
# GENERATED from deploy/prometheus/alerts.yml by deploy/k8s/prometheusrule.py.
# Do not edit: change alerts.yml (and its tests), then run the script.
# A Prometheus that selects rules by label (kube-prometheus-stack:
# `release: <its release name>`) needs that label here too; add it in an
# overlay.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: tradewire
  labels:
    app.kubernetes.io/name: tradewire
spec:
"""


def render() -> str:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    # Drop the file's leading comment (it describes the file, not the rules).
    start = next(i for i, line in enumerate(lines) if line.startswith("groups:"))
    body = ["  " + line if line.strip() else "" for line in lines[start:]]
    return HEADER + "\n".join(body) + "\n"


def main() -> int:
    text = render()
    if sys.argv[1:] == ["--check"]:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(HERE.parent.parent)} is stale: "
                  "run deploy/k8s/prometheusrule.py and commit the result")
            return 1
        return 0
    if sys.argv[1:]:
        print(__doc__)
        return 2
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
