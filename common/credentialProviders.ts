// The AWS SDK's credential chain, by name, for common/sigv4.ts's lazy `import()`: in an ES module
// bundle split into chunks (the CLI), `import()` of a CommonJS package such as the SDK's yields only
// its `default` export; a module of ours that names it is an ES module, whose names survive
// (esbuild.mjs refuses an `import()` of a CommonJS package in our code).
export { fromNodeProviderChain } from '@aws-sdk/credential-providers';
