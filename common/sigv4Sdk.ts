// What common/sigv4.ts uses of the AWS SDK, loaded with the first request it signs (a command that
// never signs, such as any against the local stack, does not pay for them). By name: in an ES module
// bundle split into chunks (the CLI), `import()` of a CommonJS package such as the SDK's yields only
// its `default` export; a module of ours that names them is an ES module, whose names survive
// (esbuild.mjs refuses an `import()` of a CommonJS package in our code).
export { fromNodeProviderChain } from '@aws-sdk/credential-providers';
export { SignatureV4 } from '@smithy/signature-v4';
