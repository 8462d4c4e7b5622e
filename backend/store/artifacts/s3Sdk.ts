// What the S3 artifact store uses of the AWS SDK, by name, for its lazy `import()`: in an ES module
// bundle split into chunks (the API Lambda, the CLI), `import()` of a CommonJS package such as the
// SDK's yields only its `default` export; a module of ours that names them is an ES module, whose
// names survive (esbuild.mjs refuses an `import()` of a CommonJS package in our code).
export {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
export { getSignedUrl } from '@aws-sdk/s3-request-presigner';
