// Runs every ODCS fixture listed in odcs/fixtures.tsv through the standard's
// own JSON Schema for the version it exercises, with ajv in draft 2019-09
// mode plus ajv-formats, as the standard's validate-examples.sh and
// validate-negative.sh do, and checks the schema's verdict against the
// manifest's (which conformance_test holds our validator to). Fixtures of
// RFCs the v3.2.0 schema does not have yet (`v3.2.0+RFCnnnn`) must be
// accepted by us and refused by the schema: that proves each needs its RFC.
//
//   node odcs_schema_crosscheck.mjs <fixture dir> <tools/node dir>
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [fixtures, tools] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!fixtures || !tools) {
  console.error("usage: odcs_schema_crosscheck.mjs FIXTURE_DIR TOOLS_NODE_DIR");
  process.exit(2);
}
const modules = path.join(tools, "node_modules");
if (!fs.existsSync(path.join(modules, "ajv"))) {
  console.error(`FAIL: ${modules} has no ajv; run ` +
                "'source scripts/common.sh && ensure_node_tools' first");
  process.exit(1);
}
const require = createRequire(path.join(modules, "noop.js"));
const Ajv2019 = require("ajv/dist/2019").default;
const addFormats = require("ajv-formats").default;
const yaml = require("js-yaml");

const validators = new Map();
function schemaFor(version) {
  if (!validators.has(version)) {
    const file = path.join(fixtures, "schemas",
                           `odcs-json-schema-${version}.json`);
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    addFormats(ajv);
    validators.set(version,
                   ajv.compile(JSON.parse(fs.readFileSync(file, "utf8"))));
  }
  return validators.get(version);
}

const rows = fs.readFileSync(path.join(fixtures, "fixtures.tsv"), "utf8")
                 .split("\n").slice(1).filter((l) => l.trim() !== "");
let passed = 0, failed = 0;
for (const row of rows) {
  const [file, expect, exercises] = row.split("\t");
  const [version, rfc] = exercises.split("+");
  // The YAML 1.2 core schema: no timestamps, as our reader and JSON read it.
  const doc = yaml.load(fs.readFileSync(path.join(fixtures, file), "utf8"),
                        { schema: yaml.CORE_SCHEMA });
  const validate = schemaFor(version);
  const accepted = validate(doc);
  const want = rfc ? false : expect === "valid";
  if (accepted === want) {
    ++passed;
    continue;
  }
  ++failed;
  const errors = (validate.errors || []).slice(0, 3)
      .map((e) => `${e.instancePath || "/"} ${e.message}`).join("; ");
  console.log(`FAIL ${file}: the ${version} schema ` +
              `${accepted ? "accepts" : "refuses"} it, the manifest says ` +
              `${expect}${rfc ? ` (needs ${rfc})` : ""}${errors ? `: ${errors}` : ""}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
