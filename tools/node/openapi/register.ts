// Registers a team, a domain and a data product through a client generated
// from Meshplane's OpenAPI document (openapi-typescript's types, the
// openapi-fetch client), reads them back and checks the answers, the ETag
// and If-Match headers and the AIP-193 errors. The test
// openapi_client_e2e_test generates ./api.d.ts from the document that the
// server serves, type-checks this file against it with tsc (so each line
// that typesAreStrict marks as an expected error must be one), then runs
// it with tsx.
//
//   MESHPLANE_URL=http://127.0.0.1:9464 MESHPLANE_TOKEN=... tsx register.ts
//
// Prints one "ok ..." line per check; exits 1 at the first that fails.
import createClient from "openapi-fetch";
import type { components, paths } from "./api.js";

// The few Node.js globals used here (tools/node installs no @types/node).
declare const process: {
  env: Record<string, string | undefined>;
  exit(code: number): never;
};

type Schemas = components["schemas"];
type Lifecycle = Schemas["Lifecycle"];
type ErrorResponse = Schemas["ErrorResponse"];

function fail(what: string, detail: unknown): never {
  console.error(`FAILED: ${what}: ${JSON.stringify(detail)}`);
  process.exit(1);
}

function check(cond: boolean, what: string, detail?: unknown): asserts cond {
  if (!cond) fail(what, detail);
  console.log(`ok ${what}`);
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) fail(`${name} is not set`, null);
  return value;
}

// The reason of the ErrorInfo detail an AIP-193 error always carries.
function reasonOf(e: ErrorResponse): string | undefined {
  for (const d of e.error.details) {
    if (d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo") {
      return d.reason;
    }
  }
  return undefined;
}

const baseUrl = env("MESHPLANE_URL");
const token = env("MESHPLANE_TOKEN");
const client = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${token}` },
});
const anonymous = createClient<paths>({ baseUrl });

const team = await client.POST("/v1/teams", {
  params: { query: { teamId: "checkout" } },
  body: { displayName: "Checkout", members: ["user:ana@example.com"] },
});
check(team.data?.name === "teams/checkout", "registered teams/checkout",
      team.error);

const domain = await client.POST("/v1/domains", {
  params: { query: { domainId: "sales" } },
  body: { displayName: "Sales", ownerTeam: "teams/checkout" },
});
check(domain.data?.name === "domains/sales", "registered domains/sales",
      domain.error);

const created = await client.POST("/v1/domains/{domain}/dataProducts", {
  params: { path: { domain: "sales" }, query: { dataProductId: "orders" } },
  body: {
    displayName: "Orders",
    ownerTeam: "teams/checkout",
    tier: 1,
    tags: ["pii"],
    outputPorts: [{ id: "v1", type: "table" }],
  },
});
if (created.data === undefined) fail("register the product", created.error);
check(created.data.name === "domains/sales/dataProducts/orders",
      "registered domains/sales/dataProducts/orders", created.data);

const path = { domain: "sales", dataProduct: "orders" };
const got = await client.GET(
    "/v1/domains/{domain}/dataProducts/{dataProduct}", { params: { path } });
if (got.data === undefined) fail("read back the product", got.error);
const lifecycle: Lifecycle | undefined = got.data.lifecycle;
check(got.data.uid === created.data.uid && got.data.displayName === "Orders",
      "read back domains/sales/dataProducts/orders", got.data);
check(lifecycle === "LIFECYCLE_DRAFT", "a new product is a draft", lifecycle);
check(got.data.outputPorts?.[0]?.id === "v1" &&
          got.data.tags?.includes("pii") === true,
      "its ports and tags came back", got.data);
const etag = got.response.headers.get("ETag");
check(etag === `"${got.data.etag}"`, "the ETag header is the quoted etag",
      etag);

const listed = await client.GET("/v1/domains/{domain}/dataProducts", {
  params: { path: { domain: "-" }, query: { pageSize: 10 } },
});
check(listed.data?.dataProducts?.some((p) => p.name === created.data.name) ===
          true,
      "listed across domains with domain=-", listed.data ?? listed.error);

const renamed = await client.PATCH(
    "/v1/domains/{domain}/dataProducts/{dataProduct}", {
      params: {
        path,
        query: { updateMask: "displayName" },
        header: { "If-Match": etag },
      },
      body: { displayName: "Orders (v2)" },
    });
check(renamed.data?.displayName === "Orders (v2)",
      "updated with updateMask and If-Match", renamed.error);

const stale = await client.PATCH(
    "/v1/domains/{domain}/dataProducts/{dataProduct}", {
      params: {
        path,
        query: { updateMask: "displayName" },
        header: { "If-Match": etag },
      },
      body: { displayName: "Orders (v3)" },
    });
check(stale.response.status === 409 && stale.error?.error.status === "ABORTED",
      "a stale If-Match is 409 ABORTED", stale.error);

const missing = await client.GET(
    "/v1/domains/{domain}/dataProducts/{dataProduct}",
    { params: { path: { domain: "sales", dataProduct: "nope" } } });
if (missing.error === undefined) fail("a missing product", missing.data);
check(missing.response.status === 404 && missing.error.error.code === 404 &&
          missing.error.error.status === "NOT_FOUND" &&
          reasonOf(missing.error) !== undefined,
      "a missing product is an AIP-193 404 with its ErrorInfo",
      missing.error);

const invalid = await client.POST("/v1/domains", {
  params: { query: { domainId: "Not An Id" } },
  body: { ownerTeam: "teams/checkout" },
});
const violations = invalid.error?.error.details.flatMap(
    (d) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest"
        ? d.fieldViolations ?? [] : []);
check(invalid.response.status === 400 &&
          violations?.some((v) => v.field === "domain_id") === true,
      "a bad id is 400 with a field violation on domain_id", invalid.error);

const nobody = await anonymous.GET("/v1/callerIdentity");
check(nobody.response.status === 401 &&
          nobody.error?.error.status === "UNAUTHENTICATED",
      "no token is 401 UNAUTHENTICATED", nobody.error);

const doc = await anonymous.GET("/v1/openapi.json");
check(doc.data?.openapi === "3.1.0", "the document needs no token",
      doc.response.status);

console.log("openapi client: all checks passed");

// Never called: tsc must find an error on each marked line, which shows
// that the generated types are the API's and not `any`.
export function typesAreStrict(): void {
  const onlyDomain = { params: { path: { domain: "sales" } } };
  // @ts-expect-error: a data product's path takes both segments.
  void client.GET("/v1/domains/{domain}/dataProducts/{dataProduct}", onlyDomain);
  // @ts-expect-error: pageSize is an integer.
  void client.GET("/v1/domains", { params: { query: { pageSize: "10" } } });
  // @ts-expect-error: no such route.
  void client.GET("/v1/dataProducts");
  // @ts-expect-error: enums are their names.
  const draft: Lifecycle = "DRAFT";
  // @ts-expect-error: int64 is a string in proto3 JSON.
  const sequence: Schemas["WatchResponse"]["highWaterSequence"] = 5;
  void draft;
  void sequence;
}
