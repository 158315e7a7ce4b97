import { Validator } from "@cfworker/json-schema";
import app from "../../src/app";

interface Operation {
  pattern: RegExp;
  method: string;
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}

let operations: Operation[] | undefined;
let components: object = {};
const validators = new Map<string, Validator>();

function load(): Operation[] {
  if (operations) return operations;
  const doc = app.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "t", version: "1" } }) as unknown as {
    paths: Record<string, Record<string, { responses: Operation["responses"] }>>;
    components: object;
  };
  components = doc.components ?? {};
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      pattern: new RegExp(`^${path.replace(/\/$/, "").replace(/\{\w+\}/g, "[^/]+")}/?$`),
      method: method.toUpperCase(),
      responses: op.responses,
    })),
  );
  return operations;
}

/**
 * Checks a response the suite received against the OpenAPI document: a documented
 * operation must document the status, and a JSON body must validate against its schema.
 * Undocumented paths (404s, 405s) are not operations and are skipped.
 */
export function checkAgainstDocument(method: string, url: string, status: number, contentType: string | null, body: unknown) {
  const path = new URL(url).pathname;
  const op = load().find((o) => o.method === method && o.pattern.test(path));
  if (!op) return;
  const response = op.responses[String(status)];
  if (!response) throw new Error(`${method} ${path} answered ${status}, which the OpenAPI document does not list`);
  if (!contentType?.startsWith("application/json")) return;
  const schema = response.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`${method} ${path} ${status} has a JSON body the document does not describe`);
  const key = `${op.method} ${op.pattern.source} ${status}`;
  let validator = validators.get(key);
  if (!validator) {
    validator = new Validator({ ...schema, components } as object, "2020-12", false);
    validators.set(key, validator);
  }
  const result = validator.validate(body);
  if (!result.valid) {
    throw new Error(`${method} ${path} ${status}: body does not match the document: ${JSON.stringify(result.errors.slice(0, 3))}\n${JSON.stringify(body).slice(0, 300)}`);
  }
}
