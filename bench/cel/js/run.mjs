// Runs Meshplane's two reference CEL policies (../data/policies.json) through
// @bufbuild/cel, compiled (parsed + planned) once and evaluated many times,
// and prints the same figures as cel_benchmark: evaluations per second,
// median and p99 per evaluation, and compile time.
//
//   cd bench/cel/js && npm install && node run.mjs [iterations]
import { readFileSync } from "node:fs";
import { celEnv, parse, plan, isCelError } from "@bufbuild/cel";

const dataDir = new URL("../data/", import.meta.url);
const policies = JSON.parse(readFileSync(new URL("policies.json", dataDir)));
const iterations = Number(process.argv[2] ?? 200000);

function load(key, docFile) {
  const bindings = JSON.parse(readFileSync(new URL(docFile, dataDir)));
  const expr = policies[key];
  const env = celEnv();
  const program = plan(env, parse(expr));
  const result = program(bindings);
  if (isCelError(result) || result !== true) {
    throw new Error(`policy ${key} evaluated to ${String(result)}`);
  }
  return { key, expr, env, program, bindings };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

function latency(p) {
  for (let i = 0; i < iterations / 10; i++) p.program(p.bindings); // warm up
  const samples = new Float64Array(iterations);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    p.program(p.bindings);
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  const totalNs = Number(process.hrtime.bigint() - start);
  samples.sort();
  console.log(
    `policy ${p.key}   evals/s ${Math.round((iterations * 1e9) / totalNs)}` +
      `   median ${Math.round(percentile(samples, 0.5))} ns` +
      `   p99 ${Math.round(percentile(samples, 0.99))} ns`,
  );
}

function compileLatency(p, n) {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    plan(p.env, parse(p.expr));
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort();
  console.log(
    `policy ${p.key}   compile median ${percentile(samples, 0.5).toFixed(1)} us` +
      `   p99 ${percentile(samples, 0.99).toFixed(1)} us`,
  );
}

const a = load("A", "policy_a.json");
const b = load("B", "policy_b.json");
console.log(`@bufbuild/cel on node ${process.version}, ${iterations} evaluations`);
latency(a);
latency(b);
compileLatency(a, 2000);
compileLatency(b, 2000);
