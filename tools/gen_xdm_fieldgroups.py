"""Generate the field descriptions of the ready-made Stripe field groups from Stripe's published API description.

Reads ``spec3.json`` (OpenAPI, API version 2020-08-27) and writes ``src/stripeflow/xdm/stripe_descriptions.json``:
``{"resources": {resource: {dotted field path: description}}}`` for every field of
``stripeflow.xdm.stripe_layout.stripe_kinds(resource)`` the spec describes (list levels are transparent, as in
the lake's descriptions). A description is the spec's first sentence with Markdown links reduced to their text,
at most 300 characters. Fields newer than the spec get a generic description at runtime.

    .venv/bin/python tools/gen_xdm_fieldgroups.py [--spec PATH] [--out PATH] [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stripeflow.xdm.stripe_layout import RESOURCES, SINGULAR, stripe_kinds

SPEC = Path("/work/shared/stripe-openapi/spec3.json")
OUT = Path(__file__).resolve().parents[1] / "src/stripeflow/xdm/stripe_descriptions.json"
MAX_CHARS = 300
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)`])\.(\s|$)")


def first_sentence(text: str) -> str:
    text = " ".join(_LINK.sub(r"\1", text).replace("%s", "the smallest currency unit").split())
    match = _SENTENCE_END.search(text)
    sentence = text[: match.start() + 1] if match else text
    return sentence if len(sentence) <= MAX_CHARS else sentence[: MAX_CHARS - 1].rstrip() + "…"


class SpecWalker:
    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.components: Mapping[str, Any] = spec["components"]["schemas"]

    def object_schema(self, prop: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The object schema a property holds (through $ref, anyOf and array items), if any."""
        if "$ref" in prop:
            return self.object_schema(self.components[prop["$ref"].rsplit("/", 1)[1]])
        if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            return self.object_schema(prop["items"])
        for option in prop.get("anyOf", []):
            found = self.object_schema(option)
            if found is not None:
                return found
        return prop if "properties" in prop else None

    def describe(self, kinds: Mapping[str, Any], schema: Mapping[str, Any], prefix: str, out: dict[str, str]) -> None:
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name, kind in kinds.items():
            prop = properties.get(name)
            if prop is None:
                continue
            path = f"{prefix}{name}"
            if prop.get("description"):
                out[path] = first_sentence(prop["description"])
            while isinstance(kind, list):
                kind = kind[0]
            nested = self.object_schema(prop) if isinstance(kind, dict) else None
            if nested is not None:
                self.describe(kind, nested, f"{path}.", out)


def generate(spec_path: Path) -> dict[str, Any]:
    walker = SpecWalker(json.loads(spec_path.read_text("utf-8")))
    resources: dict[str, dict[str, str]] = {}
    for resource in RESOURCES:
        out: dict[str, str] = {}
        walker.describe(stripe_kinds(resource), walker.components[SINGULAR[resource]], "", out)
        resources[resource] = out
    return {
        "generated_by": "tools/gen_xdm_fieldgroups.py",
        "source": "stripe/openapi spec3.json",
        "resources": resources,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="fail if the written file is not up to date")
    args = parser.parse_args(argv)
    text = json.dumps(generate(args.spec), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if args.check:
        if not args.out.exists() or args.out.read_text("utf-8") != text:
            print(f"{args.out} is out of date: run tools/gen_xdm_fieldgroups.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, "utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
