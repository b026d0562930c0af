// Lets the tests find the AWS SDK for JavaScript v3, which Lambda's Node.js
// runtime provides and scripts/test installs into target/handler-node (never
// beside the handler): a bare `@aws-sdk/...` import resolves as if it were
// made from there. Load it with `node --import`.

import { register } from "node:module";
import { isMainThread } from "node:worker_threads";

const INSTALLED = new URL("../../target/handler-node/package.json", import.meta.url).href;

// Module hooks run on a thread of their own, which loads this file again.
if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith("@aws-sdk/")) {
    return nextResolve(specifier, { ...context, parentURL: INSTALLED });
  }
  return nextResolve(specifier, context);
}
