#!/usr/bin/python3
"""validate_summaries.py SCHEMA FILE_OR_DIR... -- check summaries against the schema.

Every *.json directly in a directory (dead letters live in a subdirectory
and are not summaries) and every file named is validated against
docs/summary.schema.json with Debian's python3-jsonschema. Beyond the
schema, every entity's and attribute's Text must be a non-empty slice
length EndOffset - BeginOffset. Prints one line per problem; exit 1 if any,
77 (skip) when python3-jsonschema is missing."""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (scripts/setup.sh installs it)")
    sys.exit(77)


def entity_problems(path, doc):
    ents = doc.get("entities", {}).get("Entities", [])
    for e in ents:
        items = [e] + e.get("Attributes", [])
        for x in items:
            n = x["EndOffset"] - x["BeginOffset"]
            if n <= 0 or len(x["Text"]) != n:
                yield "%s: Id %d: Text has %d code points, offsets span %d" % (
                    path, x["Id"], len(x["Text"]), n)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = []
    for arg in sys.argv[2:]:
        files += sorted(glob.glob(os.path.join(arg, "*.json"))) if os.path.isdir(arg) else [arg]
    bad = 0
    for path in files:
        doc = json.load(open(path))
        for err in validator.iter_errors(doc):
            print("%s: %s at %s" % (path, err.message, "/".join(map(str, err.path))))
            bad += 1
        for p in entity_problems(path, doc):
            print(p)
            bad += 1
    print("validated %d summaries, %d problems" % (len(files), bad))
    if not files:
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
